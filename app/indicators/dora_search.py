"""DORA's search indicators in the agreement, from the search log of the bound territory (no
personal data there):

- 50 % of searches end on a service sheet (a sheet opened from the results within 30 minutes);
- 30 % of searches lead to an orientation (made from such a sheet);
- 30 % of caseworkers say they save time (the in-app question, at most once a month);

and, for later phases, the delay between the search and the person's start, and the tension
between offer and demand by theme and commune (searches without result, "no solution" reports).
A fixed number of aggregate queries, whatever the number of searches.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select

from app.core.models import utcnow
from app.dora.models import (
    FeedbackKind,
    Orientation,
    SearchFeedback,
    SearchLog,
    TimeSavedAnswer,
)
from app.extensions import db
from app.indicators.dora import _rate

PERIOD = timedelta(days=90)

DEFINITIONS = {
    "sheet_rate": ("Recherches aboutissant sur une fiche solution", 50, "recherche"),
    "orientation_rate": ("Recherches aboutissant à une orientation", 30, "recherche"),
    "time_saved_rate": ("Accompagnateurs déclarant gagner du temps", 30, "réponse"),
}


def _indicator(key: str, part: int, whole: int) -> dict:
    label, target, unit = DEFINITIONS[key]
    value = _rate(part, whole)
    return {
        "key": key,
        "label": label,
        "value": value,
        "target": target,
        "count": whole,
        "unit": unit,
        "reached": None if value is None else value >= target,
    }


def search_indicators(now: datetime | None = None, period: timedelta = PERIOD) -> dict:
    """The three indicators against their targets, the delay to start, and the tension."""
    now = now or utcnow()
    since = now - period
    searches, on_sheet, oriented = db.session.execute(
        select(
            func.count(SearchLog.id),
            func.count(SearchLog.sheet_opened_at),
            func.count(SearchLog.oriented_at),
        ).where(SearchLog.created_at >= since)
    ).one()
    # Each caseworker's latest answer of the period counts once.
    latest = (
        select(TimeSavedAnswer.user_id, func.max(TimeSavedAnswer.id).label("id"))
        .where(TimeSavedAnswer.at >= since, TimeSavedAnswer.saved_time.is_not(None))
        .group_by(TimeSavedAnswer.user_id)
        .subquery()
    )
    answered, saved = db.session.execute(
        select(
            func.count(TimeSavedAnswer.id),
            func.coalesce(func.sum(case((TimeSavedAnswer.saved_time.is_(True), 1), else_=0)), 0),
        ).join(latest, latest.c.id == TimeSavedAnswer.id)
    ).one()
    starts = db.session.execute(
        select(Orientation.started_on, SearchLog.created_at)
        .join(SearchLog, SearchLog.id == Orientation.search_id)
        .where(Orientation.started_on.is_not(None), SearchLog.created_at >= since)
    ).all()
    delays = sorted((start - searched.date()).days for start, searched in starts)
    return {
        "indicators": [
            _indicator("sheet_rate", on_sheet, searches),
            _indicator("orientation_rate", oriented, searches),
            _indicator("time_saved_rate", int(saved), answered),
        ],
        "searches": searches,
        "median_days_to_start": delays[len(delays) // 2] if delays else None,
        "starts": len(delays),
        "tension": tension(since),
    }


def tension(since: datetime, limit: int = 20) -> list[dict]:
    """Unmet demand by theme and commune: searches, searches without any result and "no
    solution" reports; the most strained first."""
    searched = (
        select(
            SearchLog.theme.label("theme"),
            SearchLog.commune_code.label("commune"),
            func.count(SearchLog.id).label("searches"),
            func.sum(case((SearchLog.result_count == 0, 1), else_=0)).label("empty"),
        )
        .where(SearchLog.created_at >= since)
        .group_by(SearchLog.theme, SearchLog.commune_code)
        .subquery()
    )
    reported = (
        select(
            SearchFeedback.theme.label("theme"),
            SearchFeedback.commune_code.label("commune"),
            func.count(SearchFeedback.id).label("reports"),
        )
        .where(SearchFeedback.kind == FeedbackKind.NO_SOLUTION, SearchFeedback.created_at >= since)
        .group_by(SearchFeedback.theme, SearchFeedback.commune_code)
        .subquery()
    )
    unmet = func.coalesce(searched.c.empty, 0) + func.coalesce(reported.c.reports, 0)
    rows = db.session.execute(
        select(
            searched.c.theme,
            searched.c.commune,
            searched.c.searches,
            func.coalesce(searched.c.empty, 0),
            func.coalesce(reported.c.reports, 0),
        )
        .outerjoin(
            reported,
            and_(reported.c.theme == searched.c.theme, reported.c.commune == searched.c.commune),
        )
        .where(unmet > 0)
        .order_by(unmet.desc(), searched.c.searches.desc(), searched.c.theme, searched.c.commune)
        .limit(limit)
    ).all()
    from app.dora.queries import communes_by_code
    from app.dora.questions import theme_label

    names = communes_by_code(r[1] for r in rows)
    return [
        {
            "theme": theme_label(theme),
            "commune": names[code].name if code in names else code,
            "searches": searches,
            "empty": int(empty),
            "reports": int(reports),
            "rate": _rate(int(empty) + int(reports), searches),
        }
        for theme, code, searches, empty, reports in rows
    ]
