"""Carnet de bord domain logic. No request here: callers pass the user and the territory."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.carnet.models import (
    Action,
    Appointment,
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
from app.carnet.perms import Access, active_member
from app.core import audit
from app.core.models import AuditEntry, utcnow
from app.extensions import db


class DuplicateBeneficiary(Exception):  # noqa: N818 (a domain outcome, not a failure)
    """A notebook already exists for this person (same name and birth date, or same NIR)."""

    def __init__(self, notebook: Notebook, reason: str):
        super().__init__(reason)
        self.notebook = notebook
        self.reason = reason


def consent_duration() -> timedelta:
    return timedelta(days=30 * current_app.config.get("CARNET_CONSENT_MONTHS", 6))


# Reading


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


def my_notebooks(
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
    """The professional's notebooks (member, any consent state) with search and filters."""
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


def find_for_join(*, last_name: str, first_name: str, birth_date: date | None, nir: str | None):
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


# Activity


def record_view(user, notebook: Notebook, level: Access) -> None:
    """Log every view (refused ones too) and feed the "active notebook" indicator."""
    now = utcnow()
    action = "viewed" if level == Access.FULL else ("viewed_identity" if level else "refused")
    audit.record(user, action, "notebook", notebook.id)
    if level == Access.FULL:
        notebook.last_viewed_at = now
        member = active_member(user, notebook)
        if member:
            member.last_visit_at = now
    db.session.commit()


def record_refusal(user, notebook_id: int) -> None:
    audit.record(user, "refused", "notebook", notebook_id)
    db.session.commit()


def _changed(user, notebook: Notebook, kind: str, summary: str) -> None:
    """A modification: timeline event, audit entry, activity dates. The caller commits."""
    now = utcnow()
    db.session.add(
        TimelineEvent(
            notebook=notebook,
            actor_id=user.id if user else None,
            kind=kind,
            summary=summary[:300],
            at=now,
        )
    )
    audit.record(user, "modified", "notebook", notebook.id, f"{kind}: {summary}")
    notebook.last_modified_at = now
    member = active_member(user, notebook) if user else None
    if member:
        member.last_modified_at = now


def access_log(notebook: Notebook) -> list[AuditEntry]:
    """Who viewed or changed the notebook, newest first (shown to the person)."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == "notebook",
                AuditEntry.object_id == notebook.id,
                AuditEntry.territory_id == notebook.territory_id,
                AuditEntry.action.in_(
                    ("viewed", "viewed_identity", "modified", "refused", "api_read")
                ),
            )
            .order_by(AuditEntry.at.desc())
            .limit(200)
        )
    )


def users_by_id(ids) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


# Creating and joining


def create_notebook(professional, territory, data: dict, structure=None) -> Notebook:
    """Create the person and their notebook; the professional joins and asks for consent.

    Raises DuplicateBeneficiary when the same person (name + birth date, or NIR) has one.
    """
    nir = data.get("nir") or None
    if nir:
        found = find_for_join(last_name="", first_name="", birth_date=None, nir=nir)
        if found:
            raise DuplicateBeneficiary(found[0], "nir")
    found = find_for_join(
        last_name=data["last_name"],
        first_name=data["first_name"],
        birth_date=data["birth_date"],
        nir=None,
    )
    if found:
        raise DuplicateBeneficiary(found[0], "identity")
    fields = {k: v for k, v in data.items() if hasattr(Beneficiary, k)}
    beneficiary = Beneficiary(**fields)
    notebook = Notebook(beneficiary=beneficiary)
    db.session.add(notebook)
    try:
        db.session.flush()
    except IntegrityError:
        # Created by someone else between our check and our write (unique NIR per territory).
        db.session.rollback()
        raise DuplicateBeneficiary(
            find_for_join(last_name="", first_name="", birth_date=None, nir=nir)[0], "nir"
        ) from None
    _join(professional, notebook, structure, referent=True)
    _changed(professional, notebook, "notebook", "Carnet créé")
    db.session.commit()
    return notebook


def _join(professional, notebook: Notebook, structure, referent: bool = False) -> Consent:
    member = next((m for m in notebook.members if m.user_id == professional.id), None)
    if member is None:
        member = NotebookMember(
            notebook=notebook,
            user_id=professional.id,
            structure_id=structure.id if structure else None,
            is_referent=referent,
        )
        db.session.add(member)
    else:
        member.active, member.ended_at = True, None
    consent = Consent(
        notebook=notebook,
        user_id=professional.id,
        structure_id=structure.id if structure else None,
        status=ConsentStatus.REQUESTED,
        requested_by_id=professional.id,
    )
    db.session.add(consent)
    return consent


def request_to_join(professional, notebook: Notebook, structure=None) -> Consent | None:
    """The professional joins the notebook's supporters. The person is asked for consent, unless
    they already share their notebook with the professional's whole structure."""
    if structure is not None and _structure_consent(notebook, structure.id) is not None:
        member = next((m for m in notebook.members if m.user_id == professional.id), None)
        if member is None:
            db.session.add(
                NotebookMember(
                    notebook=notebook, user_id=professional.id, structure_id=structure.id
                )
            )
        else:
            member.active, member.ended_at, member.structure_id = True, None, structure.id
        _changed(
            professional,
            notebook,
            "member",
            f"{professional.full_name} ({structure.name}) rejoint le carnet",
        )
        db.session.commit()
        return None
    consent = _join(professional, notebook, structure)
    _changed(
        professional, notebook, "member", f"{professional.full_name} demande à rejoindre le carnet"
    )
    db.session.commit()
    return consent


