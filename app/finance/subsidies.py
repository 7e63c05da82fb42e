"""Reporting on subsidies to operators (article 4.4): the délégataire sets with each start-up
what it expects and by when, and records what arrives."""

from __future__ import annotations

from datetime import date

from app.core import audit
from app.extensions import db
from app.finance import clock
from app.finance.models import Commitment, LegalAct, SubsidyReport
from app.finance.rules import RuleError


def expect_report(user, commitment: Commitment, *, due_on: date, expected: str) -> SubsidyReport:
    """Only a subsidy carries reporting; it is due after the subsidy is committed."""
    if commitment.legal_act is not LegalAct.SUBSIDY:
        raise RuleError(
            "commitment", "Seule une subvention à un opérateur donne lieu à un compte rendu."
        )
    if due_on < commitment.committed_on:
        raise RuleError("due_on", "L'échéance du compte rendu suit l'engagement de la subvention.")
    if not expected.strip():
        raise RuleError("expected", "Indiquez ce qui est attendu.")
    report = SubsidyReport(
        commitment_id=commitment.id,
        due_on=due_on,
        expected=expected.strip(),
        recorded_by_id=getattr(user, "id", None),
    )
    db.session.add(report)
    db.session.flush()
    audit.record(user, "created", "subsidy_report", report.id, f"échéance {due_on.isoformat()}")
    return report


def mark_received(user, report: SubsidyReport, *, received_on: date | None = None) -> None:
    """A report is received once, on a date not after today."""
    received_on = received_on or clock.today()
    if report.received_on is not None:
        raise RuleError("received_on", "Ce compte rendu est déjà reçu.")
    if received_on > clock.today():
        raise RuleError("received_on", "La date de réception ne peut pas être dans le futur.")
    report.received_on = received_on
    db.session.flush()
    audit.record(user, "updated", "subsidy_report", report.id, "reçu")
