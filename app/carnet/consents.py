"""Consent: the person's decisions on sharing their notebook, with one professional or a whole
structure. Decided by the person only; each decision takes effect at the next request."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app.carnet import history
from app.carnet.models import Consent, ConsentStatus, Notebook
from app.core.models import utcnow
from app.extensions import db


def consent_duration() -> timedelta:
    """How long a granted consent lasts (CARNET_CONSENT_MONTHS, 6 months by default)."""
    return timedelta(days=30 * current_app.config.get("CARNET_CONSENT_MONTHS", 6))


def whom(consent: Consent) -> str:
    """The professional or structure a consent is given to, by name."""
    if consent.user is not None:
        return consent.user.full_name
    return consent.structure.name if consent.structure else "?"


def structure_consent(notebook: Notebook, structure_id: int) -> Consent | None:
    """The valid consent sharing the notebook with the whole structure, if any."""
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
    existing = structure_consent(notebook, structure.id)
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
    history.record(
        person,
        notebook,
        "consent",
        "Partage accordé à toute une structure",
        summary=f"Partage accordé à toute la structure {structure.name}",
    )
    return consent


def grant_consent(person, consent: Consent) -> None:
    """The person shares their notebook (for CARNET_CONSENT_MONTHS)."""
    now = utcnow()
    consent.status = ConsentStatus.GRANTED
    consent.decided_at = now
    consent.expires_at = now + consent_duration()
    consent.revoked_at = None
    history.record(
        person,
        consent.notebook,
        "consent",
        "Partage accordé",
        summary=f"Partage accordé à {whom(consent)}",
    )


def refuse_consent(person, consent: Consent) -> None:
    """The person refuses a request to share."""
    consent.status = ConsentStatus.REFUSED
    consent.decided_at = utcnow()
    history.record(
        person,
        consent.notebook,
        "consent",
        "Partage refusé",
        summary=f"Partage refusé à {whom(consent)}",
    )


def revoke_consent(person, consent: Consent) -> list[str]:
    """End every access the consent gave, at the next request. Withdrawing a structure-wide
    share withdraws the structure: no supporter of that structure reads the notebook any more,
    whatever consent of theirs it came with. Returns the names of those who lost access."""
    from app.carnet.perms import member_is_covered

    notebook = consent.notebook
    active = [m for m in notebook.members if m.active]
    covered_before = {m.user_id for m in active if member_is_covered(m, notebook)}
    now = utcnow()
    ending = [consent]
    if consent.user_id is None and consent.structure_id is not None:
        of_structure = {m.user_id for m in active if m.structure_id == consent.structure_id}
        ending += [
            c
            for c in notebook.consents
            if c is not consent
            and c.is_valid(now)
            and (c.user_id in of_structure or c.structure_id == consent.structure_id)
        ]
    for ended in ending:
        ended.status = ConsentStatus.REVOKED
        ended.revoked_at = now
    lost = [
        m.user.full_name
        for m in active
        if m.user_id in covered_before and not member_is_covered(m, notebook)
    ]
    summary = f"Partage retiré à {whom(consent)}"
    if consent.user_id is None:
        summary = f"Partage retiré à toute la structure {whom(consent)}"
    history.record(person, notebook, "consent", "Partage retiré", summary=summary)
    return lost


def renew_consent(person, consent: Consent) -> None:
    """The person renews a consent for another period."""
    grant_consent(person, consent)
