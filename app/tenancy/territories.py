"""Territories and the services they run: adding one touches no code."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core import audit, spaces
from app.extensions import db
from app.tenancy.models import Territory

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEPARTMENT = re.compile(r"(?a)^(?:\d{2}|2A|2B|97[1-6])$")


class TerritoryError(ValueError):
    """A territory that cannot be added or switched as asked (message in French)."""


def apply_default_services(territory: Territory) -> None:
    """Give the territory a switch for every territorial service it has none for yet, on if the
    service's registration names it among its default territories."""
    known = {row.service for row in territory.services}
    for space in spaces.territorial_spaces():
        if space.key not in known:
            territory.switch(space.key, territory.slug in space.default_territories)


def add_territory(actor, *, slug: str, name: str, department_code: str) -> Territory:
    """A new territory (essaimage after a committee decision), with every service off."""
    slug, name, code = slug.strip().lower(), name.strip(), department_code.strip().upper()
    if not SLUG.match(slug):
        raise TerritoryError("L'identifiant ne contient que des minuscules, chiffres et tirets.")
    if not DEPARTMENT.match(code):
        raise TerritoryError("Le code de département est invalide (ex. 59, 2A, 974).")
    clash = db.session.scalar(
        select(Territory).where((Territory.slug == slug) | (Territory.department_code == code))
    )
    if clash is not None:
        raise TerritoryError(f"Le territoire {clash.name} utilise déjà cet identifiant ou ce code.")
    territory = Territory(slug=slug, name=name, department_code=code)
    db.session.add(territory)
    for space in spaces.territorial_spaces():
        territory.switch(space.key, False)
    db.session.flush()
    audit.record(actor, "created", "territory", territory.id, slug)
    return territory


def set_service(actor, territory: Territory, service: str, enabled: bool) -> None:
    """Switch a territorial service on or off in a territory (off: a 404 there, data kept)."""
    space = spaces.get(service)
    if space is None or not space.territorial:
        raise TerritoryError(f"« {service} » n'est pas un service territorial.")
    territory.switch(service, enabled)
    audit.record(actor, "enabled" if enabled else "disabled", "territory", territory.id, service)


def territory_by_slug_or_error(slug: str) -> Territory:
    territory = db.session.scalar(select(Territory).where(Territory.slug == slug))
    if territory is None:
        raise TerritoryError(f"Aucun territoire « {slug} ».")
    return territory
