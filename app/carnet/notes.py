"""The professionals' notes and meetings: interview summaries, the shared diagnostic and
appointments. Written by the supporting professionals, read by the person."""

from __future__ import annotations

from datetime import date

from app.carnet import history
from app.carnet.models import Appointment, Interview, Notebook
from app.carnet.perms import active_member
from app.extensions import db


def add_interview(user, notebook: Notebook, *, on: date, text: str) -> Interview:
    """A professional with consent writes an interview summary."""
    interview = Interview(notebook=notebook, author_id=user.id, date=on, text=text.strip())
    db.session.add(interview)
    history.record(
        user,
        notebook,
        "interview",
        f"Récapitulatif d'entretien du {on.strftime('%d/%m/%Y')}",
        target=interview,
    )
    return interview


def update_diagnostic(user, notebook: Notebook, **values) -> None:
    """A professional with consent updates the shared diagnostic."""
    for name, value in values.items():
        setattr(notebook, name, value)
    history.record(user, notebook, "diagnostic", "Diagnostic partagé mis à jour")


def add_appointment(user, notebook: Notebook, at) -> Appointment:
    """A meeting between the person and this professional (a member of the notebook)."""
    appointment = Appointment(notebook=notebook, member=active_member(user, notebook), at=at)
    db.session.add(appointment)
    history.record(
        user,
        notebook,
        "appointment",
        f"Rendez-vous prévu le {at.strftime('%d/%m/%Y à %H:%M')}",
        target=appointment,
    )
    return appointment


def set_appointment_status(user, appointment: Appointment, status) -> None:
    """Mark an appointment held, missed or cancelled."""
    appointment.status = status
    history.record(
        user,
        appointment.notebook,
        "appointment",
        f"Rendez-vous du {appointment.at.strftime('%d/%m/%Y')} : {status.label.lower()}",
        target=appointment,
    )
