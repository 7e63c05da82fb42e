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
    return loaded


from bench.loaders import carnet, dora_search, finance, reva  # noqa: E402, F401  (each registers itself)
