"""API tokens of the Carnet de bord: issued to a structure or an information system of one
territory; shown once, only their SHA-256 is stored."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import hash_token, new_token
from app.carnet.models import ApiToken
from app.core import audit
from app.core.models import utcnow
from app.extensions import db


def issue(
    actor, territory_id: int, name: str, structure_id: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token; return the row and the secret, which is never stored nor shown again."""
    secret = new_token()
    row = ApiToken(
        territory_id=territory_id,
        name=name.strip(),
        structure_id=structure_id,
        token_hash=hash_token(secret),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "token_created", "api_token", row.id, row.name)
    db.session.flush()
    return row, secret


def revoke(actor, row: ApiToken) -> bool:
    """Revoke a token (its next request is refused); False if it already was."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    audit.record(actor, "token_revoked", "api_token", row.id, row.name)
    db.session.flush()
    return True


def tokens() -> list[ApiToken]:
    """Tokens of the bound territory, newest first (tenant scoping)."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())))
