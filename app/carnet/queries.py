"""Reads of Carnet de bord, each named after its rule. Tenant scoping adds the territory."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import exists, func, select

from app.accounts.roles import Role
from app.carnet.models import (
    Appointment,
    AppointmentStatus,
    Beneficiary,
    Consent,
    ConsentStatus,
    Notebook,
    NotebookMember,
)
from app.core.models import utcnow
from app.core.spaces import Card
from app.extensions import db


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


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def space_cards(user, territory) -> list[Card]:
    """What awaits `user` in Carnet de bord now, one card per thing, each a link."""
    roles = user.roles_in(territory)
    cards: list[Card] = []
    if Role.BENEFICIARY in roles:
        pending = _count(
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
        waiting = _count(
            select(Consent.id).where(
                Consent.user_id == user.id, Consent.status == ConsentStatus.REQUESTED
            )
        )
        upcoming = _count(
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
                text=f"{_count(mine)} personne(s) accompagnée(s).",
                count=_count(mine),
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
        without = _count(notebooks_without_referent())
        deletions = _count(
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
