"""Outgoing mail, queued in the request's transaction and sent after its commit.

`queue()` stores an `OutgoingMail` row: if the request rolls back, the mail never existed; once
the request commits, `send_queued()` hands it to SMTP (or to the outbox file in debug and tests).
A send that fails leaves the row queued with its error; `flask mail retry` (and the jobs runner)
sends it again. A sent mail's body is erased: links it carried (magic links, invitations) are not
kept in the database longer than needed.
"""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage

from flask import current_app, g, has_request_context
from sqlalchemy import select

from app.core.models import OutgoingMail, utcnow
from app.extensions import db

MAX_ATTEMPTS = 10


def queue(to: str, subject: str, body: str, *, after_response: bool = False) -> OutgoingMail:
    """Queue a mail in the current transaction. `after_response` sends it once the response has
    left (for answers that must take the same time whatever the mail, such as login links)."""
    mail = OutgoingMail(to=to, subject=subject, body=body)
    db.session.add(mail)
    key = (
        "_mail_after_response" if after_response and has_request_context() else "_mail_after_commit"
    )
    g.setdefault(key, []).append(mail)
    return mail


def send_queued(response=None) -> list[OutgoingMail]:
    """After the commit: send the mail this request (or unit of work) queued; return those that
    failed. Mail queued `after_response` leaves when `response` has been sent. Mail queued earlier
    and not sent is the retry job's (`retry`), not this."""
    mails = g.pop("_mail_after_commit", [])
    deferred = [m.id for m in g.pop("_mail_after_response", []) if m.id is not None]
    if deferred and response is not None:
        from app.core import transaction

        transaction.after_response(response, lambda: retry(deferred), what="deferred mail")
    failed = [m for m in mails if m.id is not None and not deliver(m)]
    if mails:
        db.session.commit()
    return failed


def forget_queued() -> None:
    """The transaction rolled back: the mail it queued never existed."""
    g.pop("_mail_after_commit", None)
    g.pop("_mail_after_response", None)


def deliver(mail: OutgoingMail) -> bool:
    """Try to send one queued mail now; record the outcome on its row (not committed)."""
    mail.attempts += 1
    try:
        _transport(mail.to, mail.subject, mail.body)
    except (OSError, smtplib.SMTPException) as error:
        mail.last_error = f"{type(error).__name__}: {error}"[:500]
        current_app.logger.warning(
            "mail %s not sent (attempt %s): %s", mail.id, mail.attempts, error
        )
        return False
    mail.sent_at = utcnow()
    mail.body = ""
    mail.last_error = None
    return True


def forget(address: str) -> int:
    """Delete every mail, sent or queued, to `address` (erasure of a person); how many."""
    rows = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == address)).all()
    for row in rows:
        db.session.delete(row)
    return len(rows)


def retry(ids: list[int] | None = None) -> tuple[int, int]:
    """Send every queued mail (or those of `ids`); commit; return (sent, still queued)."""
    stmt = select(OutgoingMail).where(
        OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS
    )
    if ids is not None:
        stmt = stmt.where(OutgoingMail.id.in_(ids))
    sent = failed = 0
    for mail in db.session.scalars(stmt.order_by(OutgoingMail.id)).all():
        if deliver(mail):
            sent += 1
        else:
            failed += 1
        db.session.commit()
    return sent, failed


def _transport(to: str, subject: str, body: str) -> None:
    config = current_app.config
    if config["MAIL_SERVER"]:
        message = EmailMessage()
        message["From"] = config["MAIL_DEFAULT_SENDER"]
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        return
    if not (current_app.debug or current_app.testing):
        current_app.logger.error("MAIL_SERVER is not set: a mail was kept in the outbox file")
    entry = {"at": utcnow().isoformat(), "to": to, "subject": subject, "body": body}
    with open(config["MAIL_OUTBOX_PATH"], "a", encoding="utf-8") as outbox:
        outbox.write(json.dumps(entry, ensure_ascii=False) + "\n")


def outbox(limit: int = 50) -> list[dict]:
    """The newest messages of the outbox file, newest first."""
    try:
        with open(current_app.config["MAIL_OUTBOX_PATH"], encoding="utf-8") as f:
            lines = f.readlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in reversed(lines[-limit:])]
