"""REVA pages, one module per actor; `load_candidacy` is the one way a page reaches a candidacy."""

from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_login import current_user

from app.core import audit
from app.reva import perms, queries


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
