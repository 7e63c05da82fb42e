"""DORA forms, and the value checks they share with the bulk import (each raises ValueError with
a French message naming what is wrong)."""

from __future__ import annotations

import re

import opening_hours
from email_validator import EmailNotValidError, validate_email
from stdnum.fr import siret as stdnum_siret
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core import validators
from app.core.forms import (
    BaseForm,
    NormalizedEmailField,
    checked,
    choices,
    email_validators,
    max_length,
    required,
)
from app.dora.models import (
    Categorie,
    Frais,
    ModeAccueil,
    ModeMobilisation,
    Public,
    ReseauPorteur,
    Thematique,
    TypeService,
    category_of,
)
from app.tenancy.models import STRUCTURE_KINDS

# Checks shared with imports.py


def check_siret(value: str | None) -> str | None:
    """14 digits with a valid Luhn key (python-stdnum); branches may share a SIREN."""
    if not value:
        return None
    compact = re.sub(r"[\s.]", "", str(value))
    if not re.fullmatch(r"(?a)\d{14}", compact):
        raise ValueError("Le SIRET comporte 14 chiffres, par exemple 130 030 133 00016.")
    if not stdnum_siret.is_valid(compact):
        raise ValueError("Ce SIRET n'est pas valide : vérifiez les 14 chiffres.")
    return compact


def check_phone(value: str | None) -> str | None:
    return validators.french_phone(
        value, "Le numéro de téléphone n'est pas valide, par exemple 02 40 12 34 56."
    )


