"""The log of searches, for the indicators, without personal data: the commune, the theme, the
answers, the filters used, the count; then whether a sheet was opened from the results within
30 minutes and whether an orientation followed. Never a name, never the keywords typed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from app.core.models import utcnow
from app.dora.models import SearchLog
from app.extensions import db

SAME_SEARCH_MINUTES = 30


def _log(public_id: str) -> SearchLog | None:
    if not public_id:
        return None
    return db.session.scalar(select(SearchLog).where(SearchLog.public_id == public_id))


def _recent(log, now: datetime) -> bool:
    return log is not None and log.created_at >= now - timedelta(minutes=SAME_SEARCH_MINUTES)


# Built once: a search page runs it on every request (a new statement is walked for its cache key).
_SAME_SEARCH = select(
    SearchLog.id,
    SearchLog.created_at,
    SearchLog.commune_code,
    SearchLog.theme,
    SearchLog.answers,
    SearchLog.filters,
    SearchLog.with_keywords,
    SearchLog.result_count,
).where(SearchLog.public_id == bindparam("sid"))


def record(sid, *, commune_code, theme, answers, filters, with_keywords, count, by_caseworker):
    """One submitted commune + theme + answers is one search: refining its filters (the same
    `sid`, within 30 minutes) updates it, only if something changed; anything else starts a
    new one. Returns the search's public id."""
    now = utcnow()
    same = db.session.execute(_SAME_SEARCH, {"sid": sid}).first() if sid else None
    if (
        _recent(same, now)
        and same.commune_code == commune_code
        and same.theme == theme
        and same.answers == answers
    ):
        changes = {}
        if same.filters != filters:
            changes["filters"] = filters
        if with_keywords and not same.with_keywords:
            changes["with_keywords"] = True
        if same.result_count != count:
            changes["result_count"] = count
        if changes:
            db.session.execute(update(SearchLog).where(SearchLog.id == same.id).values(changes))
        return sid
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
    return log.public_id


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
