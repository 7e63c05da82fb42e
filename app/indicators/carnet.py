"""Carnet de bord indicators: use of the notebooks and answers to the in-app questionnaire.

Computed in the bound territory (tenant scoping adds it to every query) with two aggregate
queries, whatever the number of notebooks or answers.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, func, select

from app.carnet.models import Notebook, SurveyResponse
from app.core import scoping
from app.core.models import utcnow
from app.extensions import db
from app.indicators.registry import Indicator, provider

ACTIVE_WINDOW = timedelta(days=30)

# key: (label, target, unit, what an empty indicator says)
DEFINITIONS = {
    "active_rate": (
        "Carnets actifs (au moins une consultation et une modification dans les 30 derniers jours)",
        60,
        "%",
        "pas encore de carnets",
    ),
    "cohort": ("Personnes accompagnées avec un carnet", 50, "personnes", None),
    "recommends": (
        "Personnes et professionnels qui recommandent le carnet de bord",
        70,
        "%",
        "pas encore de réponses",
    ),
    "avoided_repeating": (
        "Personnes qui n'ont plus eu à répéter leur situation",
        50,
        "%",
        "pas encore de réponses",
    ),
    "helped_lift_barrier": (
        "Personnes aidées à lever un frein",
        30,
        "%",
        "pas encore de réponses",
    ),
    "discovered_information": (
        "Professionnels qui ont découvert une information utile",
        70,
        "%",
        "pas encore de réponses",
    ),
    "time_saved": (
        "Temps de collecte d'informations gagné par les professionnels (moyenne déclarée)",
        50,
        "%",
        "pas encore de réponses",
    ),
}
ORDER = tuple(DEFINITIONS)


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
        "count": count,  # notebooks, or answers for the questionnaire indicators
        "reached": None if value is None else value >= target,
        "empty_label": empty,
    }


def _true_count(column, *conditions):
    return func.coalesce(func.sum(case((and_(column.is_(True), *conditions), 1), else_=0)), 0)


def _answer_count(column, *conditions):
    return func.count(case((and_(column.is_not(None), *conditions), 1)))


def carnet_indicators(now: datetime | None = None) -> dict:
    """The indicators of the bound territory.

    {"notebooks": n, "active_notebooks": n, "indicators": [ordered dicts], <key>: dict, ...}
    Each indicator: label, value (None without data), target, unit, count, reached (None without
    data), empty_label.
    """
    now = now or utcnow()
    since = now - ACTIVE_WINDOW
    active = and_(Notebook.last_viewed_at >= since, Notebook.last_modified_at >= since)
    notebooks, active_notebooks = db.session.execute(
        select(
            func.count(Notebook.id),
            func.coalesce(func.sum(case((active, 1), else_=0)), 0),
        ).where(Notebook.archived_at.is_(None))
    ).one()

    person = SurveyResponse.respondent == "beneficiary"
    professional = SurveyResponse.respondent == "professional"
    survey = db.session.execute(
        select(
            _answer_count(SurveyResponse.recommends),
            _true_count(SurveyResponse.recommends),
            _answer_count(SurveyResponse.avoided_repeating, person),
            _true_count(SurveyResponse.avoided_repeating, person),
            _answer_count(SurveyResponse.helped_lift_barrier, person),
            _true_count(SurveyResponse.helped_lift_barrier, person),
            _answer_count(SurveyResponse.discovered_information, professional),
            _true_count(SurveyResponse.discovered_information, professional),
            _answer_count(SurveyResponse.time_saved_percent, professional),
            func.avg(case((professional, SurveyResponse.time_saved_percent))),
        ).where(SurveyResponse.skipped.is_(False))
    ).one()
    (
        recommends_n,
        recommends_yes,
        repeating_n,
        repeating_yes,
        barrier_n,
        barrier_yes,
        information_n,
        information_yes,
        time_n,
        time_avg,
    ) = survey

    indicators = [
        _indicator("active_rate", _rate(active_notebooks, notebooks), notebooks),
        _indicator("cohort", notebooks, notebooks),
        _indicator("recommends", _rate(recommends_yes, recommends_n), recommends_n),
        _indicator("avoided_repeating", _rate(repeating_yes, repeating_n), repeating_n),
        _indicator("helped_lift_barrier", _rate(barrier_yes, barrier_n), barrier_n),
        _indicator("discovered_information", _rate(information_yes, information_n), information_n),
        _indicator("time_saved", float(time_avg) if time_n else None, time_n),
    ]
    result: dict = {
        "notebooks": notebooks,
        "active_notebooks": active_notebooks,
        "indicators": indicators,
    }
    result.update({i["key"]: i for i in indicators})
    return result


def cached_indicators() -> dict:
    """The bound territory's indicators as the coordination pages show them, kept per process for
    INDICATORS_CACHE_SECONDS (they move by the day): a visit does not aggregate the territory."""
    ttl = current_app.config.get("INDICATORS_CACHE_SECONDS", 0)
    territory_id = scoping.current_territory_id()
    if not ttl or territory_id is None:
        return carnet_indicators()
    cache = current_app.extensions.setdefault("carnet_indicators", {})
    now = time.monotonic()
    kept = cache.get(territory_id)
    if kept is not None and kept[0] > now:
        return kept[1]
    figures = carnet_indicators()
    cache[territory_id] = (now + ttl, figures)
    return figures


@provider("carnet-de-bord")
def committee_indicators(at: datetime) -> list[Indicator]:
    """Carnet de bord's indicators for the investment committee: every territory running it
    (no territory is bound in the national finance space)."""
    return [
        Indicator(i["key"], i["label"], i["value"], i["target"], i["unit"])
        for i in carnet_indicators(at)["indicators"]
    ]
