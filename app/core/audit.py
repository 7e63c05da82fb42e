"""Append-only audit log of reads and writes of personal data."""

from __future__ import annotations

from app.core.models import AuditEntry
from app.core.scoping import current_territory_id
from app.extensions import db


def record(actor, action: str, object_type: str, object_id: int | None, detail: str = "") -> None:
    """Add an audit entry to the session (committed with the caller's unit of work)."""
    db.session.add(
        AuditEntry(
            actor_id=getattr(actor, "id", None),
            territory_id=current_territory_id(),
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail[:500],
        )
    )
