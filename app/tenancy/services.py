"""Queries on territories and structures."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.tenancy.models import Structure, Territory


def territory_by_slug(slug: str) -> Territory | None:
    return db.session.scalar(select(Territory).where(Territory.slug == slug))


def all_territories() -> list[Territory]:
    return list(db.session.scalars(select(Territory).order_by(Territory.name)))


def structures() -> list[Structure]:
    """Structures of the bound territory (tenant scoping adds the territory)."""
    return list(db.session.scalars(select(Structure).order_by(Structure.name)))
