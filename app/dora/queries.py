"""Every read of DORA, each a scoped `select` named after its rule (tenant scoping adds the
territory while a request or command is bound to one)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import g, has_request_context
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import lazyload, selectinload

from app.core.models import utcnow
from app.dora.models import (
    Commune,
    Epci,
    ImportJob,
    MemberStatus,
    Moderation,
    Provider,
    ProviderMember,
    Service,
    ServiceStatus,
    ServiceThematique,
    Suggestion,
    SuggestionStatus,
    TimeSavedAnswer,
)
from app.extensions import db
from app.tenancy.models import Structure

# Providers


def provider_by_slug(slug: str) -> Provider | None:
    """The provider of the bound territory with this slug (another territory's: None → 404)."""
    return db.session.scalar(select(Provider).where(Provider.slug == slug))


def provider_of_structure(structure_id: int) -> Provider | None:
    return db.session.scalar(select(Provider).where(Provider.structure_id == structure_id))


def membership_of(user, provider: Provider) -> ProviderMember | None:
    """The user's membership of the provider (read once per request: every rule asks it)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = g.setdefault("_dora_memberships", {}) if has_request_context() else {}
    key = (user.id, provider.id)
    if key not in cache:
        cache[key] = db.session.scalar(
            select(ProviderMember).where(
                ProviderMember.provider_id == provider.id, ProviderMember.user_id == user.id
            )
        )
    return cache[key]


def forget_membership(user, provider: Provider) -> None:
    if has_request_context():
        g.get("_dora_memberships", {}).pop((user.id, provider.id), None)


def active_membership(user, provider: Provider) -> ProviderMember | None:
    membership = membership_of(user, provider)
    return membership if membership and membership.status == MemberStatus.ACTIVE else None


def providers_of_member(user) -> list[Provider]:
    """Providers the user is an active member of, in the bound territory."""
    return list(
        db.session.scalars(
            select(Provider)
            .join(ProviderMember, ProviderMember.provider_id == Provider.id)
            .join(Provider.structure)
            .where(ProviderMember.user_id == user.id, ProviderMember.status == MemberStatus.ACTIVE)
            .order_by(Structure.name)
        )
    )


def invitations_of(user) -> list[ProviderMember]:
    return list(
        db.session.scalars(
            select(ProviderMember)
            .options(selectinload(ProviderMember.provider))
            .where(ProviderMember.user_id == user.id, ProviderMember.status == MemberStatus.INVITED)
        )
    )


def providers_directory(query: str = "") -> list[Provider]:
    """Providers of the territory, by name (to find one to join)."""
    stmt = select(Provider).join(Provider.structure).order_by(Structure.name)
    if query:
        stmt = stmt.where(func.lower(Structure.name).contains(query.strip().lower()))
    return list(db.session.scalars(stmt.limit(100)))


def structure_by_siret(siret: str) -> Structure | None:
    return db.session.scalar(select(Structure).where(Structure.siret == siret).limit(1))


def structures_without_provider(limit: int = 100) -> list[Structure]:
    """Structures of the territory's directory (e.g. Carnet de bord ones) not yet on DORA, the
    first `limit` by name."""
    return list(
        db.session.scalars(
            select(Structure)
            .where(~exists().where(Provider.structure_id == Structure.id))
            .order_by(Structure.name)
            .limit(limit)
        )
    )


def structure_in_directory(structure_id: int) -> Structure | None:
    return db.session.scalar(select(Structure).where(Structure.id == structure_id))


def members_of(provider: Provider) -> list[ProviderMember]:
    return list(
        db.session.scalars(
            select(ProviderMember)
            .options(selectinload(ProviderMember.user))
            .where(ProviderMember.provider_id == provider.id)
            .order_by(ProviderMember.status, ProviderMember.created_at)
        )
    )


def providers_to_moderate() -> list[Provider]:
    return list(
        db.session.scalars(
            select(Provider)
            .join(Provider.structure)
            .where(Provider.moderation == Moderation.TO_MODERATE)
            .order_by(Provider.created_at)
        )
    )


def join_requests_awaiting() -> list[ProviderMember]:
    """Join requests of the territory not yet decided (the coordinator sees every one)."""
    return list(
        db.session.scalars(
            select(ProviderMember)
            .options(selectinload(ProviderMember.provider), selectinload(ProviderMember.user))
            .where(ProviderMember.status == MemberStatus.REQUESTED)
            .order_by(ProviderMember.created_at)
        )
    )


# Sheets


def service_by_public_id(public_id: str) -> Service | None:
    return db.session.scalar(
        select(Service)
        .options(selectinload(Service.provider))
        .where(Service.public_id == public_id)
    )


def public_service(public_id: str) -> Service | None:
    """A published sheet, read from any territory (its public page needs no account)."""
    return db.session.scalar(
        select(Service)
        .where(Service.public_id == public_id, Service.status == ServiceStatus.PUBLISHED)
        .execution_options(all_territories=True)
    )


def services_of_provider(provider: Provider, *, published_only: bool = False) -> list[Service]:
    """A provider's sheets, fresh ones first, then by name ("limiting features": out-of-date
    sheets rank after fresh ones)."""
    now = utcnow()
    # The list shows neither thematiques nor zones: not loaded with it.
    stmt = (
        select(Service)
        .options(lazyload(Service.thematique_rows), lazyload(Service.zone_rows))
        .where(Service.provider_id == provider.id)
    )
    if published_only:
        stmt = stmt.where(Service.status == ServiceStatus.PUBLISHED)
    return list(
        db.session.scalars(
            stmt.order_by(Service.status, (Service.due_at <= now), Service.name, Service.id)
        )
    )


def due_services(provider: Provider, now: datetime | None = None) -> list[Service]:
    """Published sheets of the provider whose update frequency has passed ("à actualiser")."""
    return list(
        db.session.scalars(
            select(Service)
            .where(
                Service.provider_id == provider.id,
                Service.status == ServiceStatus.PUBLISHED,
                Service.due_at <= (now or utcnow()),
            )
            .order_by(Service.due_at, Service.id)
        )
    )


def has_due_services(provider: Provider, now: datetime | None = None) -> bool:
    return bool(
        db.session.scalar(
            select(Service.id)
            .where(
                Service.provider_id == provider.id,
                Service.status == ServiceStatus.PUBLISHED,
                Service.due_at <= (now or utcnow()),
            )
            .limit(1)
        )
    )


def providers_with_due_services(now: datetime | None = None):
    """(provider, number of sheets to refresh, oldest due date) for the bound territory."""
    now = now or utcnow()
    due = (
        select(
            Service.provider_id,
            func.count(Service.id).label("due"),
            func.min(Service.due_at).label("oldest"),
        )
        .where(Service.status == ServiceStatus.PUBLISHED, Service.due_at <= now)
        .group_by(Service.provider_id)
        .subquery()
    )
    return db.session.execute(
        select(Provider, due.c.due, due.c.oldest)
        .join(due, due.c.provider_id == Provider.id)
        .order_by(due.c.oldest, Provider.id)
    ).all()


def suggestions_for(provider: Provider) -> list[Suggestion]:
    return list(
        db.session.scalars(
            select(Suggestion)
            .join(Service, Service.id == Suggestion.service_id)
            .options(selectinload(Suggestion.service), selectinload(Suggestion.author))
            .where(
                Service.provider_id == provider.id, Suggestion.status == SuggestionStatus.PENDING
            )
            .order_by(Suggestion.created_at)
        )
    )


def suggestions_waiting():
    """(provider, pending suggestions) of the territory, for the coordinator."""
    waiting = (
        select(
            Service.provider_id,
            func.count(Suggestion.id).label("count"),
            func.min(Suggestion.created_at).label("oldest"),
        )
        .join(Suggestion, Suggestion.service_id == Service.id)
        .where(Suggestion.status == SuggestionStatus.PENDING)
        .group_by(Service.provider_id)
        .subquery()
    )
    return db.session.execute(
        select(Provider, waiting.c.count)
        .join(waiting, waiting.c.provider_id == Provider.id)
        .order_by(waiting.c.oldest, Provider.id)
    ).all()


def suggestion_of(provider: Provider, suggestion_id: int) -> Suggestion | None:
    return db.session.scalar(
        select(Suggestion)
        .join(Service, Service.id == Suggestion.service_id)
        .where(Suggestion.id == suggestion_id, Service.provider_id == provider.id)
    )


# Open data: validated providers and their published sheets, across territories.


def _territory_of_department(department: str):
    from app.tenancy.models import Territory

    return select(Territory.id).where(Territory.department_code == department)


def open_providers(*, department: str | None = None, modified_since: datetime | None = None):
    stmt = (
        select(Provider)
        .join(Provider.structure)
        .where(Provider.moderation == Moderation.VALIDATED)
        .execution_options(all_territories=True)
    )
    if department:
        stmt = stmt.where(Provider.territory_id.in_(_territory_of_department(department)))
    if modified_since:
        stmt = stmt.where(Provider.modified_at >= modified_since)
    return stmt.order_by(Provider.id)


def open_services(
    *,
    department: str | None = None,
    thematique: str | None = None,
    modified_since: datetime | None = None,
):
    stmt = (
        select(Service)
        .join(Service.provider)
        .where(
            Service.status == ServiceStatus.PUBLISHED, Provider.moderation == Moderation.VALIDATED
        )
        .options(selectinload(Service.provider))
        .execution_options(all_territories=True)
    )
    if department:
        stmt = stmt.where(Service.territory_id.in_(_territory_of_department(department)))
    if thematique:
        stmt = stmt.where(
            exists().where(
                ServiceThematique.service_id == Service.id,
                or_(
                    ServiceThematique.thematique == thematique,
                    ServiceThematique.thematique.startswith(thematique + "--"),
                ),
            )
        )
    if modified_since:
        stmt = stmt.where(Service.modified_at >= modified_since)
    return stmt.order_by(Service.id)


def page_of(stmt, page: int, size: int):
    """(rows, total) of one page of a select."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = list(db.session.scalars(stmt.limit(size).offset((page - 1) * size)))
    return rows, total


