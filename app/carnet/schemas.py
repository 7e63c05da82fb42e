"""The Carnet de bord JSON API's request and response bodies (the OpenAPI document is generated
from these models, see app/core/api.py)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app.carnet.forms import validate_nir
from app.carnet.models import BarrierStatus, BarrierTheme, ContractType, Situation, Visibility
from app.core import validators
from app.core.api import REQUIRED


def fail(message: str):
    """A validation error whose message is shown as is (French, for the information system)."""
    return PydanticCustomError("invalide", message)


def _required_text(value):
    if value is None:
        raise fail(REQUIRED)
    if isinstance(value, str) and not value.strip():
        raise fail("Ce champ ne peut pas être vide.")
    return value


def _blank_is_none(value):
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _iso_date(value):
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"(?a)\d{4}-\d{2}-\d{2}", value.strip()):
        raise fail("Date invalide : utilisez le format AAAA-MM-JJ, par exemple 1985-07-14.")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise fail(
            "Date invalide : utilisez le format AAAA-MM-JJ, par exemple 1985-07-14."
        ) from None


def _past(value: date | None) -> date | None:
    if value is not None and value > date.today():
        raise fail("La date ne peut pas être dans le futur.")
    if value is not None and value.year < 1900:
        raise fail("Vérifiez l'année saisie.")
    return value


def _email(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise fail(
            "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."
        ) from None
    return value.lower()


def _checked(check):
    """A schema check from a check raising ValueError with its French message
    (`app.core.validators`, `validate_nir`): null stays null, the message is shown as is."""

    def run(value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check(value)
        except ValueError as error:
            raise fail(str(error)) from None

    return run


_phone = _checked(validators.french_phone)
_postal_code = _checked(validators.postal_code)
_nir = _checked(validate_nir)


def Text(max_length: int, description: str, *checks):  # noqa: N802 (an annotated type)
    """An optional string (null or blank clears it), trimmed, refused beyond `max_length`."""
    # The length applies to the string only (a blank string has become None by then).
    return Annotated[
        Annotated[str, Field(max_length=max_length)] | None,
        BeforeValidator(_blank_is_none),
        Field(description=description),
        *(AfterValidator(check) for check in checks),
    ]


def Name(description: str):  # noqa: N802
    return Annotated[
        str, BeforeValidator(_required_text), Field(max_length=100, description=description)
    ]


_DATE_SCHEMA = WithJsonSchema({"type": ["string", "null"], "format": "date"})


class BeneficiaryInput(BaseModel):
    """Une personne et son carnet. La personne déjà connue dans le territoire du jeton est
    cherchée par NIR, sinon par identifiant France Travail, sinon par nom, prénom et date de
    naissance (sans tenir compte de la casse) ; un jeton ne modifie que les personnes qu'il a
    créées ou qui partagent leur carnet avec sa structure. En mise à jour, seuls les champs
    envoyés changent ; `null` efface la valeur. Les textes trop longs sont refusés."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: Name("Prénom")
    last_name: Name("Nom")
    birth_date: Annotated[
        date,
        BeforeValidator(lambda v: _iso_date(_required_text(v))),
        AfterValidator(_past),
        WithJsonSchema({"type": "string", "format": "date"}),
        Field(description="Date de naissance (AAAA-MM-JJ, pas dans le futur)"),
    ]
    email: Text(254, "Adresse électronique", _email) = None
    mobile: Text(20, "Téléphone portable (numéro français)", _phone) = None
    address: Text(200, "Adresse") = None
    postal_code: Text(5, "Code postal (5 chiffres)", _postal_code) = None
    commune: Text(120, "Commune") = None
    situation: Annotated[
        Situation | None,
        BeforeValidator(_blank_is_none),
        Field(description="Situation (par défaut `other`)"),
    ] = None
    caf_number: Text(20, "Numéro d'allocataire CAF") = None
    france_travail_id: Text(20, "Identifiant France Travail") = None
    nir: Text(
        21,
        "NIR : 13 caractères, ou 15 avec la clé (vérifiée) ; espaces ignorés ; enregistré en "
        "majuscules sans espaces",
        _nir,
    ) = None
    work_situation: Text(200, "Situation professionnelle") = None
    education_level: Text(100, "Niveau de formation") = None
    contract_type: Annotated[
        ContractType | None,
        BeforeValidator(_blank_is_none),
        Field(description="Contrat d'accompagnement (par défaut `none`)"),
    ] = None
    contract_start: Annotated[
        date | None,
        BeforeValidator(lambda v: _iso_date(_blank_is_none(v))),
        _DATE_SCHEMA,
        Field(description="Début du contrat (AAAA-MM-JJ)"),
    ] = None
    contract_end: Annotated[
        date | None,
        BeforeValidator(lambda v: _iso_date(_blank_is_none(v))),
        _DATE_SCHEMA,
        Field(description="Fin du contrat (AAAA-MM-JJ, après le début)"),
    ] = None

    @field_validator("contract_end")
    @classmethod
    def _after_start(cls, value, info: ValidationInfo):
        start = info.data.get("contract_start")
        if value and start and value < start:
            raise fail("La fin du contrat doit suivre son début.")
        return value

    def values(self) -> dict:
        """Every field's value (None for those not sent)."""
        return self.model_dump()

    def sent(self) -> set[str]:
        """The names of the fields the information system sent (null included)."""
        return set(self.model_fields_set)


class BeneficiaryResult(BaseModel):
    id: int = Field(description="Identifiant de la personne")
    notebook_id: int = Field(description="Identifiant de son carnet")
    created: bool = Field(description="Vrai si la personne a été créée")


class NotebookMember(BaseModel):
    name: str
    structure: str | None
    email: str
    phone: str | None
    is_referent: bool
    active: bool


class Barrier(BaseModel):
    """Un frein. `situation` n'est présente que pour les freins dont le détail est partagé
    (`visibility` = `detail`) : le détail d'un frein `summary` reste entre la personne et son
    référent."""

    id: int
    theme: BarrierTheme
    status: BarrierStatus
    visibility: Visibility
    situation: str | None = None


class Notebook(BaseModel):
    id: int
    beneficiary_id: int
    content_shared: bool = Field(
        description="Vrai si la personne partage son carnet avec la structure du jeton "
        "(consentement valide) ; sinon seuls l'identité et les contacts sont transmis."
    )
    members: list[NotebookMember]
    barriers: list[Barrier] | None = Field(
        description="Null sans consentement de la personne pour la structure du jeton."
    )
