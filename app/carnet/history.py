"""The one history recorder of Carnet de bord: every change to a notebook, from any path (pages,
import, API, commands), is written by `record` to the notebook's timeline (what its readers see)
and to the audit log (what the person sees in "who viewed or changed my notebook").

The audit entry names what happened in the application's words ("objectif ajouté") and which
record, never text typed about the person; the timeline may add that text, and what a barrier's
visibility hides is hidden from its timeline entries too (they carry the barrier).
"""

from __future__ import annotations

from app.carnet.models import Notebook, TimelineEvent
from app.core import audit
from app.core.models import utcnow
from app.extensions import db


def record(
    actor,
    notebook: Notebook,
    kind: str,
    label: str,
    *,
    text: str | None = None,
    summary: str | None = None,
    target=None,
    barrier=None,
    at=None,
) -> TimelineEvent:
    """Record a change of `notebook` by `actor` (None: an information system or a command).

    `kind` is the timeline category, `label` the application's words for what happened,
    `text` (timeline only) the words typed by a user — or `summary`, the whole timeline sentence —,
    `target` the record changed (an objective, an action…) and `barrier` the barrier it belongs
    to, whose visibility then applies.
    """
    from app.carnet.perms import active_member

    now = at or utcnow()
    if target is not None and getattr(target, "id", None) is None:
        db.session.flush()  # the audit entry names the record by its id
    summary = summary or (f"{label} : {text}" if text else label)
    if notebook.id is None:
        db.session.flush()
    event = TimelineEvent(
        notebook=notebook,
        territory_id=notebook.territory_id,
        actor_id=getattr(actor, "id", None),
        kind=kind,
        summary=summary[:300],
        barrier_id=getattr(barrier, "id", None),
        at=now,
    )
    if barrier is not None and barrier.id is None:
        event.barrier = barrier
    db.session.add(event)
    # "objective 12: Objectif ajouté": which record, in words of the application.
    what = f"{kind} {target.id}" if target is not None else kind
    audit.record(actor, "modified", "notebook", notebook.id, f"{what}: {label}")
    notebook.last_modified_at = now
    member = active_member(actor, notebook) if getattr(actor, "id", None) else None
    if member is not None:
        member.last_modified_at = now
    return event
