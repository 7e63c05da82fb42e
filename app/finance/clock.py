"""The one clock every finance rule reads, in Europe/Paris.

Tests (and a demo standing on another date) inject it through the `FINANCE_CLOCK` setting: a
callable returning an aware datetime.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

PARIS = ZoneInfo("Europe/Paris")


def now() -> datetime:
    source = current_app.config.get("FINANCE_CLOCK") if has_app_context() else None
    moment = source() if source else datetime.now(UTC)
    return moment.astimezone(PARIS)


def today() -> date:
    """Today in Paris: what deadlines and entry dates are judged against."""
    return now().date()
