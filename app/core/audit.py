"""Append-only audit log: who did what to which record, and when. Never the records' free text."""

from __future__ import annotations

from app.core.models import AuditEntry
from app.core.scoping import current_territory_id
from app.extensions import db


def record(
    actor,
    action: str,
    object_type: str,
    object_id: int | None,
    detail: str = "",
    *,
    durable: bool = False,
) -> AuditEntry:
    """Add an audit entry to the request's transaction.

    `detail` names what happened in words of the application ("objectif ajouté"), never text typed
    by a user about a person. `durable` keeps the entry even if the request rolls back (a refused
    access is logged although the request fails).
    """
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        territory_id=current_territory_id(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail[:500],
    )
    db.session.add(entry)
    if durable:
        from flask import has_request_context

        from app.core.transaction import keep_after_rollback

        if has_request_context():
            keep_after_rollback(entry)
    return entry
