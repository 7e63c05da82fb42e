"""The in-app questionnaire whose answers feed the Carnet de bord's survey indicators."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, or_, select

from app.accounts.roles import Role
from app.carnet.models import Beneficiary, NotebookMember, SurveyResponse
from app.core.models import utcnow
from app.extensions import db

INTERVAL = timedelta(days=30)


def respondent_kind(user, territory) -> str | None:
    """ "beneficiary" or "professional" for people who use a notebook here, else None."""
    roles = user.roles_in(territory)
    if Role.PROFESSIONAL in roles and db.session.scalar(
        select(exists().where(NotebookMember.user_id == user.id, NotebookMember.active.is_(True)))
    ):
        return "professional"
    if Role.BENEFICIARY in roles and db.session.scalar(
        select(exists().where(Beneficiary.user_id == user.id))
    ):
        return "beneficiary"
    return None


def is_due(user, territory) -> bool:
    """Asked at most once per 30 days (a skip counts), and only to people using a notebook.
    One query (shown on every notebook page)."""
    roles = user.roles_in(territory)
    uses = []
    if Role.PROFESSIONAL in roles:
        uses.append(
            exists().where(NotebookMember.user_id == user.id, NotebookMember.active.is_(True))
        )
    if Role.BENEFICIARY in roles:
        uses.append(exists().where(Beneficiary.user_id == user.id))
    if not uses:
        return False
    since = utcnow() - INTERVAL
    answered = exists().where(SurveyResponse.user_id == user.id, SurveyResponse.answered_at > since)
    return bool(db.session.scalar(select(and_(or_(*uses), ~answered))))


def record(user, territory, answers: dict | None) -> SurveyResponse:
    """Store the answers, or a skip when `answers` is None."""
    response = SurveyResponse(
        user_id=user.id,
        respondent=respondent_kind(user, territory) or "professional",
        skipped=answers is None,
        **(answers or {}),
    )
    db.session.add(response)
    db.session.flush()
    return response
