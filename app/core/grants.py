"""Short-lived, single-purpose grants: how a user reaches a record they may not list.

A record a user may not list is never reachable by its id (walking ids reveals nothing: a 404).
When a rule lets them reach one anyway — a professional who found a person by an exact match and
may ask to join their notebook — the search answers with a grant: a signed token naming the
purpose, the user and the record, valid a few minutes. The URL carries the grant, not the id.

The same tokens vouch for content a form re-posts (a file checked in a dry run, then confirmed):
`seal` signs the content's digest for one user and one purpose; `vouches` tells whether a
re-posted token still matches the content, unaltered and in time.
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


def _granted(token: str, user, purpose: str, max_age: int):
    """What the token names for `user` and `purpose`, or None (forged, expired, another user's or
    another purpose's token)."""
    try:
        user_id, value = _serializer(purpose).loads(token or "", max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    return value if user_id == getattr(user, "id", None) else None


def check(token: str, user, purpose: str, max_age: int = DEFAULT_TTL_SECONDS) -> int | None:
    """The record id the token grants `user` for `purpose`, or None (forged, expired, another
    user's or another purpose's token)."""
    object_id = _granted(token, user, purpose, max_age)
    return object_id if isinstance(object_id, int) else None


def seal(user, purpose: str, digest: str) -> str:
    """A token vouching, for `user` (only) and `purpose` (only), for the content of this digest."""
    return _serializer(purpose).dumps([user.id, digest])


def vouches(
    token: str, user, purpose: str, digest: str, max_age: int = DEFAULT_TTL_SECONDS
) -> bool:
    """Whether the token was sealed for `user` and `purpose` on this very digest, within max_age."""
    sealed = _granted(token, user, purpose, max_age)
    return isinstance(sealed, str) and sealed == digest
