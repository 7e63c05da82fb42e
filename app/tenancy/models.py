"""Territories (the tenants) and the structures working in them."""

from __future__ import annotations

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import TimestampMixin
from app.core.scoping import TerritoryScoped
from app.extensions import db

SERVICES = {"carnet": "Carnet de bord", "dora": "DORA"}


class Territory(db.Model):
    __tablename__ = "territory"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    department_code: Mapped[str] = mapped_column(String(3), unique=True)
    carnet_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    dora_enabled: Mapped[bool] = mapped_column(Boolean, default=False)

    def enables(self, service: str) -> bool:
        return bool(getattr(self, f"{service}_enabled"))

    @property
    def enabled_services(self) -> list[tuple[str, str]]:
        return [(key, label) for key, label in SERVICES.items() if self.enables(key)]

    def __repr__(self) -> str:
        return f"<Territory {self.slug}>"


class Structure(TerritoryScoped, TimestampMixin, db.Model):
    """An organisation of a territory: department council, France Travail agency, association…"""

    __tablename__ = "structure"
    __table_args__ = (Index("ix_structure_territory_id_name", "territory_id", "name"),)

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
