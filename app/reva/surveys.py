"""The candidate's optional in-app survey (employability, self-confidence). Flush, no commit."""

from __future__ import annotations

from sqlalchemy import select

from app.core import audit
from app.extensions import db
from app.reva.models import Candidacy, Status, SurveyAnswer

# Asked once the file has been worked on: from admissibility on, and at the end of the path.
ASKED_FROM = frozenset(
    {
        Status.ADMISSIBLE,
        Status.VALIDATION_SENT,
        Status.JURY_SCHEDULED,
        Status.FULL_VALIDATION,
        Status.PARTIAL_VALIDATION,
        Status.FAILURE,
        Status.NOT_ADMISSIBLE,
    }
)


def is_asked(candidacy: Candidacy) -> bool:
    return candidacy.status in ASKED_FROM


def answer_of(candidacy: Candidacy) -> SurveyAnswer | None:
    return db.session.scalar(select(SurveyAnswer).where(SurveyAnswer.candidacy_id == candidacy.id))


def answer(candidacy: Candidacy, user, recruited: bool | None, confidence: int | None) -> None:
    """Record (or update) the candidate's one answer for this candidacy."""
    row = answer_of(candidacy)
    if row is None:
        row = SurveyAnswer(candidacy_id=candidacy.id)
        db.session.add(row)
    row.recruited_thanks_to_reva = recruited
    row.self_confidence = confidence
    db.session.flush()
    audit.record(user, "reva_survey_answered", "reva_candidacy", candidacy.id, "questionnaire")
