"""Outgoing mail: SMTP when configured, otherwise an outbox file (shown at /dev/outbox in debug)."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage

from flask import current_app

from app.core.models import utcnow


def send(to: str, subject: str, body: str) -> None:
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
        current_app.logger.error("MAIL_SERVER is not set: mail to %s kept in the outbox", to)
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
