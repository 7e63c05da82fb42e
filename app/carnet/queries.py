"""Reads of Carnet de bord, each named after its rule. Tenant scoping adds the territory.

No writes here (see notebooks.py, consents.py, plans.py, notes.py); lists select what they show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import and_, distinct, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased, contains_eager, joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

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
    Interview,
    Notebook,
    NotebookMember,
    Objective,
    TimelineEvent,
    Visibility,
)
from app.core import paging
from app.core.models import AuditEntry, utcnow
from app.core.spaces import Card
from app.extensions import db

# One notebook


def notebook_or_none(notebook_id: int) -> Notebook | None:
    """A notebook of the bound territory (tenant scoping), with what its access rule reads (the
    person, the members, the consents): every endpoint of a notebook loads it, most show no
    more. The notebook page adds its sections (`with_sections`)."""
    notebook = db.session.scalar(
        select(Notebook)
        .where(Notebook.id == notebook_id, Notebook.archived_at.is_(None))
        .options(joinedload(Notebook.beneficiary))
    )
    if notebook is None:
        return None
    # Two plain queries rather than selectin loads (their loader machinery cost more CPU than
    # the queries themselves), in the relationships' own order.
    for name, model, order in (
        ("members", NotebookMember, (NotebookMember.joined_at, NotebookMember.id)),
        ("consents", Consent, (Consent.created_at, Consent.id)),
    ):
        rows = db.session.scalars(
            select(model).where(model.notebook_id == notebook.id).order_by(*order)
        )
        set_committed_value(notebook, name, list(rows))
    return notebook


def with_sections(notebook: Notebook) -> Notebook:
    """Load the sections the notebook page shows in three queries, however full: the barriers
    with their objectives and actions (one joined query), the interviews, the appointments."""
    barriers = db.session.scalars(
        select(Barrier)
        .where(Barrier.notebook_id == notebook.id)
        .options(joinedload(Barrier.objectives).joinedload(Objective.actions))
        .order_by(Barrier.created_at, Barrier.id)
    ).unique()
    set_committed_value(notebook, "barriers", list(barriers))
    set_committed_value(
        notebook,
        "interviews",
        list(
            db.session.scalars(
                select(Interview)
                .where(Interview.notebook_id == notebook.id)
                .order_by(Interview.date.desc(), Interview.id)
            )
        ),
    )
    set_committed_value(
        notebook,
        "appointments",
        list(
            db.session.scalars(
                select(Appointment)
                .where(Appointment.notebook_id == notebook.id)
                .options(joinedload(Appointment.member))
                .order_by(Appointment.at.desc(), Appointment.id)
            )
        ),
    )
    return notebook


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


def timeline(notebook: Notebook, detailed_barrier_ids, *, limit: int) -> list[TimelineEvent]:
    """The notebook's latest history, newest first: its own events and those of the barriers
    whose detail the reader may see (`detailed_barrier_ids`, from `perms.can_see_barrier_detail`).
    One query of `limit` rows, however long the history; authors come from `users_by_id`."""
    return list(
        db.session.scalars(
            select(TimelineEvent)
            .where(
                TimelineEvent.notebook_id == notebook.id,
                or_(
                    TimelineEvent.barrier_id.is_(None),
                    TimelineEvent.barrier_id.in_(list(detailed_barrier_ids)),
                ),
            )
            .options(lazyload(TimelineEvent.actor))
            .order_by(TimelineEvent.at.desc(), TimelineEvent.id.desc())
            .limit(limit)
        )
    )


def users_by_id(ids) -> dict[int, User]:
    """The users named by `ids`, in one query (for names in logs and timelines)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


# Lists


def covering_consent_clause(member=NotebookMember):
    """SQL form of `perms.consent_covers`: a valid consent of the member's notebook naming them,
    or naming no one but the structure they support the person for."""
    now = utcnow()
    return exists().where(
        Consent.notebook_id == member.notebook_id,
        Consent.status == ConsentStatus.GRANTED,
        or_(Consent.expires_at.is_(None), Consent.expires_at > now),
        or_(
            Consent.user_id == member.user_id,
            and_(
                Consent.user_id.is_(None),
                Consent.structure_id.is_not(None),
                Consent.structure_id == member.structure_id,
            ),
        ),
    )


def _holds_role(user, role: Role):
    """The user holds `role` in the notebook's territory."""
    return exists().where(
        Membership.user_id == user.id,
        Membership.role == role,
        Membership.territory_id == Notebook.territory_id,
    )


