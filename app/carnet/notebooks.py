"""Notebooks: opening one (from any path), joining it, inviting the person, the person's own
requests, referents and removal. Each function flushes at most; the request (or the command's
unit of work) commits."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from app.carnet import history, queries
from app.carnet.consents import structure_consent
from app.carnet.models import (
    Beneficiary,
    Consent,
    ConsentStatus,
    Notebook,
    NotebookMember,
)
from app.core import audit
from app.core.models import utcnow
from app.extensions import db

# How a notebook was opened, in the words its history shows.
ORIGINS = {
    "page": "Carnet créé",
    "import": "Carnet créé par import d'un fichier",
}


class DuplicateBeneficiary(Exception):  # noqa: N818 (a domain outcome, not a failure)
    """A notebook already exists for this person (same name and birth date, or same NIR)."""

    def __init__(self, notebook: Notebook | None, reason: str):
        super().__init__(reason)
        self.notebook = notebook
        self.reason = reason


def find_duplicate(data: dict) -> DuplicateBeneficiary | None:
    """The person already has a notebook here (same NIR, or same name and birth date)."""
    if data.get("nir"):
        found = queries.exact_matches(last_name="", first_name="", birth_date=None, nir=data["nir"])
        if found:
            return DuplicateBeneficiary(found[0], "nir")
    found = queries.exact_matches(
        last_name=data["last_name"],
        first_name=data["first_name"],
        birth_date=data["birth_date"],
        nir=None,
    )
    return DuplicateBeneficiary(found[0], "identity") if found else None


def open_notebook(
    actor,
    beneficiary_fields: dict,
    *,
    origin: str,
    notebook_fields: dict | None = None,
    kind: str = "notebook",
    at=None,
) -> Notebook:
    """Open the person and their notebook, recorded in its history — the one way every path
    (page, import, API, command) creates a notebook. Flushes; a concurrent creation of the same
    person (unique NIR in a territory) raises DuplicateBeneficiary after rolling back."""
    beneficiary = Beneficiary(**beneficiary_fields)
    notebook = Notebook(beneficiary=beneficiary, **(notebook_fields or {}))
    db.session.add(notebook)
    try:
        db.session.flush()
    except IntegrityError:
        # Created by someone else between the caller's check and this write.
        db.session.rollback()
        nir = beneficiary_fields.get("nir")
        found = queries.exact_matches(last_name="", first_name="", birth_date=None, nir=nir)
        raise DuplicateBeneficiary(found[0] if found else None, "nir") from None
    history.record(actor, notebook, kind, ORIGINS.get(origin, origin), at=at)
    return notebook


def create_notebook(professional, territory, data: dict, structure=None) -> Notebook:
    """A professional opens a notebook for a person not yet known here, joins it as referent and
    asks for consent. Raises DuplicateBeneficiary when the person has one."""
    duplicate = find_duplicate(data)
    if duplicate is not None:
        raise duplicate
    fields = {k: v for k, v in data.items() if hasattr(Beneficiary, k)}
    notebook = open_notebook(professional, fields, origin="page")
    _join(professional, notebook, structure, referent=True)
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
    if structure is not None and structure_consent(notebook, structure.id) is not None:
        member = next((m for m in notebook.members if m.user_id == professional.id), None)
        if member is None:
            db.session.add(
                NotebookMember(
                    notebook=notebook, user_id=professional.id, structure_id=structure.id
                )
            )
        else:
            member.active, member.ended_at, member.structure_id = True, None, structure.id
        history.record(
            professional,
            notebook,
            "member",
            "Rejoint le carnet (partage avec sa structure)",
            summary=f"{professional.full_name} ({structure.name}) rejoint le carnet",
        )
        return None
    consent = _join(professional, notebook, structure)
    history.record(
        professional,
        notebook,
        "member",
        "Demande à rejoindre le carnet",
        summary=f"{professional.full_name} demande à rejoindre le carnet",
    )
    return consent


def invite_beneficiary(professional, territory, notebook: Notebook):
    """Give the person an account (role beneficiary) linked to their notebook, and queue a mail
    inviting them to open it and decide on sharing (sent after the commit)."""
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
    history.record(professional, notebook, "member", "Accès au carnet envoyé à la personne")
    return invitation


def set_referent(coordinator, member: NotebookMember) -> None:
    """The coordinator names one active supporter the notebook's referent."""
    for other in member.notebook.members:
        other.is_referent = other.id == member.id
    history.record(
        coordinator, member.notebook, "member", "Référent désigné", text=member.user.full_name
    )


def update_contact(person, beneficiary: Beneficiary, **values) -> None:
    """The person keeps their own contact details up to date."""
    for name, value in values.items():
        setattr(beneficiary, name, value or None)
    history.record(person, beneficiary.notebook, "contact", "Coordonnées mises à jour")


def request_deletion(person, beneficiary: Beneficiary) -> None:
    """The person asks the coordinator to delete their data."""
    beneficiary.deletion_requested_at = utcnow()
    history.record(person, beneficiary.notebook, "deletion", "Demande de suppression des données")


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


def remove_person(beneficiary: Beneficiary) -> None:
    """Delete the person's notebook (with everything in it) and identity, and their access as a
    person in this territory; an account left with no other role is deactivated.

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