# Referentials


def communes_by_code(codes) -> dict[str, Commune]:
    codes = [c for c in set(codes) if c]
    if not codes:
        return {}
    return {c.code: c for c in db.session.scalars(select(Commune).where(Commune.code.in_(codes)))}


def commune(code: str) -> Commune | None:
    return db.session.get(Commune, code) if code else None


# Every French department: 01–95 (Corsica as 2A and 2B) and the overseas 971–976.
DEPARTMENTS = frozenset(
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"] + [str(n) for n in range(971, 977)]
)


def known_zone_codes(codes) -> set[str]:
    """The codes among `codes` that are a known commune or EPCI, a department, or 'france'."""
    codes = set(codes)
    known = {c for c in codes if c == "france" or c in DEPARTMENTS}
    known |= set(db.session.scalars(select(Commune.code).where(Commune.code.in_(codes))))
    known |= set(db.session.scalars(select(Epci.code).where(Epci.code.in_(codes))))
    return known


def all_zone_codes() -> set[str]:
    """Every known zone code (communes and EPCIs of the DORA territories, departments, france)."""
    codes = set(DEPARTMENTS) | {"france"}
    codes |= set(db.session.scalars(select(Commune.code)))
    codes |= set(db.session.scalars(select(Epci.code)))
    return codes


