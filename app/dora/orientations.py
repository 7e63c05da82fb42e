"""Orientations: a caseworker sends a person to a sheet's structure; the structure accepts or
refuses through a signed link (no account needed), then gives the date the person started.

The workflow is the declared table `TRANSITIONS`: pages, the link and the commands all go
through `apply`, which checks the transition, records it in the history, tells the notebook
(when the orientation came from a barrier) and queues the mail. Flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app.core import audit, mail
from app.core.models import utcnow
from app.core.urls import external_url
from app.dora import search_log
from app.dora.models import (
    ContactPreference,
    Orientation,
    OrientationEvent,
    OrientationStatus,
    Service,
)
from app.extensions import db

OPEN, ACCEPTED, REFUSED, EXPIRED = (
    OrientationStatus.OPEN,
    OrientationStatus.ACCEPTED,
    OrientationStatus.REFUSED,
    OrientationStatus.EXPIRED,
)
LINK_DAYS = 8
REMIND_AFTER_DAYS = 10
EXPIRE_AFTER_DAYS = 30
ANONYMISE_AFTER_DAYS = 730
_SALT = "dora-orientation-link"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # for the history, in French
    sources: frozenset  # statuses it leaves from (None: creation)
    target: OrientationStatus | None  # None: the status does not change
    by: str  # caseworker | structure | system


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("create", "Orientation envoyée", frozenset({None}), OPEN, "caseworker"),
        Transition("accept", "Acceptée par la structure", frozenset({OPEN}), ACCEPTED, "structure"),
        Transition("refuse", "Refusée par la structure", frozenset({OPEN}), REFUSED, "structure"),
        Transition("remind", "Relance envoyée à la structure", frozenset({OPEN}), None, "system"),
        Transition(
            "expire", "Expirée : pas de réponse en 30 jours", frozenset({OPEN}), EXPIRED, "system"
        ),
        Transition(
            "start", "Démarrage de la personne indiqué", frozenset({ACCEPTED}), None, "structure"
        ),
        Transition(
            "renew_link",
            "Nouveau lien envoyé à la structure",
            frozenset({OPEN, ACCEPTED}),
            None,
            "structure",
        ),
    )
}


class Refused(Exception):  # noqa: N818 (a refusal shown to the user)
    """The transition is not allowed from the orientation's state (French message)."""


def allowed(orientation: Orientation, name: str) -> bool:
    return orientation.anonymised_at is None and orientation.status in TRANSITIONS[name].sources


def apply(orientation: Orientation, name: str, actor=None, at: datetime | None = None):
    """Move `orientation` through transition `name` (refused if the table does not allow it)."""
    transition = TRANSITIONS[name]
    before = None if name == "create" else orientation.status
    if before not in transition.sources or orientation.anonymised_at is not None:
        raise Refused(
            f"Impossible : l'orientation est « {orientation.status.label.lower()} »."
            if before
            else "Impossible : orientation inconnue."
        )
    now = at or utcnow()
    if transition.target is not None:
        orientation.status = transition.target
    if name in ("accept", "refuse", "expire"):
        orientation.decided_at = now
    event = OrientationEvent(
        orientation=orientation,
        at=now,
        transition=name,
        from_status=before.value if before else None,
        to_status=orientation.status.value,
        actor_id=getattr(actor, "id", None),
        by_structure=transition.by == "structure",
    )
    db.session.add(event)
    db.session.flush()
    audit.record(actor, name, "dora_orientation", orientation.id, transition.label)
    if orientation.barrier_id is not None:
        from app.dora import carnet_link

        carnet_link.orientation_changed(orientation, transition, actor)
    return event


# Creation


def contact_of(service: Service) -> str | None:
    """Where the structure receives orientations: the sheet's contact, else the structure's."""
    return service.contact_email or service.provider.structure.email or None


def create(user, service: Service, data: dict, *, search=None, barrier=None) -> Orientation:
    """A caseworker of the territory orients a person who agreed; the structure gets a mail
    with its signed link."""
    if not data.get("person_agreed"):
        raise Refused("La personne doit avoir donné son accord pour être orientée.")
    if contact_of(service) is None:
        raise Refused(
            "Ce service n'indique pas d'adresse électronique : contactez-le par téléphone."
        )
    orientation = Orientation(
        service=service,
        service_id=service.id,
        search_id=search.id if search is not None else None,
        created_by_id=user.id,
        barrier_id=barrier.id if barrier is not None else None,
        first_name=data["first_name"].strip(),
        last_name=data["last_name"].strip(),
        email=data.get("email") or None,
        phone=data.get("phone") or None,
        contact_preference=data["contact_preference"],
        situation=(data.get("situation") or "").strip(),
        criteria=list(data.get("criteria") or []),
        reason=data["reason"].strip(),
        person_agreed=True,
        created_at=utcnow(),
    )
    db.session.add(orientation)
    db.session.flush()
    apply(orientation, "create", user, at=orientation.created_at)
    search_log.oriented(search)
    _mail_structure(orientation, "dora/mail/orientation_new.txt", "Nouvelle orientation")
    return orientation


# The signed link


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def link_token(orientation: Orientation) -> str:
    return _serializer().dumps([orientation.id, orientation.link_version])


