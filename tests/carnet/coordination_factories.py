"""Helpers for the coordination and indicator tests: notebooks with activity dates, survey
answers, spreadsheet files."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import Workbook

from app.accounts.roles import Role
from app.carnet.models import SurveyResponse
from app.core.models import utcnow
from app.extensions import db
from tests.carnet.factories import NotebookFactory
from tests.factories import member, territory


def notebook_with_activity(
    slug="seine-saint-denis",
    *,
    viewed_days_ago=None,
    modified_days_ago=None,
    archived=False,
    now=None,
):
    """A notebook last viewed / modified that many days before `now` (None: never)."""
    now = now or utcnow()
    return NotebookFactory(
        territory_id=territory(slug).id,
        last_viewed_at=None if viewed_days_ago is None else now - timedelta(days=viewed_days_ago),
        last_modified_at=None
        if modified_days_ago is None
        else now - timedelta(days=modified_days_ago),
        archived_at=now - timedelta(days=1) if archived else None,
    )


def survey_answer(respondent="beneficiary", slug="seine-saint-denis", skipped=False, **answers):
    """One questionnaire answer (or skip) by a new respondent of the territory `slug`."""
    role = Role.BENEFICIARY if respondent == "beneficiary" else Role.PROFESSIONAL
    user = member(role, slug)
    response = SurveyResponse(
        user_id=user.id,
        territory_id=territory(slug).id,
        respondent=respondent,
        skipped=skipped,
        **answers,
    )
    db.session.add(response)
    db.session.commit()
    return response


def csv_bytes(rows, separator=";", encoding="utf-8-sig") -> bytes:
    return "\n".join(separator.join(str(c) for c in row) for row in rows).encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
