"""Finance test data: users per role, a clock standing on a chosen day, envelopes with exact amounts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from app.accounts.roles import Role
from app.extensions import db
from app.finance import agreement, allocations, clock, ledger
from app.finance.models import AllocationSource, CostCentre, LegalAct, Startup
from tests.factories import member


def stand_on(day: date, hour: int = 12) -> None:
    """Inject the finance clock: every rule now reads `day` (Europe/Paris)."""
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=clock.PARIS)
    current_app.config["FINANCE_CLOCK"] = lambda: moment


def finance_user(role: Role):
    return member(role, None)


def startup(slug: str = "dora") -> Startup:
    return db.session.scalar(select(Startup).where(Startup.slug == slug))


def cost_centre(code: str = "SGSIFAB075") -> CostCentre:
    return db.session.scalar(select(CostCentre).where(CostCentre.code == code))


def extend_convention(user, year: int) -> None:
    """An amendment extending the convention to the end of `year` (reference ends in 2022)."""
    convention = startup().convention
    if agreement.effective_end(convention) < date(year, 12, 31):
        agreement.add_amendment(
            user,
            convention,
            signed_on=date(2023, 1, 5),
            object="Prolongation",
            extends_to=date(year, 12, 31),
        )


def envelope(user, slug: str = "dora", year: int = 2026, ae="1000.00", cp="1000.00"):
    """The start-up's envelope for `year` with exactly `ae` and `cp` allocated (committed),
    in effect from 2 January of `year`."""
    extend_convention(user, year)
    source = current_app.config.get("FINANCE_CLOCK")
    stand_on(date(year, 1, 2))
    try:
        allocations.change(
            user,
            startup(slug),
            year,
            ae_delta=Decimal(ae),
            cp_delta=Decimal(cp),
            source=AllocationSource.BALANCE,
            reason="Allocation de test",
        )
    finally:
        current_app.config["FINANCE_CLOCK"] = source
    db.session.commit()


def commit(user, amount: str, on: date, slug: str = "dora", **kwargs):
    values = dict(
        committed_on=on,
        amount=Decimal(amount) if isinstance(amount, str) else amount,
        legal_act=LegalAct.PUBLIC_CONTRACT,
        supplier="Prestataire",
        object="Développement",
        cost_centre=cost_centre(),
    )
    values.update(kwargs)
    return ledger.record_commitment(user, startup(slug), **values)