def link_url(orientation: Orientation) -> str:
    from app.tenancy.models import Territory

    territory = db.session.get(Territory, orientation.territory_id)
    return external_url(
        "dora.orientation_link", territory=territory.slug, token=link_token(orientation)
    )


@dataclass
class LinkCheck:
    orientation: Orientation | None
    error: str = ""
    renewable: bool = False


def read_link(token: str) -> LinkCheck:
    """The orientation a link lets its holder act on — that one only, until it expires (8 days);
    an expired link may be renewed (the new one goes to the structure's address)."""
    try:
        orientation_id, version = _serializer().loads(token, max_age=LINK_DAYS * 86400)
        expired = False
    except SignatureExpired as error:
        orientation_id, version = _serializer().load_payload(error.payload)
        expired = True
    except (BadSignature, ValueError, TypeError):
        return LinkCheck(None, "Ce lien n'est pas valide : vérifiez qu'il est complet.")
    if not isinstance(orientation_id, int):
        return LinkCheck(None, "Ce lien n'est pas valide : vérifiez qu'il est complet.")
    orientation = db.session.scalar(select(Orientation).where(Orientation.id == orientation_id))
    if orientation is None or orientation.anonymised_at is not None:
        return LinkCheck(None, "Cette orientation n'existe plus.")
    if version != orientation.link_version:
        return LinkCheck(
            None, "Ce lien a été remplacé par un plus récent : utilisez le dernier reçu."
        )
    if expired:
        return LinkCheck(
            orientation,
            f"Ce lien a expiré (il est valable {LINK_DAYS} jours).",
            renewable=allowed(orientation, "renew_link"),
        )
    return LinkCheck(orientation)


def renew_link(orientation: Orientation) -> None:
    """A fresh link, sent to the structure's address (never to whoever holds the old one)."""
    apply(orientation, "renew_link")
    orientation.link_version += 1
    _mail_structure(orientation, "dora/mail/orientation_link.txt", "Votre nouveau lien")


def accept(orientation: Orientation) -> None:
    apply(orientation, "accept")
    _mail_caseworker(orientation)


def refuse(orientation: Orientation, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise Refused("Indiquez la raison du refus : elle est transmise à l'accompagnateur·rice.")
    orientation.refusal_reason = reason
    apply(orientation, "refuse")
    _mail_caseworker(orientation)


def record_start(orientation: Orientation, started_on: date) -> None:
    """The date the person actually started (for the delay between search and start)."""
    if started_on < orientation.created_at.date():
        raise Refused("La date de démarrage ne peut pas précéder l'orientation.")
    if started_on > date.today() + timedelta(days=365):
        raise Refused("La date de démarrage est trop lointaine.")
    orientation.started_on = started_on
    apply(orientation, "start")


# Reminders and expiry (`flask dora orientations`, daily)


def remind_and_expire(now: datetime | None = None) -> tuple[int, int]:
    """Open orientations: a reminder after 10 days without answer, expiry after 30."""
    now = now or utcnow()
    reminded = expired = 0
    stmt = select(Orientation).where(Orientation.status == OPEN).order_by(Orientation.id)
    for orientation in db.session.scalars(stmt).all():
        age = now - orientation.created_at
        if age >= timedelta(days=EXPIRE_AFTER_DAYS):
            apply(orientation, "expire", at=now)
            expired += 1
        elif age >= timedelta(days=REMIND_AFTER_DAYS) and orientation.reminded_at is None:
            orientation.reminded_at = now
            orientation.link_version += 1  # a fresh 8-day link
            apply(orientation, "remind", at=now)
            _mail_structure(orientation, "dora/mail/orientation_reminder.txt", "Relance")
            reminded += 1
    return reminded, expired


def anonymise(now: datetime | None = None, *, dry_run: bool = True) -> int:
    """Erase the person's details of orientations older than two years (dry run by default):
    who they are, how to reach them, their situation and the criteria they met, the reasons,
    and the link to their notebook's barrier and action (the notebook keeps its own action,
    under its own retention). What the indicators count stays: sheet, dates, states."""
    limit = (now or utcnow()) - timedelta(days=ANONYMISE_AFTER_DAYS)
    old = db.session.scalars(
        select(Orientation).where(
            Orientation.created_at < limit, Orientation.anonymised_at.is_(None)
        )
    ).all()
    if not dry_run:
        for orientation in old:
            orientation.first_name = orientation.last_name = "—"
            orientation.email = orientation.phone = None
            orientation.situation = orientation.reason = orientation.refusal_reason = ""
            orientation.criteria = []
            orientation.contact_preference = ContactPreference.CASEWORKER
            orientation.barrier_id = orientation.action_id = None
            orientation.anonymised_at = utcnow()
        db.session.flush()
    return len(old)


# Mail


def _mail_structure(orientation: Orientation, template: str, subject: str) -> None:
    service = orientation.service
    mail.queue(
        contact_of(service),
        f"{subject} : {service.name}",
        render_template(
            template,
            orientation=orientation,
            service=service,
            url=link_url(orientation),
            days=LINK_DAYS,
        ),
    )


def _mail_caseworker(orientation: Orientation) -> None:
    caseworker = orientation.created_by
    if caseworker is None or not caseworker.email:
        return
    mail.queue(
        caseworker.email,
        f"Orientation {orientation.status.label.lower()} : {orientation.service.name}",
        render_template("dora/mail/orientation_decided.txt", orientation=orientation),
    )