def _structure_consent(notebook: Notebook, structure_id: int) -> Consent | None:
    now = utcnow()
    return next(
        (
            c
            for c in notebook.consents
            if c.structure_id == structure_id and c.user_id is None and c.is_valid(now)
        ),
        None,
    )


def grant_structure_consent(person, notebook: Notebook, structure) -> Consent:
    """The person shares their notebook with every professional of `structure` who supports
    them (each still joins the notebook; no further request is needed)."""
    existing = _structure_consent(notebook, structure.id)
    if existing is not None:
        return existing
    now = utcnow()
    consent = Consent(
        notebook=notebook,
        structure_id=structure.id,
        status=ConsentStatus.GRANTED,
        decided_at=now,
        expires_at=now + consent_duration(),
    )
    db.session.add(consent)
    _changed(person, notebook, "consent", f"Partage accordé à toute la structure {structure.name}")
    db.session.commit()
    return consent


def invite_beneficiary(professional, territory, notebook: Notebook):
    """Give the person an account (role beneficiary) linked to their notebook, and mail them an
    invitation to open it and decide on sharing."""
    from app.accounts.roles import Role
    from app.accounts.services import invite

    beneficiary = notebook.beneficiary
    invitation = invite(
        professional,
        territory,
        email=beneficiary.email,
        first_name=beneficiary.first_name,
        last_name=beneficiary.last_name,
        role=Role.BENEFICIARY,
        phone=beneficiary.mobile,
    )
    beneficiary.user_id = invitation.user_id
    _changed(professional, notebook, "member", "Accès au carnet envoyé à la personne")
    db.session.commit()


def professional_structure(user, territory):
    membership = next(
        (m for m in user.memberships if m.territory_id == territory.id and m.structure_id), None
    )
    return membership.structure if membership else None


# Consent (decided by the person only)


def _whom(consent: Consent) -> str:
    if consent.user is not None:
        return consent.user.full_name
    return consent.structure.name if consent.structure else "?"


def grant_consent(person, consent: Consent) -> None:
    now = utcnow()
    consent.status = ConsentStatus.GRANTED
    consent.decided_at = now
    consent.expires_at = now + consent_duration()
    consent.revoked_at = None
    _changed(person, consent.notebook, "consent", f"Partage accordé à {_whom(consent)}")
    db.session.commit()


def refuse_consent(person, consent: Consent) -> None:
    consent.status = ConsentStatus.REFUSED
    consent.decided_at = utcnow()
    _changed(person, consent.notebook, "consent", f"Partage refusé à {_whom(consent)}")
    db.session.commit()


def revoke_consent(person, consent: Consent) -> None:
    """Takes effect at once: the next request of that professional is refused."""
    consent.status = ConsentStatus.REVOKED
    consent.revoked_at = utcnow()
    _changed(person, consent.notebook, "consent", f"Partage retiré à {_whom(consent)}")
    db.session.commit()


def renew_consent(person, consent: Consent) -> None:
    grant_consent(person, consent)


def consent_for(notebook: Notebook, consent_id: int) -> Consent | None:
    return next((c for c in notebook.consents if c.id == consent_id), None)


def current_consents(notebook: Notebook) -> list[Consent]:
    """The latest decision per professional/structure."""
    latest: dict = {}
    for consent in notebook.consents:
        latest[(consent.user_id, consent.structure_id)] = consent
    return sorted(latest.values(), key=lambda c: c.created_at, reverse=True)


# Enriching the notebook


def add_barrier(user, notebook: Notebook, *, theme, situation: str, visibility=None) -> Barrier:
    if visibility is None:
        visibility = Visibility.SUMMARY if theme.value == "sante" else Visibility.DETAIL
    barrier = Barrier(
        notebook=notebook,
        theme=theme,
        situation=situation.strip(),
        visibility=visibility,
        created_by_id=user.id,
    )
    db.session.add(barrier)
    _changed(user, notebook, "barrier", f"Frein ajouté : {theme.label}")
    db.session.commit()
    return barrier


def update_barrier(
    user, barrier: Barrier, *, situation: str, status=None, visibility=None
) -> Barrier:
    barrier.situation = situation.strip()
    if status is not None:
        barrier.status = status
    if visibility is not None:
        barrier.visibility = visibility
    barrier.updated_at = utcnow()
    _changed(
        user,
        barrier.notebook,
        "barrier",
        f"Frein modifié : {barrier.theme.label} ({barrier.status.label.lower()})",
    )
    db.session.commit()
    return barrier