def communes_of_department(department: str) -> list[Commune]:
    return list(
        db.session.scalars(
            select(Commune).where(Commune.department == department).order_by(Commune.name)
        )
    )


# Imports


def import_job(public_id: str) -> ImportJob | None:
    return db.session.scalar(select(ImportJob).where(ImportJob.public_id == public_id))


def recent_import_jobs(limit: int = 10) -> list[ImportJob]:
    return list(
        db.session.scalars(
            select(ImportJob)
            .options(_without_content())
            .order_by(ImportJob.created_at.desc(), ImportJob.id.desc())
            .limit(limit)
        )
    )


def _without_content():
    from sqlalchemy.orm import defer

    return defer(ImportJob.content)


def fresh_window(now: datetime | None = None, days: int = 15) -> datetime:
    return (now or utcnow()) - timedelta(days=days)


def space_cards(user, territory) -> list:
    """What needs the user now in DORA: sheets to refresh, requests to decide, providers to
    moderate. A few aggregate queries, whatever the size of the offer."""
    from flask import url_for

    from app.core.scoping import bound_to
    from app.core.spaces import Card
    from app.dora import perms

    cards = []
    with bound_to(territory.id):
        for provider in providers_of_member(user):
            due = len(due_services(provider))
            if due:
                cards.append(
                    Card(
                        title=f"{provider.name} : fiches à actualiser",
                        text="Confirmez en deux clics celles qui n'ont pas changé.",
                        url=url_for("dora.provider", slug=provider.slug, territory=territory.slug),
                        count=due,
                    )
                )
        if perms.is_coordinator(user, territory.id):
            waiting = len(providers_to_moderate()) + len(join_requests_awaiting())
            if waiting:
                cards.append(
                    Card(
                        title="DORA : structures et membres à valider",
                        url=url_for("dora.coordination", territory=territory.slug),
                        count=waiting,
                    )
                )
    return cards


