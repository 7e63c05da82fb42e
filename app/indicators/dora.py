"""DORA's indicators in the agreement, computed from the data of the bound territory:

- 70 % of structures have created at least one service sheet: validated providers with at least
  one published sheet / validated providers;
- 30 % of structures update their services every 15 days: providers all of whose published
  sheets were confirmed or modified in the last 15 days / providers with a published sheet.

One aggregate query, whatever the size of the offer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from app.core.models import utcnow
from app.dora.models import Moderation, Provider, Service, ServiceStatus
from app.extensions import db
from app.indicators.registry import Indicator, provider

FRESH_WINDOW = timedelta(days=15)

DEFINITIONS = {
    "with_sheet_rate": (
        "Structures ayant au moins une fiche service publiée",
        70,
        "%",
        "pas encore de structure validée",
    ),
    "fresh_rate": (
        "Structures dont toutes les fiches publiées ont été actualisées dans les 15 derniers jours",
        30,
        "%",
        "pas encore de fiche publiée",
    ),
}


def _rate(part, whole) -> float | None:
    return 100 * part / whole if whole else None


def _indicator(key: str, value, count: int) -> dict:
    label, target, unit, empty = DEFINITIONS[key]
    return {
        "key": key,
        "label": label,
        "value": value,
        "target": target,
        "unit": unit,
        "count": count,
        "reached": None if value is None else value >= target,
        "empty_label": empty,
    }


def dora_indicators(now: datetime | None = None) -> dict:
    """{"providers", "with_sheet", "fresh", "indicators": [...], <key>: indicator}."""
    since = (now or utcnow()) - FRESH_WINDOW
    refreshed = case(
        (Service.modified_at > Service.last_confirmed_at, Service.modified_at),
        else_=Service.last_confirmed_at,
    )
    per_provider = (
        select(Service.provider_id, func.min(refreshed).label("oldest"))
        .where(Service.status == ServiceStatus.PUBLISHED)
        .group_by(Service.provider_id)
        .subquery()
    )
    providers, with_sheet, fresh = db.session.execute(
        select(
            func.count(Provider.id),
            func.count(per_provider.c.provider_id),
            func.coalesce(func.sum(case((per_provider.c.oldest >= since, 1), else_=0)), 0),
        )
        .select_from(Provider)
        .outerjoin(per_provider, per_provider.c.provider_id == Provider.id)
        .where(Provider.moderation == Moderation.VALIDATED)
    ).one()
    indicators = [
        _indicator("with_sheet_rate", _rate(with_sheet, providers), providers),
        _indicator("fresh_rate", _rate(fresh, with_sheet), with_sheet),
    ]
    result: dict = {
        "providers": providers,
        "with_sheet": with_sheet,
        "fresh": fresh,
        "indicators": indicators,
    }
    result.update({i["key"]: i for i in indicators})
    return result


@provider("dora")
def committee_indicators(at: datetime) -> list[Indicator]:
    """DORA's indicators for the investment committee: every territory running it (no territory
    is bound in the national finance space): structures with sheets, freshness, and searches
    ending on a sheet or an orientation (rates, in %)."""
    from app.indicators.dora_search import search_indicators

    return [
        Indicator(i["key"], i["label"], i["value"], i["target"], i["unit"])
        for i in dora_indicators(at)["indicators"]
    ] + [
        Indicator(i["key"], i["label"], i["value"], i["target"], "%")
        for i in search_indicators(at)["indicators"]
    ]
