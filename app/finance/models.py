"""Reference data of the delegation agreement (convention de délégation de gestion)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Convention(db.Model):
    """The agreement, with the CHORUS imputation references every expense carries."""

    __tablename__ = "convention"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    ends_on: Mapped[date]
    chorus_programme: Mapped[str] = mapped_column(String(10))
    chorus_programme_label: Mapped[str] = mapped_column(String(120))
    chorus_functional_domain: Mapped[str] = mapped_column(String(20))
    chorus_financial_centre: Mapped[str] = mapped_column(String(40))
    chorus_financial_centre_label: Mapped[str] = mapped_column(String(120))

    parties: Mapped[list[Party]] = relationship(back_populates="convention", order_by="Party.id")
    startups: Mapped[list[Startup]] = relationship(
        back_populates="convention", order_by="Startup.id"
    )


class Party(db.Model):
    """DGEFP (délégant), DNUM (délégataire), DINUM."""

    __tablename__ = "party"

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("convention.id"))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # delegant, delegataire, dinum
    address: Mapped[str] = mapped_column(Text)

    convention: Mapped[Convention] = relationship(back_populates="parties")


class Startup(db.Model):
    """A state start-up financed by an annex of the agreement."""

    __tablename__ = "startup"

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("convention.id"))
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    annex_number: Mapped[int]
    period_start: Mapped[date]
    period_end: Mapped[date]
    budget: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    purpose: Mapped[str] = mapped_column(Text, default="")
    cost_centre_id: Mapped[int | None] = mapped_column(ForeignKey("cost_centre.id"))

    convention: Mapped[Convention] = relationship(back_populates="startups")
    cost_centre: Mapped[CostCentre | None] = relationship()


class CostCentre(db.Model):
    """A DNUM cost centre (centre de coût) listed in the agreement."""

    __tablename__ = "cost_centre"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    designation: Mapped[str] = mapped_column(String(40))
    centre_label: Mapped[str] = mapped_column(String(120))