def _supported_by(user):
    """Notebook ids the user actively supports as a professional of the notebook's territory."""
    return (
        select(NotebookMember.notebook_id)
        .join(Notebook, Notebook.id == NotebookMember.notebook_id)
        .where(
            NotebookMember.user_id == user.id,
            NotebookMember.active.is_(True),
            _holds_role(user, Role.PROFESSIONAL),
        )
    )


def _own(user):
    return select(Beneficiary.id).where(Beneficiary.user_id == user.id)


def _content_visible(user, notebook=Notebook):
    """SQL form of `perms.access_level(...) == FULL` for a notebook row (archived or not): the
    person's own, or one they actively support as a professional with a covering consent."""
    covered = _supported_by(user).where(covering_consent_clause())
    return or_(notebook.id.in_(covered), notebook.beneficiary_id.in_(_own(user)))


def notebooks_visible_to(user):
    """SELECT of the notebooks whose content `user` may see (`perms.access_level` FULL): their
    own, or those they actively support as a professional with the person's covering consent.
    Tenant scoping adds the territory."""
    return select(Notebook).where(Notebook.archived_at.is_(None), _content_visible(user))


def notebooks_listed_for(user):
    """SELECT of the notebooks `user` may list (`perms.access_level` at least IDENTITY, without a
    search grant): their own, those they actively support, and, for a coordinator, every notebook
    of their territory. Any other id is a 404 for them."""
    return select(Notebook).where(
        Notebook.archived_at.is_(None),
        or_(
            Notebook.beneficiary_id.in_(_own(user)),
            Notebook.id.in_(_supported_by(user)),
            _holds_role(user, Role.COORDINATOR),
        ),
    )


def notebooks_noted_by(user):
    """SELECT of the notebooks where `user` writes professional notes
    (`perms.can_write_professional_notes`): content visible, and not their own."""
    return notebooks_visible_to(user).where(~Notebook.beneficiary_id.in_(_own(user)))


def notebooks_joinable_by(user):
    """SELECT of the notebooks `user` may ask to join (`perms.can_request_to_join`): as a
    professional of the territory, without a pending request, not already seeing the content
    (their own notebook included)."""
    pending = select(Consent.notebook_id).where(
        Consent.user_id == user.id, Consent.status == ConsentStatus.REQUESTED
    )
    return select(Notebook).where(
        Notebook.archived_at.is_(None),
        _holds_role(user, Role.PROFESSIONAL),
        ~Notebook.id.in_(pending),
        ~Notebook.id.in_(notebooks_visible_to(user).with_only_columns(Notebook.id)),
    )


def barriers_detailed_for(user):
    """SELECT of the barriers whose detail (situation, objectives, actions, history) `user` may
    read (`perms.can_see_barrier_detail`), among the notebooks whose content they see: shared in
    detail, or in summary to the person and the notebook's referent."""
    referent_of = select(NotebookMember.notebook_id).where(
        NotebookMember.user_id == user.id,
        NotebookMember.active.is_(True),
        NotebookMember.is_referent.is_(True),
    )
    return select(Barrier).where(
        Barrier.notebook_id.in_(notebooks_visible_to(user).with_only_columns(Notebook.id)),
        or_(
            Barrier.visibility == Visibility.DETAIL,
            Barrier.notebook_id.in_(referent_of),
            Barrier.notebook_id.in_(
                select(Notebook.id).where(Notebook.beneficiary_id.in_(_own(user)))
            ),
        ),
    )


@dataclass
class SupportedRow:
    """One line of "mes carnets": identity columns, and the content columns (open barriers)
    only where the user may see them."""

    id: int
    last_name: str
    first_name: str
    birth_date: date
    last_modified_at: object
    content_visible: bool
    open_barriers: int | None
    referent: str | None


