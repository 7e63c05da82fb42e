"""Queries on territories and structures."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.tenancy.models import Structure, Territory

# slug → id, per process. A territory's slug never changes once created, and the row is read
# through the session's identity map (the logged-in user's memberships already loaded it), so a
# territorial page usually resolves its territory without a statement. The id is only a hint: the
# row found must still carry the slug, otherwise (another database, a deleted territory) the
# query runs and the hint is replaced.
_ids_by_slug: dict[str, int] = {}


def territory_by_slug(slug: str) -> Territory | None:
    known = _ids_by_slug.get(slug)
    if known is not None:
        territory = db.session.get(Territory, known)
        if territory is not None and territory.slug == slug:
            return territory
    territory = db.session.scalar(select(Territory).where(Territory.slug == slug))
    if territory is not None:
        _ids_by_slug[slug] = territory.id
    else:
        _ids_by_slug.pop(slug, None)
    return territory


def all_territories() -> list[Territory]:
    """Every territory with its service switches (loaded together: lists show them)."""
    return list(
        db.session.scalars(
            select(Territory).options(selectinload(Territory.services)).order_by(Territory.name)
        )
    )


def structures() -> list[Structure]:
    """Structures of the bound territory (tenant scoping adds the territory)."""
    return list(db.session.scalars(select(Structure).order_by(Structure.name)))
