"""Carnet API tokens for tests (kept apart from tests/carnet/factories.py)."""

from __future__ import annotations

from app.accounts.models import hash_token, new_token
from app.carnet.models import ApiToken
from app.core.models import utcnow
from app.extensions import db
from tests.factories import territory


def issue_token(
    slug: str = "seine-saint-denis",
    name: str = "France Travail 93",
    *,
    revoked: bool = False,
    structure=None,
) -> tuple[ApiToken, str]:
    """A token of the territory `slug` and its secret (only the hash is stored)."""
    secret = new_token()
    row = ApiToken(
        territory_id=territory(slug).id,
        name=name,
        token_hash=hash_token(secret),
        revoked_at=utcnow() if revoked else None,
        structure_id=structure.id if structure else None,
    )
    db.session.add(row)
    db.session.commit()
    return row, secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}