def notebooks_supported_by(
    user,
    *,
    query: str = "",
    birth_date: date | None = None,
    theme: str | None = None,
    without_referent: bool = False,
    inactive: bool = False,
    page: int = 1,
    page_size: int = paging.PAGE_SIZE,
) -> tuple[list[SupportedRow], int, int]:
    """The professional's notebooks (active member, any consent state), searched by name and
    birth date; filtered by barrier theme only among those whose content they see, and showing
    barrier counts only for those. One page of the columns shown (no notebook, member or user is
    hydrated), paged by `paging.window_page`. Returns the rows, the total and the page shown."""
    # `_supported_by(user)` as a join (one membership per user and notebook), so that the
    # database walks the user's memberships rather than every notebook of the territory.
    membership = and_(
        NotebookMember.notebook_id == Notebook.id,
        NotebookMember.user_id == user.id,
        NotebookMember.active.is_(True),
    )
    # `_content_visible(user)` on the joined rows: that membership covered by a consent (the
    # professional role is required below), or the user's own notebook.
    visible = or_(covering_consent_clause(NotebookMember), Beneficiary.user_id == user.id)
    stmt = (
        select(Notebook.id)
        .join(NotebookMember, membership)
        .join(Beneficiary, Beneficiary.id == Notebook.beneficiary_id)
        .where(_holds_role(user, Role.PROFESSIONAL), Notebook.archived_at.is_(None))
    )
    if query:
        term = f"%{query.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Beneficiary.first_name + " " + Beneficiary.last_name).like(term),
                func.lower(Beneficiary.last_name + " " + Beneficiary.first_name).like(term),
            )
        )
    if birth_date:
        stmt = stmt.where(Beneficiary.birth_date == birth_date)
    if theme:
        stmt = stmt.where(
            visible,
            exists().where(
                Barrier.notebook_id == Notebook.id,
                Barrier.theme == theme,
                Barrier.status != BarrierStatus.LIFTED,
            ),
        )
    if without_referent:
        stmt = stmt.where(Notebook.referent_id.is_(None))
    if inactive:
        cutoff = utcnow() - timedelta(days=30)
        stmt = stmt.where(
            or_(Notebook.last_modified_at.is_(None), Notebook.last_modified_at < cutoff)
        )
    open_barriers = (
        select(func.count(Barrier.id))
        .where(Barrier.notebook_id == Notebook.id, Barrier.status != BarrierStatus.LIFTED)
        .correlate(Notebook)
        .scalar_subquery()
    )
    referent = aliased(User)
    paged = (
        stmt.add_columns(
            Beneficiary.last_name,
            Beneficiary.first_name,
            Beneficiary.birth_date,
            Notebook.last_modified_at,
            visible.label("visible"),
            open_barriers.label("open_barriers"),
            (referent.first_name + " " + referent.last_name).label("referent"),
            func.count().over().label("total"),  # the user's notebooks, with the same query
        )
        .outerjoin(referent, referent.id == Notebook.referent_id)
        .order_by(Beneficiary.last_name, Beneficiary.first_name, Notebook.id)
    )

    rows, total, page = paging.window_page(paged, lambda: count(stmt), page, page_size)
    return (
        [
            SupportedRow(
                id=row.id,
                last_name=row.last_name,
                first_name=row.first_name,
                birth_date=row.birth_date,
                last_modified_at=row.last_modified_at,
                content_visible=bool(row.visible),
                open_barriers=row.open_barriers if row.visible else None,
                referent=row.referent,
            )
            for row in rows
        ],
        total,
        page,
    )


def _exact_match(*, last_name: str, first_name: str, birth_date: date | None, nir: str | None):
    """SELECT of the open notebooks matching exactly, their person loaded by the same join."""
    if nir:
        matching = (Beneficiary.nir == nir,)
    else:
        matching = (
            func.lower(Beneficiary.last_name) == last_name.strip().lower(),
            func.lower(Beneficiary.first_name) == first_name.strip().lower(),
            Beneficiary.birth_date == birth_date,
        )
    return (
        select(Notebook)
        .join(Notebook.beneficiary)
        .where(*matching, Notebook.archived_at.is_(None))
        .options(contains_eager(Notebook.beneficiary))
    )


def exact_matches(*, last_name: str, first_name: str, birth_date: date | None, nir: str | None):
    """Exact-match search used before creating or joining: no browsing of the territory's people."""
    return db.session.scalars(
        _exact_match(last_name=last_name, first_name=first_name, birth_date=birth_date, nir=nir)
    ).all()


def exact_matches_for(user, **criteria) -> list[tuple[Notebook, bool]]:
    """`exact_matches` as `user` searches: each notebook with whether they may list it
    (`notebooks_listed_for`, the list form of `perms.access_level` above NONE), in one query."""
    listed = notebooks_listed_for(user).whereclause  # the rule, on the matching row itself
    rows = db.session.execute(_exact_match(**criteria).add_columns(listed.label("listed")))
    return [(row[0], bool(row.listed)) for row in rows]


