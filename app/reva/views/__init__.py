"""REVA pages, one module per actor; `load_candidacy` is the one way a page reaches a candidacy,
`render_queue` the one way a queue is shown."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, render_template, request
from flask_login import current_user
from sqlalchemy import Select

from app.core import audit, paging
from app.core.models import utcnow
from app.reva import candidacies, perms, queries
from app.reva.models import Actor, Status

QUEUE_PAGE_SIZE = paging.PAGE_SIZE


def selected_status() -> tuple[str | None, list[Status] | None]:
    """The `statut` filter of a queue's query string, if it names a status."""
    status = request.args.get("statut")
    if status in Status._value2member_map_:
        return status, [Status(status)]
    return None, None


def render_queue(
    title: str,
    rows: Select,
    every: Select,
    actor: Actor,
    *,
    organism=None,
    late_after: int | None = None,
):
    """A queue, one page of 50 at a time (`rows`: the candidacies listed, in order; `every`: all
    the user's candidacies, counted by status for the filter tags)."""
    selected, statuses = selected_status()
    counts = queries.count_by_status(every)
    # `rows` is `every` narrowed to the selected status: its total is already counted.
    total = counts.get(statuses[0], 0) if statuses else sum(counts.values())
    page_rows, page = queries.queue_page(rows, paging.requested_page(), QUEUE_PAGE_SIZE, total)
    return render_template(
        "reva/queue.html",
        title=title,
        organism=organism,
        rows=page_rows,
        total=total,
        page=page,
        page_size=QUEUE_PAGE_SIZE,
        counts=counts,
        awaiting=candidacies.statuses_awaiting(actor),
        selected=selected,
        now=utcnow(),
        late_after=late_after,
    )


def load_candidacy(view):
    """Load the candidacy of the URL among those the user may see (else 404: ids outside one's
    perimeter reveal nothing), with the parties the user is on it, and log the access."""

    @wraps(view)
    def wrapper(public_id: str, *args, **kwargs):
        user = current_user._get_current_object()
        candidacy = queries.candidacy_visible_to(user, public_id)
        if candidacy is None:
            # Kept although the request fails: walking ids leaves a trace.
            audit.record(
                user, "refused", "reva_candidacy", None, "hors périmètre ou inconnue", durable=True
            )
            abort(404)
        g.candidacy = candidacy
        g.actors = perms.actors_for(user, candidacy)
        if not g.actors:  # the list query and the predicate disagree: refuse, never show
            abort(404)
        audit.record(user, "viewed", "reva_candidacy", candidacy.id, view.__name__)
        return view(candidacy, *args, **kwargs)

    return wrapper
