"""Each start-up's indicators for the investment committee, from whichever services exist.

A service's module in `app/indicators/` registers one provider for its start-up:

    @provider("dora")
    def committee_indicators(at: datetime) -> list[Indicator]: ...

`discover()` imports every module of this package, so a fourth start-up joins the committee by
adding its module here, without touching the finance code. A start-up without a provider simply
has no indicators in its report.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    value: float | int | None
    target: float | int | None = None  # None: the agreement sets no number (show value and trend)
    unit: str = ""

    @property
    def reached(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target

    def as_dict(self) -> dict:
        return {**asdict(self), "reached": self.reached}


Provider = Callable[[datetime], list[Indicator]]
_providers: dict[str, Provider] = {}


def provider(startup_slug: str):
    """Register the function computing `startup_slug`'s indicators at a moment."""

    def decorator(function: Provider) -> Provider:
        _providers[startup_slug] = function
        return function

    return decorator


def discover() -> None:
    import app.indicators as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "registry":
            importlib.import_module(f"{package.__name__}.{module.name}")


def registered() -> list[str]:
    discover()
    return sorted(_providers)


def indicators_for(startup_slug: str, at: datetime) -> list[dict] | None:
    """The start-up's indicators as plain dicts (to be snapshotted), or None without a provider."""
    discover()
    function = _providers.get(startup_slug)
    if function is None:
        return None
    return [indicator.as_dict() for indicator in function(at)]
