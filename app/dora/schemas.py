"""The open-data API's bodies: data·inclusion v1 structures and services (the package's own
pydantic models), in pages, and the query parameters validated at the edge."""

from __future__ import annotations

from datetime import date

from data_inclusion.schema import v1 as di
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.dora.queries import DEPARTMENTS


class OpenDataQuery(BaseModel):
    """Filters and page of /api/v1/structures and /api/v1/services."""

    model_config = ConfigDict(extra="forbid")

    departement: str | None = Field(
        None, description="Code du département, par exemple 44, 08 ou 974"
    )
    thematique: str | None = Field(
        None, description="Thématique ou catégorie du référentiel data·inclusion (services)"
    )
    modifie_depuis: date | None = Field(
        None, description="Modifiés ou confirmés depuis cette date (AAAA-MM-JJ)"
    )
    page: int = Field(1, ge=1, description="Numéro de page, à partir de 1")
    taille: int = Field(
        100, ge=1, le=1000, description="Nombre d'éléments par page (1 000 au plus)"
    )

    @field_validator("departement")
    @classmethod
    def known_department(cls, value):
        if value is not None and value.upper() not in DEPARTMENTS:
            raise ValueError("département inconnu")
        return value.upper() if value else value

    @field_validator("thematique")
    @classmethod
    def known_thematique(cls, value):
        known = {t.value for t in di.Thematique} | {c.value for c in di.Categorie}
        if value is not None and value not in known:
            raise ValueError("thématique inconnue du référentiel data·inclusion")
        return value


class Page(BaseModel):
    total: int = Field(description="Nombre total d'éléments correspondant aux filtres")
    page: int
    taille: int
    pages: int


class StructurePage(Page):
    items: list[di.Structure]


class ServicePage(Page):
    items: list[di.Service]


# From our records to the data·inclusion bodies

SOURCE = "dora"


def _e164(phone: str | None, department: str) -> str | None:
    """'0240123456' → '+33240123456' (La Réunion: +262), as the schema prefers."""
    if not phone:
        return None
    if phone.startswith("+"):
        return phone
    if phone.startswith("0033"):
        return "+" + phone[2:]
    prefix = "+262" if department == "974" else "+33"
    return prefix + phone[1:] if phone.startswith("0") else phone


def _email(value: str | None) -> str | None:
    """An address the schema accepts, or none: one malformed record (an old import, a directory
    entry) must not break the open-data page it is on."""
    if not value:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _text(value: str | None, minimum: int = 5) -> str | None:
    value = (value or "").strip()
    return value if len(value) >= minimum else None


def structure_body(provider, department: str) -> di.Structure:
    structure = provider.structure
    return di.Structure(
        source=SOURCE,
        id=f"{SOURCE}--{provider.slug}",
        nom=structure.name,
        date_maj=provider.modified_at.date(),
        description=_text(provider.description) or _text(provider.short_description),
        siret=structure.siret,
        commune=structure.commune,
        code_postal=structure.postal_code,
        code_insee=provider.code_insee,
        adresse=provider.address,
        complement_adresse=provider.address_complement,
        longitude=provider.longitude,
        latitude=provider.latitude,
        telephone=_e164(structure.phone, department),
        courriel=_email(structure.email),
        site_web=provider.website,
        horaires_accueil=provider.opening_hours,
        accessibilite_lieu=provider.accessibility_url,
        reseaux_porteurs=set(provider.networks or []) or None,
    )


def service_body(service, department: str, link: str | None) -> di.Service:
    """A non-public contact is never published: the structure's own contact stands in."""
    provider = service.provider
    structure = provider.structure
    if service.contact_public:
        phone, email, name = service.contact_phone, service.contact_email, service.contact_name
    else:
        phone, email, name = structure.phone, structure.email, None
    modes = list(
        dict.fromkeys((service.modes_for_professionals or []) + (service.modes_for_people or []))
    )
    by = ([di.PersonneMobilisatrice.PROFESSIONNELS] if service.modes_for_professionals else []) + (
        [di.PersonneMobilisatrice.USAGERS] if service.modes_for_people else []
    )
    conditions = "\n\n".join(
        part for part in (service.access_conditions, _documents(service.required_documents)) if part
    )
    description = (
        _text(service.description) or _text(service.summary) or f"{service.name} — {structure.name}"
    )
    return di.Service(
        source=SOURCE,
        structure_id=f"{SOURCE}--{provider.slug}",
        id=f"{SOURCE}--{service.public_id}",
        nom=service.name,
        description=description,
        lien_source=link,
        date_maj=max(service.modified_at, service.last_confirmed_at).date(),
        type=service.type,
        thematiques=set(service.thematiques) or None,
        frais=service.fees,
        frais_precisions=service.fees_details or None,
        publics=set(service.publics or []) or None,
        publics_precisions=service.publics_details or None,
        conditions_acces=conditions or None,
        commune=service.commune,
        code_postal=service.postal_code,
        code_insee=service.code_insee,
        adresse=service.address,
        complement_adresse=service.address_complement,
        longitude=service.longitude,
        latitude=service.latitude,
        telephone=_e164(phone, department),
        courriel=_email(email),
        contact_nom_prenom=name,
        modes_accueil=set(service.reception_modes or []) or None,
        zone_eligibilite=service.zone or None,
        lien_mobilisation=service.mobilisation_link,
        modes_mobilisation=set(modes) or None,
        mobilisable_par=set(by) or None,
        mobilisation_precisions=service.mobilisation_details or None,
        horaires_accueil=service.opening_hours,
    )


def _documents(text: str | None) -> str | None:
    return f"Justificatifs à fournir : {text}" if text else None
