"""Certifier API tokens: shown once at creation, only their SHA-256 stored. Flush, no commit."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import hash_token, new_token
from app.accounts.roles import Role
from app.core import audit
from app.core.models import utcnow
from app.extensions import db
from app.reva.models import CertifierToken


def issue(actor, certifier, name: str) -> tuple[CertifierToken, str]:
    """A token for `certifier` (who must hold the certifier role); returns the row and the secret."""
    if Role.CERTIFIER not in certifier.national_roles():
        raise ValueError("Cette personne n'est pas certificatrice.")
    secret = new_token()
    row = CertifierToken(user_id=certifier.id, name=name.strip(), token_hash=hash_token(secret))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "token_created", "reva_certifier_token", row.id, row.name)
    return row, secret


def revoke(actor, row: CertifierToken) -> bool:
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    audit.record(actor, "token_revoked", "reva_certifier_token", row.id, row.name)
    return True


def all_tokens() -> list[CertifierToken]:
    return list(db.session.scalars(select(CertifierToken).order_by(CertifierToken.id)))
