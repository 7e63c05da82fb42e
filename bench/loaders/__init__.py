"""Dataset loaders of the benchmark, one per service. Each adds its rows in bulk and names its
accounts and key pages. A service that lands adds a module here and one `register(...)` line
(DORA: structures and service sheets; REVA: candidacies; finance: entries)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Account:
    email: str
    password: str
    role: str


@dataclass
class Page:
    name: str
    email: str
    path: str
    form: dict[str, str] | None = None  # POSTed (with the session's CSRF token) when given


@dataclass
class Loaded:
    accounts: list[Account] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)


@dataclass(frozen=True)
class Loader:
    """`load(size, rng) -> Loaded` runs inside an app context on a migrated, seeded database."""

    name: str
    option: str  # the command-line option giving its size, e.g. "notebooks"
    default: int  # the size of `make bench`
    help: str
    load: Callable


LOADERS: list[Loader] = []


def register(loader: Loader) -> None:
    LOADERS.append(loader)


def load_all(sizes: dict[str, int], seed: int = 7) -> Loaded:
    """Run every loader (inside an app context) and merge what they name."""
    import random

    rng = random.Random(seed)
    loaded = Loaded()
    for loader in LOADERS:
        size = sizes.get(loader.option, loader.default)
        if size:
            part = loader.load(size, rng)
            loaded.accounts += part.accounts
            loaded.pages += part.pages
            _advance_sequences()
    return loaded


def _advance_sequences() -> None:
    """Loaders insert rows with explicit ids in bulk: on PostgreSQL, move each id sequence past
    them, so that rows added next through the ORM (by the next loader, or the pages) do not
    collide. SQLite needs nothing (a new id is always past the largest)."""
    from sqlalchemy import text

    from app.extensions import db

    if db.engine.dialect.name != "postgresql":
        return
    db.session.flush()
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement is not False:
            sequence = db.session.scalar(
                text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": f'"{table.name}"'}
            )
            if sequence:
                db.session.execute(
                    text(
                        f'SELECT setval(:sequence, COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'  # noqa: S608 (table names from the metadata)
                    ),
                    {"sequence": sequence},
                )


from bench.loaders import carnet, dora_search, finance, reva  # noqa: E402, F401  (each registers itself)