def check_email(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return validate_email(str(value).strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValueError(
            "L'adresse électronique n'est pas valide, par exemple contact@exemple.fr."
        ) from error


def check_postal_code(value: str | None) -> str | None:
    return validators.postal_code(value, "Le code postal comporte 5 chiffres, par exemple 44000.")


def check_opening_hours(value: str | None) -> str | None:
    """The OpenStreetMap opening_hours format the data·inclusion schema uses."""
    if not value:
        return None
    value = str(value).strip()
    if not opening_hours.validate(value):
        raise ValueError(
            "Les horaires ne sont pas au format OpenStreetMap, par exemple "
            "« Mo-Fr 09:00-12:00,14:00-17:00; PH off »."
        )
    return value


def check_url(value: str | None) -> str | None:
    if not value:
        return None
    value = str(value).strip()
    if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", value, re.IGNORECASE):
        raise ValueError(
            "L'adresse web doit commencer par https:// , par exemple https://exemple.fr."
        )
    return value


def split_codes(value) -> list[str]:
    """'44109, 44 ; France' → ['44109', '44', 'france']."""
    parts = (
        value if isinstance(value, list | tuple | set) else re.split(r"[\s,;|]+", str(value or ""))
    )
    codes = []
    for part in parts:
        part = str(part).strip()
        if part:
            codes.append("france" if part.lower() == "france" else part.upper())
    return list(dict.fromkeys(codes))


def check_zone(value, known: set[str] | None = None) -> list[str]:
    """The schema's `zone_eligibilite`: known commune, EPCI or department codes, or 'france'
    (`known`: every known code, for callers checking many rows)."""
    from app.dora.queries import known_zone_codes

    codes = split_codes(value)
    if not codes:
        raise ValueError("Indiquez au moins une commune, un EPCI, un département ou « france ».")
    known = known if known is not None else known_zone_codes(codes)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(
            f"Zone d'éligibilité : code inconnu « {', '.join(unknown)} » (attendu : code INSEE "
            "de commune, SIREN d'EPCI, numéro de département ou « france »)."
        )
    return codes


def check_values(values, enum_cls, label: str) -> list[str]:
    """Values of a data·inclusion enum; unknown ones are named in the message."""
    values = [str(v).strip() for v in values if str(v).strip()]
    allowed = {m.value for m in enum_cls}
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"{label} : valeur inconnue « {', '.join(unknown)} ».")
    return list(dict.fromkeys(values))


def check_publics(values) -> list[str]:
    values = check_values(values, Public, "Publics")
    if Public.TOUS_PUBLICS.value in values and len(values) > 1:
        raise ValueError(
            "Publics : « Tous publics » ne peut pas être choisi avec d'autres publics."
        )
    return values


# Choices, from the referentials


def thematique_choices():
    """Thematiques grouped by category in the label ("Mobilité — Préparer un permis")."""
    labels = {c.value: c.label for c in Categorie}
    return choices((t.value, f"{labels[category_of(t.value)]} — {t.label}") for t in Thematique)


def enum_choices(enum_cls, empty: bool = False):
    return choices(
        ([("", "— Choisir —")] if empty else []) + [(m.value, m.label) for m in enum_cls]
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProviderForm(BaseForm):
    name = StringField("Nom de la structure", validators=[required(), max_length(150)])
    kind = SelectField("Typologie", choices=choices(STRUCTURE_KINDS.items()))
    siret = StringField("SIRET (facultatif)", validators=[Optional(), checked(check_siret)])
    short_description = TextAreaField(
        "Présentation résumée", validators=[required(), max_length(280)]
    )
    description = TextAreaField(
        "Présentation détaillée", validators=[Optional(), max_length(10000)]
    )
    networks = MultiCheckboxField("Réseaux porteurs", choices=enum_choices(ReseauPorteur))
    address = StringField("Adresse", validators=[Optional(), max_length(250)])
    address_complement = StringField(
        "Complément d'adresse", validators=[Optional(), max_length(250)]
    )
    postal_code = StringField("Code postal", validators=[required(), checked(check_postal_code)])
    code_insee = SelectField("Commune", validators=[required()])
    phone = StringField("Téléphone", validators=[Optional(), checked(check_phone)])
    email = NormalizedEmailField("Adresse électronique", validators=email_validators(False))
    website = StringField("Site web", validators=[Optional(), checked(check_url)])
    opening_hours = StringField(
        "Horaires d'accueil (format OpenStreetMap)",
        validators=[Optional(), checked(check_opening_hours)],
    )
    accessibility_url = StringField(
        "Lien vers la fiche Accèslibre", validators=[Optional(), checked(check_url)]
    )


class ServiceForm(BaseForm):
    name = StringField("Nom du service", validators=[required(), max_length(150)])
    summary = TextAreaField("Résumé", validators=[required(), max_length(280)])
    description = TextAreaField("Description", validators=[Optional(), max_length(10000)])
    thematiques = MultiCheckboxField("Thématiques", choices=thematique_choices())
    type = SelectField("Type de service", choices=enum_choices(TypeService, empty=True))
    fees = SelectField("Frais", choices=enum_choices(Frais, empty=True))
    fees_details = TextAreaField(
        "Précisions sur les frais", validators=[Optional(), max_length(2000)]
    )
    publics = MultiCheckboxField("Publics", choices=enum_choices(Public))
    publics_details = TextAreaField(
        "Précisions sur les publics", validators=[Optional(), max_length(2000)]
    )
    access_conditions = TextAreaField(
        "Conditions d'accès", validators=[Optional(), max_length(2000)]
    )
    required_documents = TextAreaField(
        "Justificatifs à fournir", validators=[Optional(), max_length(2000)]
    )
    reception_modes = MultiCheckboxField("Modes d'accueil", choices=enum_choices(ModeAccueil))
    address = StringField("Adresse du lieu d'accueil", validators=[Optional(), max_length(250)])
    address_complement = StringField(
        "Complément d'adresse", validators=[Optional(), max_length(250)]
    )
    postal_code = StringField("Code postal", validators=[Optional(), checked(check_postal_code)])
    code_insee = SelectField("Commune", validators=[Optional()])
    opening_hours = StringField(
        "Horaires d'accueil (format OpenStreetMap)",
        validators=[Optional(), checked(check_opening_hours)],
    )
    modes_for_professionals = MultiCheckboxField(
        "Comment les accompagnateurs mobilisent le service", choices=enum_choices(ModeMobilisation)
    )
    modes_for_people = MultiCheckboxField(
        "Comment les personnes mobilisent le service", choices=enum_choices(ModeMobilisation)
    )
    mobilisation_link = StringField(
        "Lien de mobilisation", validators=[Optional(), checked(check_url)]
    )
    mobilisation_details = TextAreaField(
        "Précisions sur la mobilisation", validators=[Optional(), max_length(2000)]
    )
    contact_name = StringField("Nom du contact", validators=[Optional(), max_length(150)])
    contact_phone = StringField(
        "Téléphone du contact", validators=[Optional(), checked(check_phone)]
    )
    contact_email = NormalizedEmailField(
        "Adresse électronique du contact", validators=email_validators(False)
    )
    contact_public = BooleanField("Contact visible du public (sinon, réservé aux accompagnateurs)")
    zone = StringField(
        "Zone d'éligibilité",
        validators=[required()],
        description="Codes INSEE de communes, codes SIREN d'EPCI, numéros de départements, ou « france », séparés par des virgules.",
    )
    update_frequency_days = IntegerField(
        "Fréquence d'actualisation (en jours)",
        validators=[
            Optional(),
            NumberRange(min=1, max=365, message="Entre 1 et 365 jours."),
        ],
    )

    def validate_publics(self, field):
        try:
            field.data = check_publics(field.data or [])
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate_zone(self, field):
        try:
            field.data = check_zone(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        on_site = ModeAccueil.EN_PRESENTIEL.value in (self.reception_modes.data or [])
        if on_site and not (self.address.data or "").strip():
            self.address.errors.append("Indiquez l'adresse du lieu d'accueil en présentiel.")
            valid = False
        return valid


class ConfirmForm(BaseForm):
    """A form with only its CSRF token: the one button of a confirmation page."""


class SuggestionForm(BaseForm):
    message = TextAreaField(
        "Ce qui est inexact ou ce qu'il faudrait changer",
        validators=[required(), max_length(2000)],
    )


class InviteForm(BaseForm):
    email = NormalizedEmailField("Adresse électronique", validators=email_validators())
    first_name = StringField("Prénom", validators=[required(), max_length(100)])
    last_name = StringField("Nom", validators=[required(), max_length(100)])
    is_admin = BooleanField("Administrateur·rice de la structure")


class ImportForm(BaseForm):
    """The file itself is read in the view (FileField + size and format checks in imports.py)."""
