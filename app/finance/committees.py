"""Six-monthly investment committees (article 2): each start-up's indicators and budget are
snapshotted when the committee is recorded; the délégant then records the decision (clause de
revoyure) whose next six months' budget becomes an allocation change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from app.core import audit
from app.core.models import utcnow
from app.extensions import db
from app.finance import allocations, clock, queries
from app.finance.models import (
    AllocationSource,
    Committee,
    CommitteeReview,
    Decision,
    ReviewComment,
    Startup,
)
from app.finance.rules import RuleError
from app.indicators.registry import indicators_for


def budget_snapshot(startup: Startup, on: date) -> dict:
    """The start-up's AE/CP of the year, consumed as of `on`, as strings (exact decimals survive
    JSON)."""
    year = on.year
    row = next(
        (r for r in queries.consumption(year, as_of=on).rows if r.startup.id == startup.id),
        None,
    )
    if row is None:
        return {"year": year}
    return {
        "year": year,
        "ae_allocated": f"{row.ae_allocated:.2f}",
        "committed": f"{row.committed:.2f}",
        "cp_allocated": f"{row.cp_allocated:.2f}",
        "paid": f"{row.paid:.2f}",
    }


def hold(user, *, held_on: date, title: str, startups: list[Startup]) -> Committee:
    """A committee reviews at least one start-up; it is recorded once held (not in the future),
    with each start-up's indicators and budget as they stand now."""
    if held_on > clock.today():
        raise RuleError("held_on", "Un comité s'enregistre une fois tenu : sa date est passée.")
    if not startups:
        raise RuleError("startups", "Choisissez au moins une startup examinée par le comité.")
    committee = Committee(held_on=held_on, title=title.strip(), created_by_id=user.id)
    db.session.add(committee)
    db.session.flush()
    # Indicators as at the end of the committee's day (or now, for a committee held today).
    at = min(
        clock.now(), datetime.combine(held_on, time(23, 59, 59), tzinfo=clock.PARIS)
    ).astimezone(UTC)
    for startup in startups:
        db.session.add(
            CommitteeReview(
                committee_id=committee.id,
                startup_id=startup.id,
                indicators=indicators_for(startup.slug, at),
                budget=budget_snapshot(startup, held_on),
            )
        )
    db.session.flush()
    audit.record(user, "created", "committee", committee.id, title)
    return committee


def decide(
    user,
    review: CommitteeReview,
    *,
    decision: Decision,
    next_year: int,
    next_ae: Decimal | None,
    next_cp: Decimal | None,
    comment: str = "",
) -> None:
    """A review's decision is recorded once; its next six months' budget is added to the
    start-up's envelope of `next_year` as a committee allocation change."""
    if review.decision is not None:
        raise RuleError("decision", "La décision sur cette startup est déjà enregistrée.")
    next_ae, next_cp = next_ae or Decimal("0"), next_cp or Decimal("0")
    if next_ae < 0 or next_cp < 0:
        raise RuleError("next_ae", "Le budget des six prochains mois ne peut être négatif.")
    if decision is Decision.STOP and (next_ae or next_cp):
        raise RuleError("next_ae", "Une startup arrêtée ne reçoit pas de nouveau budget.")
    review.decision = decision
    review.next_year = next_year
    review.next_ae = next_ae
    review.next_cp = next_cp
    review.comment = comment.strip()
    review.decided_by_id = user.id
    review.decided_at = utcnow()
    db.session.flush()
    audit.record(user, "updated", "committee_review", review.id, f"décision: {decision.value}")
    if next_ae or next_cp:
        allocations.change(
            user,
            review.startup,
            next_year,
            ae_delta=next_ae,
            cp_delta=next_cp,
            source=AllocationSource.COMMITTEE,
            reason=(
                f"Comité d'investissement du {review.committee.held_on.strftime('%d/%m/%Y')} : "
                f"{decision.label.lower()}"
            ),
            review=review,
        )


def add_comment(user, review: CommitteeReview, body: str) -> ReviewComment:
    """A party comments a start-up's review; comments are never edited."""
    if not body.strip():
        raise RuleError("body", "Le commentaire est vide.")
    row = ReviewComment(review_id=review.id, author_id=user.id, body=body.strip())
    db.session.add(row)
    db.session.flush()
    audit.record(user, "created", "review_comment", row.id)
    return row