def add_objective(user, barrier: Barrier, title: str) -> Objective:
    objective = Objective(barrier=barrier, title=title.strip())
    db.session.add(objective)
    _changed(user, barrier.notebook, "objective", f"Objectif ajouté : {objective.title}")
    db.session.commit()
    return objective


def set_objective_status(user, objective: Objective, status) -> None:
    objective.status = status
    _changed(
        user,
        objective.barrier.notebook,
        "objective",
        f"Objectif « {objective.title} » : {status.label.lower()}",
    )
    db.session.commit()


def add_action(
    user,
    objective: Objective,
    *,
    title: str,
    start_date=None,
    structure_id=None,
    dora_service_id=None,
) -> Action:
    action = Action(
        objective=objective,
        title=title.strip(),
        start_date=start_date,
        structure_id=structure_id,
        dora_service_id=dora_service_id,
        created_by_id=user.id,
    )
    db.session.add(action)
    _changed(user, objective.barrier.notebook, "action", f"Action ajoutée : {action.title}")
    db.session.commit()
    return action


def set_action_status(user, action: Action, status) -> None:
    action.status = status
    _changed(
        user,
        action.objective.barrier.notebook,
        "action",
        f"Action « {action.title} » : {status.label.lower()}",
    )
    db.session.commit()


def add_interview(user, notebook: Notebook, *, on: date, text: str) -> Interview:
    interview = Interview(notebook=notebook, author_id=user.id, date=on, text=text.strip())
    db.session.add(interview)
    _changed(user, notebook, "interview", f"Récapitulatif d'entretien du {on.strftime('%d/%m/%Y')}")
    db.session.commit()
    return interview


def add_appointment(user, notebook: Notebook, at) -> Appointment:
    """A meeting between the person and this professional (a member of the notebook)."""
    appointment = Appointment(notebook=notebook, member=active_member(user, notebook), at=at)
    db.session.add(appointment)
    _changed(
        user, notebook, "appointment", f"Rendez-vous prévu le {at.strftime('%d/%m/%Y à %H:%M')}"
    )
    db.session.commit()
    return appointment


def set_appointment_status(user, appointment: Appointment, status) -> None:
    appointment.status = status
    _changed(
        user,
        appointment.notebook,
        "appointment",
        f"Rendez-vous du {appointment.at.strftime('%d/%m/%Y')} : {status.label.lower()}",
    )
    db.session.commit()


def update_diagnostic(user, notebook: Notebook, **values) -> None:
    for name, value in values.items():
        setattr(notebook, name, value)
    _changed(user, notebook, "diagnostic", "Diagnostic partagé mis à jour")
    db.session.commit()


def update_contact(person, beneficiary: Beneficiary, **values) -> None:
    for name, value in values.items():
        setattr(beneficiary, name, value or None)
    _changed(person, beneficiary.notebook, "contact", "Coordonnées mises à jour")
    db.session.commit()


def request_deletion(person, beneficiary: Beneficiary) -> None:
    beneficiary.deletion_requested_at = utcnow()
    _changed(person, beneficiary.notebook, "deletion", "Demande de suppression des données")
    db.session.commit()


def set_referent(coordinator, member: NotebookMember) -> None:
    for other in member.notebook.members:
        other.is_referent = other.id == member.id
    _changed(coordinator, member.notebook, "member", f"Référent désigné : {member.user.full_name}")
    db.session.commit()


def export(notebook: Notebook) -> dict:
    """Everything the notebook holds about the person (right of access, portability)."""
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
                "a": _whom(c),
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


def deletion_requests() -> list[Beneficiary]:
    """People of the bound territory who asked for their data to be deleted, oldest first."""
    return list(
        db.session.scalars(
            select(Beneficiary)
            .where(Beneficiary.deletion_requested_at.is_not(None))
            .order_by(Beneficiary.deletion_requested_at)
        )
    )


def erase_person(coordinator, beneficiary: Beneficiary) -> None:
    """Delete, at the person's request, their notebook, identity and access (audited)."""
    notebook = beneficiary.notebook
    audit.record(
        coordinator,
        "deleted",
        "notebook",
        notebook.id if notebook else None,
        "suppression à la demande de la personne",
    )
    remove_person(beneficiary)
    db.session.commit()


def remove_person(beneficiary: Beneficiary) -> None:
    """Delete the person's notebook (with everything in it) and identity, and their access as a
    person in this territory; an account left with no other role is deactivated. No commit.

    The audit log keeps who did it and when, with ids only.
    """
    from app.accounts.roles import Role

    notebook = beneficiary.notebook
    user = beneficiary.user
    if notebook is not None:
        db.session.delete(notebook)
    db.session.delete(beneficiary)
    if user is None:
        return
    for membership in list(user.memberships):
        if (
            membership.role == Role.BENEFICIARY
            and membership.territory_id == beneficiary.territory_id
        ):
            user.memberships.remove(membership)
    if not user.memberships:
        user.is_active = False
        user.end_all_sessions()
