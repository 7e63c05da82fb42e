"""Mail leaves after the transaction commits (platform: app.core.mail.queue) with absolute links
built from PUBLIC_BASE_URL (platform: app.core.urls.external_url)."""

from __future__ import annotations

from flask import current_app, url_for

from app.core import mail


def send_later(to: str, subject: str, body: str) -> None:
    queue = getattr(mail, "queue", None)
    if queue is not None:
        queue(to, subject, body)
        return
    mail.send(to, subject, body)


def absolute_url(endpoint: str, **values) -> str:
    try:
        from app.core.urls import external_url
    except ImportError:
        base = current_app.config.get("PUBLIC_BASE_URL")
        if base:
            return base.rstrip("/") + url_for(endpoint, **values)
        return url_for(endpoint, _external=True, **values)
    return external_url(endpoint, **values)
