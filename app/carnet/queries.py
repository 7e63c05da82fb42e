"""Reads of Carnet de bord, each named after its rule. Tenant scoping adds the territory.

No writes here (see notebooks.py, consents.py, plans.py, notes.py); lists select what they show.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import url_for
from sqlalchemy import and_, distinct, exists, func, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import Membership, User
from app.accounts.roles import Role
from app.carnet.models import (
    Appointment,
    AppointmentStatus,
    Barrier,
    BarrierStatus,
    Beneficiary,
    Consent,
    ConsentStatus,
    Notebook,
    NotebookMember,
    Objective,
)
from app.core.models import AuditEntry, utcnow
from app.core.spaces import Card
from app.extensions import db

# One notebook


def notebook_or_none(notebook_id: int) -> Notebook | None:
    """A notebook of the bound territory (tenant scoping), with what its page shows."""
    return db.session.scalar(
        select(Notebook)
        .where(Notebook.id == notebook_id, Notebook.archived_at.is_(None))
        .options(
            selectinload(Notebook.members),
            selectinload(Notebook.consents),
            selectinload(Notebook.barriers)
            .selectinload(Barrier.objectives)
            .selectinload(Objective.actions),
            selectinload(Notebook.interviews),
            selectinload(Notebook.appointments).joinedload(Appointment.member),
        )
    )


def notebook_of(user) -> Notebook | None:
    """The notebook of the person logged in, in the bound territory."""
    return db.session.scalar(
        select(Notebook)
        .join(Notebook.beneficiary)
        .where(Beneficiary.user_id == user.id, Notebook.archived_at.is_(None))
    )


def consent_for(notebook: Notebook, consent_id: int) -> Consent | None:
    """One of the notebook's consents (another notebook's is not found)."""
    return next((c for c in notebook.consents if c.id == consent_id), None)


def current_consents(notebook: Notebook) -> list[Consent]:
    """The latest decision per professional/structure, newest first."""
    latest: dict = {}
    for consent in notebook.consents:
        latest[(consent.user_id, consent.structure_id)] = consent
    return sorted(latest.values(), key=lambda c: c.created_at, reverse=True)


def professional_structure(user, territory):
    """The structure the professional works for in this territory (None if none)."""
    membership = next(
        (m for m in user.memberships if m.territory_id == territory.id and m.structure_id), None
    )
    return membership.structure if membership else None


def users_by_id(ids) -> dict[int, User]:
    """The users named by `ids`, in one query (for names in logs and timelines)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


# Lists


def _valid_consent_clause(user):
    now = utcnow()
    return exists().where(
        Consent.notebook_id == Notebook.id,
        Consent.status == ConsentStatus.GRANTED,
        or_(Consent.expires_at.is_(None), Consent.expires_at > now),
        or_(
            Consent.user_id == user.id,
            and_(  # a consent to the whole structure covers its members
                Consent.user_id.is_(None),
                Consent.structure_id.is_not(None),
                Consent.structure_id == NotebookMember.structure_id,
            ),
        ),
    )


def notebooks_visible_to(user):
    """SELECT of the notebooks whose content `user` may see: their own, or those where they are an
    active member with the person's valid consent. Tenant scoping adds the territory."""
    member_with_consent = (
        select(NotebookMember.notebook_id)
        .where(NotebookMember.user_id == user.id, NotebookMember.active.is_(True))
        .where(_valid_consent_clause(user))
    )
    own = select(Beneficiary.id).where(Beneficiary.user_id == user.id)
    return select(Notebook).where(
        Notebook.archived_at.is_(None),
        or_(Notebook.id.in_(member_with_consent), Notebook.beneficiary_id.in_(own)),
    )


