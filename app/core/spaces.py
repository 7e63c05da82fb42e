"""The registry of spaces: each service registers itself once, and everything else reads it.

Navigation, the user's "Mon espace" page, the landing page after login, the territory admin page
and the access tests all read `all_spaces()`. Adding a service means writing its package and
adding it to `SERVICE_PACKAGES`; adding a territory touches no code (`flask territory add`).

Which territory runs which territorial service is data (`TerritoryService` rows, switched by a
national admin or `flask territory enable|disable`); `default_territories` only seeds them.
National services (REVA, finance) have no territorial switch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint

# The one line to touch when a service is added.
SERVICE_PACKAGES = ("app.carnet", "app.finance", "app.dora")


@dataclass(frozen=True)
class Card:
    """One thing that needs the user now, with where to go for it."""

    title: str
    url: str
    text: str = ""
    count: int | None = None


@dataclass(frozen=True)
class Space:
    key: str
    label: str
    blueprint: Blueprint
    entry_endpoint: str
    roles: frozenset  # roles that see the space (in the territory for territorial spaces)
    territorial: bool = True
    default_territories: tuple[str, ...] = ()
    national_roles: bool = False  # for national spaces: roles are national memberships
    extra_blueprints: tuple[Blueprint, ...] = ()
    # (user, territory or None) -> the cards of what awaits this user in the space
    summary: Callable | None = None
    description: str = ""
    order: int = 100
    # Endpoints open without a session (open data, token-guarded API): the access tests read
    # this list instead of a hand-kept one.
    public_endpoints: tuple[str, ...] = ()
    # Its command groups (flask <group> …), and what `flask seed reference` / `flask seed demo`
    # load for it: the core calls them, it never names a service.
    commands: tuple = ()
    seed_reference: Callable | None = None
    seed_demo: Callable | None = None
    blueprints: tuple[Blueprint, ...] = field(init=False, default=())

    def __post_init__(self):
        object.__setattr__(self, "blueprints", (*self.extra_blueprints, self.blueprint))

    def visible_to(self, user, territory=None) -> bool:
        """The user holds one of the space's roles (there), and the territory runs the space."""
        if not user.is_authenticated:
            return False
        if self.territorial:
            if territory is None or not territory.enables(self.key):
                return False
            return bool(user.roles_in(territory) & self.roles)
        return bool(user.national_roles() & self.roles)

    def cards(self, user, territory=None) -> list[Card]:
        return list(self.summary(user, territory)) if self.summary else []


_registry: dict[str, Space] = {}


def register(space: Space) -> Space:
    _registry[space.key] = space
    return space


def load() -> list[Space]:
    """Import every service package (each registers itself) and return the spaces."""
    for package in SERVICE_PACKAGES:
        importlib.import_module(package)
    return all_spaces()


def all_spaces() -> list[Space]:
    return sorted(_registry.values(), key=lambda s: (s.order, s.label))


def load_reference_data() -> None:
    """Territories, then each service's reference data (idempotent); the caller commits."""
    from app.tenancy.seed import load_territories

    load_territories()
    for space in all_spaces():
        if space.seed_reference:
            space.seed_reference()


def load_demo_data() -> list[dict]:
    """Each service's demo data (idempotent); the caller commits. Returns the demo logins the
    services add (a service's `seed_demo` may return a list of them)."""
    logins: list[dict] = []
    for space in all_spaces():
        if space.seed_demo:
            added = space.seed_demo()
            if isinstance(added, list):
                logins.extend(added)
    return logins


def territorial_spaces() -> list[Space]:
    return [s for s in all_spaces() if s.territorial]


def get(key: str) -> Space | None:
    return _registry.get(key)


def spaces_of(user, territory) -> list[Space]:
    """The territorial spaces `user` sees in `territory`."""
    return [s for s in territorial_spaces() if s.visible_to(user, territory)]


def national_spaces_of(user) -> list[Space]:
    return [s for s in all_spaces() if not s.territorial and s.visible_to(user)]
