"""The log of searches, for the indicators, without personal data: the commune, the theme, the
answers, the filters used, the count; then whether a sheet was opened from the results within
30 minutes and whether an orientation followed. Never a name, never the keywords typed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.core.models import utcnow
from app.dora.models import SearchLog
from app.extensions import db

SAME_SEARCH_MINUTES = 30


def _log(public_id: str) -> SearchLog | None:
    if not public_id:
        return None
    return db.session.scalar(select(SearchLog).where(SearchLog.public_id == public_id))


def _recent(log: SearchLog | None, now: datetime) -> bool:
    return log is not None and log.created_at >= now - timedelta(minutes=SAME_SEARCH_MINUTES)


def record(sid, *, commune_code, theme, answers, filters, with_keywords, count, by_caseworker):
    """One submitted commune + theme + answers is one search: refining its filters (the same
    `sid`, within 30 minutes) updates it; anything else starts a new one."""
    now = utcnow()
    log = _log(sid)
    if (
        _recent(log, now)
        and log.commune_code == commune_code
        and log.theme == theme
        and log.answers == answers
    ):
        log.filters = filters
        log.with_keywords = log.with_keywords or with_keywords
        log.result_count = count
    else:
        log = SearchLog(
            commune_code=commune_code,
            theme=theme,
            answers=answers,
            filters=filters,
            with_keywords=with_keywords,
            result_count=count,
            by_caseworker=by_caseworker,
            created_at=now,
        )
        db.session.add(log)
    db.session.flush()
    return log


def sheet_opened(sid: str) -> SearchLog | None:
    """A sheet opened from the results within 30 minutes: the search "ends on a sheet"."""
    now = utcnow()
    log = _log(sid)
    if not _recent(log, now):
        return None
    if log.sheet_opened_at is None:
        log.sheet_opened_at = now
        db.session.flush()
    return log


def oriented(log: SearchLog | None) -> None:
    """An orientation made from a sheet of its results: the search "leads to an orientation"."""
    if log is not None and log.sheet_opened_at is not None and log.oriented_at is None:
        log.oriented_at = utcnow()
        db.session.flush()


def search_of(sid: str) -> SearchLog | None:
    """The search a sheet was opened from (for the orientation that follows), if still recent."""
    log = _log(sid)
    return log if log is not None and log.sheet_opened_at is not None else None