# What the notebook holds, for the person


def notebook_export(notebook: Notebook) -> dict:
    """Everything the notebook holds about the person (right of access, portability)."""
    from app.carnet.consents import whom

    with_sections(notebook)
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

LOGGED_ACTIONS = ("viewed", "viewed_identity", "modified", "api_read")


def notebooks_shared_with_structure(structure_id: int) -> list[Notebook]:
    """Open notebooks of the bound territory whose person shares them, by a valid consent, with
    the whole structure (each of its professionals may join without asking)."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(Notebook)
            .join(Consent, Consent.notebook_id == Notebook.id)
            .where(
                Notebook.archived_at.is_(None),
                Consent.structure_id == structure_id,
                Consent.user_id.is_(None),
                Consent.status == ConsentStatus.GRANTED,
                or_(Consent.expires_at.is_(None), Consent.expires_at > now),
            )
            .options(selectinload(Notebook.beneficiary))
            .distinct()
        )
    )


def access_log(notebook: Notebook, *, page: int = 1, page_size: int = 50):
    """Who viewed or changed the notebook, newest first, one page at a time (shown to the
    person). Tied to the notebook's own identity: its id (never reused) and its lifetime — an
    attempt on its id before it existed was someone probing ids, not its history. Refused attempts are grouped per person and day, so that a prober's many attempts
    take one line and never push the real readers away. Returns (rows, total lines, the page
    shown: the last one if `page` lies beyond it); each row has `at`, `actor_id`, `action`,
    `detail`, `times` and `actor_name`."""
    mine = (
        AuditEntry.object_type == "notebook",
        AuditEntry.object_id == notebook.id,
        AuditEntry.territory_id == notebook.territory_id,
        AuditEntry.at >= notebook.created_at,
    )
    reads_and_changes = select(
        AuditEntry.at.label("at"),
        AuditEntry.actor_id.label("actor_id"),
        AuditEntry.action.label("action"),
        AuditEntry.detail.label("detail"),
        literal(1).label("times"),
    ).where(*mine, AuditEntry.action.in_(LOGGED_ACTIONS))
    refusals = (
        select(
            func.max(AuditEntry.at).label("at"),
            AuditEntry.actor_id.label("actor_id"),
            literal("refused").label("action"),
            literal("").label("detail"),
            func.count().label("times"),
        )
        .where(*mine, AuditEntry.action == "refused")
        .group_by(AuditEntry.actor_id, func.date(AuditEntry.at))
    )
    lines = union_all(reads_and_changes, refusals).subquery()
    # The page, each line with its author's name and the number of lines (`paging.window_page`).
    paged = (
        select(
            lines,
            (User.first_name + " " + User.last_name).label("actor_name"),
            func.count().over().label("total"),
        )
        .outerjoin(User, User.id == lines.c.actor_id)
        .order_by(lines.c.at.desc())
    )

    rows, total, page = paging.window_page(
        paged,
        lambda: db.session.scalar(select(func.count()).select_from(lines)) or 0,
        page,
        page_size,
    )
    return [_LogLine(*row[:-1]) for row in rows], total, page


@dataclass
class _LogLine:
    at: object
    actor_id: int | None
    action: str
    detail: str
    times: int
    actor_name: str | None  # None for an information system (or an account since deleted)

    def __post_init__(self):
        if isinstance(self.at, str):  # SQLite hands the grouped maximum back as text
            from datetime import UTC, datetime

            parsed = datetime.fromisoformat(self.at)
            self.at = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# The professional's landing


@dataclass
class Landing:
    pending: list  # (notebook_id, person's name, asked on)
    appointments: list  # (at, notebook_id, person's name)


def professional_landing(user, limit: int = 10) -> Landing:
    """What awaits the professional now: their requests the person has not answered yet, and
    their upcoming appointments, soonest first (identity only: names and dates). One query:
    both lists, `limit` lines each, as one union."""
    person = (Beneficiary.first_name + " " + Beneficiary.last_name).label("person")
    # The notebooks the user actively supports (`_supported_by(user)`, as a join).
    supported = and_(
        NotebookMember.notebook_id == Notebook.id,
        NotebookMember.user_id == user.id,
        NotebookMember.active.is_(True),
    )
    pending = (
        select(
            literal("pending").label("kind"), Consent.created_at.label("at"), Notebook.id, person
        )
        .join(Consent, Consent.notebook_id == Notebook.id)
        .join(Beneficiary, Beneficiary.id == Notebook.beneficiary_id)
        .join(NotebookMember, supported)
        .where(
            Consent.user_id == user.id,
            Consent.status == ConsentStatus.REQUESTED,
            Notebook.archived_at.is_(None),
            _holds_role(user, Role.PROFESSIONAL),
        )
        .order_by(Consent.created_at)
        .limit(limit)
        .subquery()
    )
    appointments = (
        select(literal("appointment").label("kind"), Appointment.at, Notebook.id, person)
        .join(NotebookMember, NotebookMember.id == Appointment.member_id)
        .join(Notebook, Notebook.id == Appointment.notebook_id)
        .join(Beneficiary, Beneficiary.id == Notebook.beneficiary_id)
        .where(
            NotebookMember.user_id == user.id,
            NotebookMember.active.is_(True),
            Appointment.status == AppointmentStatus.PLANNED,
            Appointment.at >= utcnow(),
            Notebook.archived_at.is_(None),
        )
        .order_by(Appointment.at)
        .limit(limit)
        .subquery()
    )
    rows = db.session.execute(union_all(select(pending), select(appointments))).all()
    return Landing(
        pending=[(r.id, r.person, r.at) for r in rows if r.kind == "pending"],
        appointments=[(r.at, r.id, r.person) for r in rows if r.kind == "appointment"],
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


def without_referent_page(page: int, page_size: int) -> tuple[list[Notebook], int, int]:
    """A page of the notebooks without a referent, with their members, their total and the page
    shown (the last one if `page` lies beyond it)."""
    total = count_without_referent()
    page = paging.within(page, total, page_size)
    notebooks = list(
        db.session.scalars(
            notebooks_without_referent()
            .join(Notebook.beneficiary)
            .options(
                selectinload(Notebook.beneficiary),
                selectinload(Notebook.members),
            )
            .order_by(Beneficiary.last_name, Beneficiary.first_name, Notebook.id)
            .limit(page_size)
            .offset(paging.offset(page, page_size))
        )
    )
    return notebooks, total, page


def notebooks_without_referent():
    """Active notebooks of the territory where no active member is the referent (the referent
    is kept on the notebook: an index lookup, whatever the territory's size)."""
    return select(Notebook).where(Notebook.archived_at.is_(None), Notebook.referent_id.is_(None))


def count_without_referent() -> int:
    """How many notebooks of the territory wait for a referent (from the referent index)."""
    return count(notebooks_without_referent().with_only_columns(Notebook.id))


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
        without = count_without_referent()
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
    if Role.STRUCTURE_ADMIN in roles:
        for membership in user.memberships:
            if (
                membership.role == Role.STRUCTURE_ADMIN
                and membership.territory_id == territory.id
                and membership.structure_id
            ):
                cards.append(
                    Card(
                        title=f"Jetons d'API — {membership.structure.name}",
                        url=url_for(
                            "carnet.structure_tokens",
                            territory=territory.slug,
                            structure_id=membership.structure_id,
                        ),
                        text="Le système d'information de votre structure et l'API du Carnet.",
                    )
                )
    return cards


# Consent renewal (app/carnet/renewals.py)


def consents_to_ask_renewal(now, until) -> list[Consent]:
    """Granted consents of open notebooks lapsing between `now` and `until` whose person was not
    asked yet about renewal in the current period (the one that began at `decided_at`)."""
    return list(
        db.session.scalars(
            select(Consent)
            .join(Consent.notebook)
            .where(
                Consent.status == ConsentStatus.GRANTED,
                Consent.expires_at > now,
                Consent.expires_at <= until,
                Notebook.archived_at.is_(None),
                or_(
                    Consent.renewal_asked_at.is_(None),
                    Consent.decided_at.is_(None),
                    Consent.renewal_asked_at < Consent.decided_at,
                ),
            )
            .order_by(Consent.id)
        )
    )


def renewals_awaiting_answer(notebook: Notebook) -> list[Consent]:
    """The notebook's valid consents the person was asked to renew in their current period and
    has not declined (what the notice in their notebook asks about)."""
    now = utcnow()
    return [
        c
        for c in notebook.consents
        if c.is_valid(now)
        and c.renewal_asked_at is not None
        and (c.decided_at is None or c.renewal_asked_at >= c.decided_at)
        and (
            c.renewal_declined_at is None
            or (c.decided_at is not None and c.renewal_declined_at < c.decided_at)
        )
    ]