# Orientations and the search's measures (the search side)


def orientations_made_by(user):
    """The orientations the user made in the bound territory, newest first, with their sheet."""
    from app.dora.models import Orientation

    return list(
        db.session.scalars(
            select(Orientation)
            .options(selectinload(Orientation.service).selectinload(Service.provider))
            .where(Orientation.created_by_id == user.id)
            .order_by(Orientation.created_at.desc(), Orientation.id.desc())
            .limit(200)
        )
    )


def orientations_of_notebook(notebook_id: int) -> dict:
    """The orientations made from a notebook's barriers, by the action they became: the
    notebook shows their state (one statement for the whole notebook)."""
    from app.carnet.models import Barrier
    from app.dora.models import Orientation

    rows = db.session.execute(
        select(
            Orientation.action_id,
            Orientation.public_id,
            Orientation.status,
            Orientation.started_on,
        )
        .join(Barrier, Barrier.id == Orientation.barrier_id)
        .where(Barrier.notebook_id == notebook_id, Orientation.action_id.is_not(None))
    )
    return {row.action_id: row for row in rows}


def orientation_by_public_id(public_id: str):
    from app.dora.models import Orientation

    return db.session.scalar(select(Orientation).where(Orientation.public_id == public_id))


def sheet_by_id(service_id: int) -> Service | None:
    """A published sheet by its id, from any territory (actions of notebooks name it by id)."""
    return db.session.scalar(
        select(Service)
        .where(Service.id == service_id, Service.status == ServiceStatus.PUBLISHED)
        .execution_options(all_territories=True)
    )


# The monthly "avez-vous gagné du temps ?" question


def _last_time_saved_answer(user_id):
    """When the user last answered or skipped the question, in any territory."""
    return select(func.max(TimeSavedAnswer.at)).where(TimeSavedAnswer.user_id == user_id)


def last_time_saved(user_id: int) -> datetime | None:
    return db.session.scalar(
        _last_time_saved_answer(user_id).execution_options(all_territories=True)
    )


def last_time_saved_of_user():
    """The same, as a fact read with the logged-in user (a subquery on `User`)."""
    from app.accounts.models import User

    return _last_time_saved_answer(User.id).scalar_subquery()
