"""Reads of a notebook, as the person sees them in "who viewed my notebook": every view, refused
ones included, and the "active notebook" indicator."""

from __future__ import annotations

from app.carnet.models import Notebook
from app.carnet.perms import Access, active_member
from app.core import audit
from app.core.models import utcnow


def record_view(user, notebook: Notebook, level: Access) -> None:
    """Log a view at `level` (NONE: refused) and feed the "active notebook" indicator."""
    now = utcnow()
    action = "viewed" if level == Access.FULL else ("viewed_identity" if level else "refused")
    audit.record(user, action, "notebook", notebook.id, durable=action == "refused")
    if level == Access.FULL:
        notebook.last_viewed_at = now
        member = active_member(user, notebook)
        if member:
            member.last_visit_at = now


def record_refusal(user, notebook_id: int) -> None:
    """Log a refused attempt on a notebook id (kept although the request fails)."""
    audit.record(user, "refused", "notebook", notebook_id, durable=True)
