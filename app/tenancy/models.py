"""Territories (the tenants) and the structures working in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import NEVER_REUSED, TimestampMixin, UTCDateTime, utcnow
from app.core.scoping import TerritoryScoped
from app.extensions import db


class Territory(db.Model):
    __tablename__ = "territory"
    __table_args__ = (NEVER_REUSED,)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    department_code: Mapped[str] = mapped_column(String(3), unique=True)

    services: Mapped[list[TerritoryService]] = relationship(
        back_populates="territory", cascade="all, delete-orphan"
    )

    def enables(self, service: str) -> bool:
        """The territory runs `service` (the database's switch is the one source of truth)."""
        return any(s.service == service and s.enabled for s in self.services)

    @property
    def enabled_service_keys(self) -> set[str]:
        return {s.service for s in self.services if s.enabled}

    def switch(self, service: str, enabled: bool) -> TerritoryService:
        """Turn a service on or off here (off hides it, a 404, and keeps its data)."""
        row = next((s for s in self.services if s.service == service), None)
        if row is None:
            row = TerritoryService(service=service, enabled=enabled)
            self.services.append(row)
        row.enabled = enabled
        row.changed_at = utcnow()
        return row

    def __repr__(self) -> str:
        return f"<Territory {self.slug}>"


class TerritoryService(db.Model):
    """Whether a territory runs a territorial service (Carnet de bord, DORA…)."""

    __tablename__ = "territory_service"
    __table_args__ = (UniqueConstraint("territory_id", "service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(30))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    territory: Mapped[Territory] = relationship(back_populates="services")


class Structure(TerritoryScoped, TimestampMixin, db.Model):
    """An organisation of a territory: department council, France Travail agency, association…"""

    __tablename__ = "structure"
    __table_args__ = (Index("ix_structure_territory_id_name", "territory_id", "name"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), default="association")
    siret: Mapped[str | None] = mapped_column(String(14))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    commune: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))

    def __repr__(self) -> str:
        return f"<Structure {self.name}>"


STRUCTURE_KINDS = {
    "conseil_departemental": "Conseil départemental",
    "france_travail": "France Travail",
    "mission_locale": "Mission locale",
    "cap_emploi": "Cap emploi",
    "caf": "Caf",
    "ccas": "CCAS",
    "plie": "PLIE",
    "association": "Association d'insertion",
    "organisme_formation": "Organisme de formation",
    "autre": "Autre",
}
