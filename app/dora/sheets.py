"""Service sheets ("fiches solutions"): create, edit, publish, archive; suggestions from
caseworkers on them. Each function states its rule, audits, flushes and never commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.core import audit
from app.core.models import utcnow
from app.dora import queries
from app.dora.models import (
    DEFAULT_FREQUENCY_DAYS,
    EXPERIMENT_FREQUENCY_DAYS,
    EXPERIMENT_THEMES,
    ModeAccueil,
    Provider,
    Service,
    ServiceStatus,
    Suggestion,
    SuggestionStatus,
    category_of,
)
from app.extensions import db

FIELDS = (
    "name",
    "summary",
    "description",
    "type",
    "fees",
    "fees_details",
    "publics",
    "publics_details",
    "access_conditions",
    "required_documents",
    "reception_modes",
    "address",
    "address_complement",
    "postal_code",
    "code_insee",
    "latitude",
    "longitude",
    "opening_hours",
    "modes_for_professionals",
    "modes_for_people",
    "mobilisation_link",
    "mobilisation_details",
    "contact_name",
    "contact_phone",
    "contact_email",
    "contact_public",
)
TEXTS = {
    "summary",
    "description",
    "fees_details",
    "publics_details",
    "access_conditions",
    "required_documents",
    "mobilisation_details",
}
LISTS = {"publics", "reception_modes", "modes_for_professionals", "modes_for_people"}


class PublishRefused(Exception):  # noqa: N818 (a refusal shown to the user)
    """The sheet misses what a published sheet needs; `problems` maps field → French message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def default_frequency(thematiques) -> int:
    """15 days for the experiment's themes (mobility, family, housing), 30 otherwise."""
    themes = {c.value for c in EXPERIMENT_THEMES}
    if any(category_of(t) in themes for t in thematiques or []):
        return EXPERIMENT_FREQUENCY_DAYS
    return DEFAULT_FREQUENCY_DAYS


def _apply(service: Service, data: dict) -> None:
    for name in FIELDS:
        if name not in data:
            continue
        value = data[name]
        if value is None and name in TEXTS:
            value = ""
        if value is None and name in LISTS:
            value = []
        setattr(service, name, value if value != "" or name in TEXTS else None)
    if "thematiques" in data:
        service.thematiques = data["thematiques"] or []
    if "zone" in data:
        service.zone = data["zone"] or []
    commune = queries.commune(service.code_insee)
    if commune is not None:
        service.commune = commune.name
        if not service.postal_code and commune.postal_code_list:
            service.postal_code = commune.postal_code_list[0]
        if service.latitude is None or service.longitude is None:
            service.latitude, service.longitude = commune.latitude, commune.longitude
    frequency = data.get("update_frequency_days")
    if frequency:
        service.update_frequency_days = int(frequency)
    elif service.update_frequency_days is None or "thematiques" in data:
        service.update_frequency_days = default_frequency(service.thematiques)


def create_service(
    actor,
    provider: Provider,
    data: dict,
    *,
    now: datetime | None = None,
    source: str = "dora",
    source_id: str | None = None,
) -> Service:
    """A new sheet of the provider, as a draft."""
    now = now or utcnow()
    service = Service(
        territory_id=provider.territory_id,
        provider=provider,
        status=ServiceStatus.DRAFT,
        created_at=now,
        modified_at=now,
        source=source,
        source_id=source_id,
        update_frequency_days=None,
    )
    with db.session.no_autoflush:
        _apply(service, data)
    service.mark_confirmed(now)
    db.session.add(service)
    db.session.flush()
    audit.record(actor, "created", "dora_service", service.id, service.name)
    return service


def update_service(actor, service: Service, data: dict, *, now: datetime | None = None) -> None:
    """Editing a sheet also confirms it: it is fresh again for its update frequency."""
    now = now or utcnow()
    _apply(service, data)
    service.modified_at = now
    service.mark_confirmed(now)
    if service.status == ServiceStatus.PUBLISHED:
        problems = publishing_problems(service)
        if problems:
            raise PublishRefused(problems)
    db.session.flush()
    audit.record(actor, "updated", "dora_service", service.id)


def publishing_problems(service: Service) -> dict[str, str]:
    """What a published sheet must have: a contact, an eligibility zone, a reception mode (and an
    address when received on site), each with its own message."""
    problems = {}
    if not (service.contact_phone or service.contact_email):
        problems["contact"] = (
            "Pour publier, indiquez un contact : un téléphone ou une adresse électronique."
        )
    if not service.zone:
        problems["zone"] = "Pour publier, indiquez la zone d'éligibilité du service."
    if not service.reception_modes:
        problems["reception_modes"] = (
            "Pour publier, indiquez le mode d'accueil : en présentiel ou à distance."
        )
    elif ModeAccueil.EN_PRESENTIEL.value in service.reception_modes and not service.address:
        problems["address"] = "Pour publier un accueil en présentiel, indiquez son adresse."
    return problems


def publish(actor, service: Service, *, now: datetime | None = None) -> None:
    """Publishing refuses a sheet missing its contact, zone or reception mode."""
    problems = publishing_problems(service)
    if problems:
        raise PublishRefused(problems)
    now = now or utcnow()
    service.status = ServiceStatus.PUBLISHED
    service.published_at = service.published_at or now
    service.modified_at = now
    service.mark_confirmed(now)
    db.session.flush()
    audit.record(actor, "published", "dora_service", service.id)


def unpublish(actor, service: Service) -> None:
    """Back to draft: no longer public, nor in the open data."""
    service.status = ServiceStatus.DRAFT
    service.modified_at = utcnow()
    db.session.flush()
    audit.record(actor, "unpublished", "dora_service", service.id)


def archive(actor, service: Service) -> None:
    """An archived sheet is kept for history, never public."""
    service.status = ServiceStatus.ARCHIVED
    service.modified_at = utcnow()
    db.session.flush()
    audit.record(actor, "archived", "dora_service", service.id)


# Crowdsourcing


def suggest(actor, service: Service, message: str) -> Suggestion:
    """Any caseworker reports an error or proposes a change; the provider accepts or rejects."""
    suggestion = Suggestion(
        territory_id=service.territory_id, service=service, author_id=actor.id, message=message
    )
    db.session.add(suggestion)
    db.session.flush()
    audit.record(actor, "suggested", "dora_service", service.id)
    return suggestion


def decide_suggestion(actor, suggestion: Suggestion, *, accept: bool) -> None:
    """The provider (or a coordinator) takes the suggestion into account, or sets it aside."""
    suggestion.status = SuggestionStatus.ACCEPTED if accept else SuggestionStatus.REJECTED
    suggestion.decided_at = utcnow()
    suggestion.decided_by_id = actor.id
    db.session.flush()
    audit.record(actor, suggestion.status.value, "dora_suggestion", suggestion.id)


def stale_since(service: Service) -> timedelta | None:
    now = utcnow()
    return now - service.due_at if service.due_at <= now else None
