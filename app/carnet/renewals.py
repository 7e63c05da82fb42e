"""Consent renewal ("réinterroger régulièrement le consentement"): a month before a granted
consent lapses, the person is asked — once per consent period, by mail and by a notice in their
notebook — whether to renew it. Renewing starts a new period; declining lets it lapse at its
date. Run daily by `flask jobs run-due` (`carnet.consent_renewal`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from app.carnet import consents, history, queries
from app.carnet.models import Consent
from app.carnet.notices import _person_address
from app.core import mail
from app.core.models import utcnow
from app.core.urls import external_url
from app.extensions import db
from app.tenancy.models import Territory

ASK_BEFORE = timedelta(days=30)
SUBJECT = "Carnet de bord : souhaitez-vous continuer à partager votre carnet ?"


def _lapse_date(consent: Consent) -> str:
    return consent.expires_at.strftime("%d/%m/%Y")


def ask(consent: Consent, territory: Territory, now: datetime) -> None:
    """Ask the person whether to renew `consent` (mail after the commit, notice in the notebook)."""
    notebook = consent.notebook
    consent.renewal_asked_at = now
    sentence = (
        f"Votre accord de partage avec {consents.whom(consent)} prend fin le "
        f"{_lapse_date(consent)}. Vous pouvez le renouveler ou le laisser prendre fin."
    )
    history.record(
        None, notebook, "consent", "Renouvellement du partage demandé", summary=sentence, at=now
    )
    address, name = _person_address(notebook)
    if not address:
        return
    link = external_url("carnet.notebook", territory=territory.slug, notebook_id=notebook.id)
    body = current_app.jinja_env.get_template("carnet/mail/consent_renewal.txt").render(
        name=name, text=sentence, link=f"{link}#renouvellement"
    )
    mail.queue(address, SUBJECT, body)


def ask_due(territory: Territory, now: datetime | None = None) -> int:
    """Ask about every consent of the (bound) territory lapsing within a month and not yet asked
    about in its period; returns how many. Running it twice asks nothing more."""
    now = now or utcnow()
    due = queries.consents_to_ask_renewal(now, now + ASK_BEFORE)
    for consent in due:
        ask(consent, territory, now)
    db.session.flush()
    return len(due)


def renew(person, consent: Consent) -> None:
    """The person renews a consent they were asked about: a new period begins."""
    consents.renew_consent(person, consent)
    consent.renewal_declined_at = None


def decline(person, consent: Consent) -> None:
    """The person lets a consent lapse at its date (access continues until then)."""
    consent.renewal_declined_at = utcnow()
    history.record(
        person,
        consent.notebook,
        "consent",
        "Renouvellement du partage décliné",
        summary=(
            f"Partage avec {consents.whom(consent)} non renouvelé : il prend fin le "
            f"{_lapse_date(consent)}"
        ),
    )


def run_job() -> str:
    """The daily job: ask in every territory where Carnet de bord is open."""
    from sqlalchemy import select

    from app.core.scoping import bound_to

    asked = 0
    for territory in db.session.scalars(select(Territory).order_by(Territory.slug)).all():
        if not territory.enables("carnet"):
            continue
        with bound_to(territory.id):
            asked += ask_due(territory)
    return f"{asked} renouvellement(s) demandé(s)"
