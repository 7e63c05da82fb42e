"""Reads of a notebook, as the person sees them in "who viewed my notebook".

Every read of the content, in any form (the page, a fragment, the printable version, the JSON
export, the API), is logged — once per kind and reader per short period, so that a reader
clicking around does not drown the log. Refused attempts are logged by the access decorator.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, select

from app.carnet.models import Notebook
from app.carnet.perms import Access, active_member
from app.core import audit
from app.core.models import AuditEntry, utcnow
from app.extensions import db

PERIOD = timedelta(minutes=10)

# What the person reads in their log, per kind of read.
KINDS = {
    "page": "votre carnet",
    "fragment": "une partie de votre carnet",
    "identity": "votre fiche (identité et contacts)",
    "print": "la version imprimable de votre carnet",
    "export": "l'export de vos données (JSON)",
    "api": "votre carnet par l'API",
    "orientation": "une orientation faite depuis votre carnet (DORA)",
}


def _logged_recently(actor_id, action: str, notebook: Notebook, detail: str, now) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    AuditEntry.actor_id.is_(None)
                    if actor_id is None
                    else AuditEntry.actor_id == actor_id,
                    AuditEntry.action == action,
                    AuditEntry.object_type == "notebook",
                    AuditEntry.object_id == notebook.id,
                    AuditEntry.detail == detail,
                    AuditEntry.at > now - PERIOD,
                )
            )
        )
    )


def record_read(user, notebook: Notebook, level: Access, kind: str = "page") -> None:
    """Log a read of `notebook` at `level` in the form `kind` (once per reader, kind and period)
    and feed the "active notebook" indicator."""
    now = utcnow()
    action = "viewed" if level == Access.FULL else "viewed_identity"
    actor_id = getattr(user, "id", None)
    if not _logged_recently(actor_id, action, notebook, kind, now):
        audit.record(user, action, "notebook", notebook.id, kind)
    if level == Access.FULL and actor_id is not None:
        # Shown by the day and counted by the month: written once per period, so that reading
        # a notebook again does not turn every page view into a write.
        if _stale(notebook.last_viewed_at, now):
            notebook.last_viewed_at = now
        member = active_member(user, notebook)
        if member and _stale(member.last_visit_at, now):
            member.last_visit_at = now


def _stale(stamp, now) -> bool:
    return stamp is None or stamp <= now - PERIOD


def record_api_read(token_name: str, notebook: Notebook, shared: bool) -> None:
    """Log an information system's read of `notebook` (once per token, kind and period)."""
    detail = token_name + ("" if shared else " (identité et contacts)")
    if not _logged_recently(None, "api_read", notebook, detail, utcnow()):
        audit.record(None, "api_read", "notebook", notebook.id, detail)
