"""REVA indicators, computed from the candidacies' history (national).

Delays are measured between milestones of the history (`reva_candidacy_event`): one query reads
the events that matter, whatever the number of candidacies, and Python pairs them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.core.models import utcnow
from app.extensions import db
from app.indicators.registry import Indicator, provider
from app.reva.candidacies import LATE_DECISION_DAYS
from app.reva.models import Candidacy, CandidacyEvent, Status, SurveyAnswer

DECISIONS = (Status.ADMISSIBLE, Status.NOT_ADMISSIBLE, Status.FEASIBILITY_INCOMPLETE)
DELAYS = (
    (
        "submitted_to_taken",
        "Candidature envoyée → prise en charge",
        Status.SUBMITTED,
        (Status.TAKEN_IN_CHARGE,),
    ),
    (
        "feasibility_to_decision",
        "Dossier de faisabilité envoyé → décision",
        Status.FEASIBILITY_SENT,
        DECISIONS,
    ),
    (
        "admissible_to_jury",
        "Recevable → jury programmé",
        Status.ADMISSIBLE,
        (Status.JURY_SCHEDULED,),
    ),
)


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (p in 0–100); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Delay:
    key: str
    label: str
    count: int
    median: float | None
    p80: float | None


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def delays_between(events_by_candidacy: dict[int, list[tuple]], start: Status, ends) -> list[float]:
    """For each time a candidacy reached `start`, the days until it next reached one of `ends`."""
    out = []
    for events in events_by_candidacy.values():
        for i, (status, at) in enumerate(events):
            if status is not start:
                continue
            end = next(((s, a) for s, a in events[i + 1 :] if s in ends or s is start), None)
            if end is not None and end[0] in ends:
                out.append(_days(at, end[1]))
    return out


def compute(now: datetime | None = None) -> dict:
    """Every REVA indicator of the national view; delays and drop-outs from the history up to
    `now` (a committee's date), counts by status as they stand."""
    now = now or utcnow()
    by_status = {
        Status(s): n
        for s, n in db.session.execute(
            select(Candidacy.status, func.count()).group_by(Candidacy.status)
        )
    }
    rows = db.session.execute(
        select(
            CandidacyEvent.candidacy_id,
            CandidacyEvent.to_status,
            CandidacyEvent.at,
            CandidacyEvent.from_status,
        )
        .where(CandidacyEvent.at <= now)
        .order_by(CandidacyEvent.candidacy_id, CandidacyEvent.id)
    ).all()
    events = defaultdict(list)
    dropped_from = Counter()
    for candidacy_id, to_status, at, from_status in rows:
        events[candidacy_id].append((to_status, at))
        if to_status is Status.DROPPED_OUT:
            dropped_from[from_status] += 1
    delays = []
    for key, label, start, ends in DELAYS:
        values = delays_between(events, start, ends)
        delays.append(
            Delay(key, label, len(values), percentile(values, 50), percentile(values, 80))
        )
    decision_delays = delays_between(events, Status.FEASIBILITY_SENT, DECISIONS)
    late_decisions = sum(1 for d in decision_delays if d > LATE_DECISION_DAYS)
    pending_late = db.session.scalar(
        select(func.count()).where(
            Candidacy.status == Status.FEASIBILITY_SENT,
            Candidacy.status_changed_at < now - timedelta(days=LATE_DECISION_DAYS),
        )
    )
    submitted = sum(n for s, n in by_status.items() if s is not Status.PROJECT)
    dropped = by_status.get(Status.DROPPED_OUT, 0)
    survey = db.session.execute(
        select(
            func.count(SurveyAnswer.id),
            func.sum(func.cast(SurveyAnswer.recruited_thanks_to_reva, db.Integer)),
            func.count(SurveyAnswer.recruited_thanks_to_reva),
            func.avg(SurveyAnswer.self_confidence),
        )
    ).one()
    return {
        "by_status": by_status,
        "total": sum(by_status.values()),
        "submitted": submitted,
        "delays": delays,
        "dropped": dropped,
        "dropout_rate": _rate(dropped, submitted),
        "dropped_from": sorted(dropped_from.items(), key=lambda kv: -kv[1]),
        "decisions": len(decision_delays),
        "late_decisions": late_decisions,
        "late_decision_rate": _rate(late_decisions, len(decision_delays)),
        "pending_late_decisions": pending_late,
        "survey_answers": survey[0],
        "recruited_rate": _rate(survey[1] or 0, survey[2]),
        "self_confidence": round(float(survey[3]), 1) if survey[3] is not None else None,
    }


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# REVA's annex sets no numeric target: the committee report shows each value with its trend.
DELAY_LABELS = {
    "submitted_to_taken": "Délai médian entre l'envoi de la candidature et sa prise en charge",
    "feasibility_to_decision": (
        "Délai médian de réponse du certificateur (dossier de faisabilité → décision)"
    ),
    "admissible_to_jury": "Délai médian entre la recevabilité et le jury programmé",
}


@provider("reva")
def committee_indicators(at: datetime) -> list[Indicator]:
    """REVA's indicators for the investment committee: delays, drop-outs, certifier response."""
    data = compute(at)
    delays = [
        Indicator(f"{d.key}_median", DELAY_LABELS[d.key], d.median, None, "jours")
        for d in data["delays"]
    ]
    return [
        *delays,
        Indicator(
            "dropout_rate",
            "Abandons parmi les candidatures envoyées",
            data["dropout_rate"],
            None,
            "%",
        ),
        Indicator(
            "late_decision_rate",
            f"Décisions du certificateur rendues après {LATE_DECISION_DAYS} jours",
            data["late_decision_rate"],
            None,
            "%",
        ),
        Indicator(
            "pending_late_decisions",
            f"Dossiers de faisabilité sans décision depuis plus de {LATE_DECISION_DAYS} jours",
            data["pending_late_decisions"],
            None,
            "dossiers",
        ),
    ]
