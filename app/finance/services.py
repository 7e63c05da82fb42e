"""Queries on the agreement's reference data."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.finance.models import Convention, CostCentre


def current_convention() -> Convention | None:
    return db.session.scalar(select(Convention).order_by(Convention.id.desc()))


def cost_centres() -> list[CostCentre]:
    return list(db.session.scalars(select(CostCentre).order_by(CostCentre.code)))
