"""Short-lived, single-purpose grants: how a user reaches a record they may not list.

A record a user may not list is never reachable by its id (walking ids reveals nothing: a 404).
When a rule lets them reach one anyway — a professional who found a person by an exact match and
may ask to join their notebook — the search answers with a grant: a signed token naming the
purpose, the user and the record, valid a few minutes. The URL carries the grant, not the id.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

DEFAULT_TTL_SECONDS = 15 * 60


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"grant:{purpose}")


def issue(user, purpose: str, object_id: int) -> str:
    """A token letting `user` (only) reach record `object_id` for `purpose` (only)."""
    return _serializer(purpose).dumps([user.id, object_id])


def check(token: str, user, purpose: str, max_age: int = DEFAULT_TTL_SECONDS) -> int | None:
    """The record id the token grants `user` for `purpose`, or None (forged, expired, another
    user's or another purpose's token)."""
    try:
        user_id, object_id = _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    if user_id != getattr(user, "id", None) or not isinstance(object_id, int):
        return None
    return object_id