def notebooks_supported_by(
    user,
    *,
    query: str = "",
    birth_date: date | None = None,
    theme: str | None = None,
    without_referent: bool = False,
    inactive: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Notebook], int]:
    """The professional's notebooks (active member, any consent state) with search and filters."""
    stmt = (
        select(Notebook)
        .join(Notebook.beneficiary)
        .join(NotebookMember, NotebookMember.notebook_id == Notebook.id)
        .where(
            NotebookMember.user_id == user.id,
            NotebookMember.active.is_(True),
            Notebook.archived_at.is_(None),
        )
    )
    if query:
        term = f"%{query.strip().lower()}%"
        compact = query.replace(" ", "")
        stmt = stmt.where(
            or_(
                func.lower(Beneficiary.first_name + " " + Beneficiary.last_name).like(term),
                func.lower(Beneficiary.last_name + " " + Beneficiary.first_name).like(term),
                Beneficiary.nir == compact.upper(),
            )
        )
    if birth_date:
        stmt = stmt.where(Beneficiary.birth_date == birth_date)
    if theme:
        stmt = stmt.where(
            exists().where(
                Barrier.notebook_id == Notebook.id,
                Barrier.theme == theme,
                Barrier.status != BarrierStatus.LIFTED,
            )
        )
    if without_referent:
        stmt = stmt.where(
            ~exists()
            .where(
                NotebookMember.notebook_id == Notebook.id,
                NotebookMember.is_referent.is_(True),
                NotebookMember.active.is_(True),
            )
            .correlate(Notebook)
        )
    if inactive:
        cutoff = utcnow() - timedelta(days=30)
        stmt = stmt.where(
            or_(Notebook.last_modified_at.is_(None), Notebook.last_modified_at < cutoff)
        )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(
        stmt.options(
            selectinload(Notebook.beneficiary),
            selectinload(Notebook.members),
            selectinload(Notebook.barriers),
            selectinload(Notebook.consents),
        )
        .order_by(Beneficiary.last_name, Beneficiary.first_name)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def exact_matches(*, last_name: str, first_name: str, birth_date: date | None, nir: str | None):
    """Exact-match search used before creating or joining: no browsing of the territory's people."""
    if nir:
        stmt = select(Notebook).join(Notebook.beneficiary).where(Beneficiary.nir == nir)
    else:
        stmt = (
            select(Notebook)
            .join(Notebook.beneficiary)
            .where(
                func.lower(Beneficiary.last_name) == last_name.strip().lower(),
                func.lower(Beneficiary.first_name) == first_name.strip().lower(),
                Beneficiary.birth_date == birth_date,
            )
        )
    return db.session.scalars(stmt.where(Notebook.archived_at.is_(None))).all()


# What the notebook holds, for the person


def notebook_export(notebook: Notebook) -> dict:
    """Everything the notebook holds about the person (right of access, portability)."""
    from app.carnet.consents import whom

    b = notebook.beneficiary
    return {
        "personne": {
            "prenom": b.first_name,
            "nom": b.last_name,
            "date_naissance": b.birth_date.isoformat(),
            "courriel": b.email,
            "telephone": b.mobile,
            "adresse": b.address,
            "code_postal": b.postal_code,
            "commune": b.commune,
            "situation": b.situation.label,
            "numero_caf": b.caf_number,
            "identifiant_france_travail": b.france_travail_id,
            "nir": b.nir,
        },
        "carnet": {
            "situation_professionnelle": notebook.work_situation,
            "niveau_formation": notebook.education_level,
            "contrat": notebook.contract_type.label,
            "debut_contrat": notebook.contract_start.isoformat()
            if notebook.contract_start
            else None,
            "fin_contrat": notebook.contract_end.isoformat() if notebook.contract_end else None,
            "diagnostic": notebook.diagnostic,
        },
        "accompagnateurs": [
            {
                "nom": m.user.full_name,
                "structure": m.structure.name if m.structure else None,
                "courriel": m.user.email,
                "telephone": m.user.phone,
                "referent": m.is_referent,
                "actif": m.active,
            }
            for m in notebook.members
        ],
        "consentements": [
            {
                "a": whom(c),
                "statut": c.status.label,
                "decide_le": c.decided_at.isoformat() if c.decided_at else None,
                "expire_le": c.expires_at.isoformat() if c.expires_at else None,
            }
            for c in notebook.consents
        ],
        "freins": [
            {
                "theme": br.theme.label,
                "situation": br.situation,
                "statut": br.status.label,
                "objectifs": [
                    {
                        "titre": o.title,
                        "statut": o.status.label,
                        "actions": [
                            {
                                "titre": a.title,
                                "statut": a.status.label,
                                "debut": a.start_date.isoformat() if a.start_date else None,
                            }
                            for a in o.actions
                        ],
                    }
                    for o in br.objectives
                ],
            }
            for br in notebook.barriers
        ],
        "entretiens": [
            {
                "date": i.date.isoformat(),
                "auteur": i.author.full_name if i.author else None,
                "texte": i.text,
            }
            for i in notebook.interviews
        ],
        "historique": [
            {
                "date": e.at.isoformat(),
                "auteur": e.actor.full_name if e.actor else None,
                "evenement": e.summary,
            }
            for e in notebook.events
        ],
    }


# The person's access log

LOGGED_ACTIONS = ("viewed", "viewed_identity", "modified", "refused", "api_read")


def access_log(notebook: Notebook) -> list[AuditEntry]:
    """Who viewed or changed the notebook, newest first (shown to the person)."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == "notebook",
                AuditEntry.object_id == notebook.id,
                AuditEntry.territory_id == notebook.territory_id,
                AuditEntry.action.in_(LOGGED_ACTIONS),
            )
            .order_by(AuditEntry.at.desc())
            .limit(200)
        )
    )


# Coordination (identities and contacts only)


def deletion_requests() -> list[Beneficiary]:
    """People of the bound territory who asked for their data to be deleted, oldest first."""
    return list(
        db.session.scalars(
            select(Beneficiary)
            .where(Beneficiary.deletion_requested_at.is_not(None))
            .order_by(Beneficiary.deletion_requested_at)
        )
    )


def deletion_request(beneficiary_id: int) -> Beneficiary | None:
    """One person of the bound territory who asked for deletion (None otherwise)."""
    return db.session.scalar(
        select(Beneficiary).where(
            Beneficiary.id == beneficiary_id, Beneficiary.deletion_requested_at.is_not(None)
        )
    )


def professionals_by_structure(territory) -> dict[int, list]:
    """Professionals of each structure with the number of notebooks they actively follow.
    One query: memberships joined to users and to per-user counts."""
    follows = (
        select(
            NotebookMember.user_id,
            func.count(distinct(NotebookMember.notebook_id)).label("notebooks"),
        )
        .join(Notebook, Notebook.id == NotebookMember.notebook_id)
        .where(
            NotebookMember.territory_id == territory.id,
            NotebookMember.active.is_(True),
            Notebook.archived_at.is_(None),
        )
        .group_by(NotebookMember.user_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Membership.structure_id,
            User.id,
            User.first_name,
            User.last_name,
            User.email,
            User.phone,
            func.coalesce(follows.c.notebooks, 0).label("notebooks"),
        )
        .join(User, User.id == Membership.user_id)
        .outerjoin(follows, follows.c.user_id == User.id)
        .where(
            Membership.territory_id == territory.id,
            Membership.role == Role.PROFESSIONAL,
            Membership.structure_id.is_not(None),
        )
        .order_by(User.last_name, User.first_name, User.id)
    ).all()
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.structure_id, []).append(row)
    return grouped


def count(stmt) -> int:
    """How many rows `stmt` selects."""
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def without_referent_page(page: int, page_size: int) -> tuple[list[Notebook], int]:
    """A page of the notebooks without a referent, with their members, and their total."""
    stmt = notebooks_without_referent()
    notebooks = list(
        db.session.scalars(
            stmt.options(
                selectinload(Notebook.beneficiary),
                selectinload(Notebook.members),
            )
            .order_by(Beneficiary.last_name, Beneficiary.first_name, Notebook.id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    )
    return notebooks, count(stmt)


def notebooks_without_referent():
    """Active notebooks of the territory where no active member is the referent."""
    has_referent = (
        exists()
        .where(
            NotebookMember.notebook_id == Notebook.id,
            NotebookMember.is_referent.is_(True),
            NotebookMember.active.is_(True),
        )
        .correlate(Notebook)
    )
    return (
        select(Notebook)
        .join(Notebook.beneficiary)
        .where(Notebook.archived_at.is_(None), ~has_referent)
    )


def space_cards(user, territory) -> list[Card]:
    """What awaits `user` in Carnet de bord now, one card per thing, each a link."""
    roles = user.roles_in(territory)
    cards: list[Card] = []
    if Role.BENEFICIARY in roles:
        pending = count(
            select(Consent.id)
            .join(Notebook, Consent.notebook_id == Notebook.id)
            .join(Beneficiary, Notebook.beneficiary_id == Beneficiary.id)
            .where(
                Beneficiary.user_id == user.id,
                Notebook.archived_at.is_(None),
                Consent.status == ConsentStatus.REQUESTED,
            )
        )
        cards.append(
            Card(
                title="Mon carnet de bord",
                url=url_for("carnet.mine", territory=territory.slug),
                text=(
                    f"{pending} demande(s) de partage attendent votre réponse."
                    if pending
                    else "Mes démarches, mes accompagnateurs et qui a consulté mon carnet."
                ),
                count=pending or None,
            )
        )
    if Role.PROFESSIONAL in roles:
        mine = select(NotebookMember.notebook_id).where(
            NotebookMember.user_id == user.id, NotebookMember.active.is_(True)
        )
        waiting = count(
            select(Consent.id).where(
                Consent.user_id == user.id, Consent.status == ConsentStatus.REQUESTED
            )
        )
        upcoming = count(
            select(Appointment.id)
            .join(NotebookMember, Appointment.member_id == NotebookMember.id)
            .where(
                NotebookMember.user_id == user.id,
                Appointment.status == AppointmentStatus.PLANNED,
                Appointment.at >= utcnow(),
            )
        )
        cards.append(
            Card(
                title="Mes carnets",
                url=url_for("carnet.notebooks", territory=territory.slug),
                text=f"{count(mine)} personne(s) accompagnée(s).",
                count=count(mine),
            )
        )
        if waiting:
            cards.append(
                Card(
                    title="Partages en attente",
                    url=url_for("carnet.notebooks", territory=territory.slug),
                    text=f"{waiting} personne(s) n'ont pas encore répondu à votre demande.",
                    count=waiting,
                )
            )
        if upcoming:
            cards.append(
                Card(
                    title="Rendez-vous à venir",
                    url=url_for("carnet.notebooks", territory=territory.slug),
                    text=f"{upcoming} rendez-vous planifié(s).",
                    count=upcoming,
                )
            )
    if Role.COORDINATOR in roles:
        without = count(notebooks_without_referent())
        deletions = count(
            select(Beneficiary.id).where(Beneficiary.deletion_requested_at.is_not(None))
        )
        cards.append(
            Card(
                title="Carnets sans référent",
                url=url_for("carnet.coordination_without_referent", territory=territory.slug),
                text=f"{without} carnet(s) attendent un référent.",
                count=without,
            )
        )
        cards.append(
            Card(
                title="Demandes de suppression",
                url=url_for("carnet.coordination_deletions", territory=territory.slug),
                text=f"{deletions} demande(s) à traiter.",
                count=deletions,
            )
        )
        cards.append(
            Card(
                title="Importer des personnes ou des professionnels",
                url=url_for("carnet.coordination_import", territory=territory.slug),
                text="Fichier CSV ou XLSX, vérifié avant tout enregistrement.",
            )
        )
    return cards
