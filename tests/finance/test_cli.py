"""`flask finance alerts` and the finance demo data."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts.roles import Role
from app.core.models import OutgoingMail
from app.extensions import db
from app.finance import agreement, queries
from app.finance.models import Amendment, Committee
from tests.conftest import outbox_messages
from tests.factories import member
from tests.finance.factories import commit, envelope, finance_user, stand_on


def test_alerts_mail_deadlines_within_30_days_and_balances(app, delegant, delegataire):
    envelope(delegant, ae="1000.00", cp="500.00")
    commit(delegataire, "400.00", date(2026, 3, 1))
    db.session.commit()
    member(Role.COORDINATOR)  # a territorial role is never mailed
    stand_on(date(2026, 11, 5))
    result = app.test_cli_runner().invoke(args=["finance", "alerts"])
    assert result.exit_code == 0, result.output
    messages = outbox_messages(app)
    assert sorted(m["to"] for m in messages) == sorted([delegant.email, delegataire.email])
    body = messages[0]["body"]
    assert "15/11/2026 : Dialogue de gestion (solde et reports) (article 4.2)" in body
    assert "30/11/2026 : Fin des engagements (AE) et décision sur le solde" in body
    assert "01/12/2026 : Fin de la consommation des CP" in body
    assert "Dora : 600,00\u00a0€ d'AE, 500,00\u00a0€ de CP" in body
    assert db.session.scalar(select(OutgoingMail).where(OutgoingMail.sent_at.is_(None))) is None


def test_alerts_say_nothing_when_nothing_is_due(app, delegant):
    stand_on(date(2026, 3, 1))
    result = app.test_cli_runner().invoke(args=["finance", "alerts"])
    assert "Rien à signaler" in result.output
    assert outbox_messages(app) == []


@pytest.fixture
def restore_startups():
    yield
    for startup in queries.startups():  # reference rows the demo touches
        startup.cost_centre_id, startup.activity_code = None, ""
    db.session.commit()


def test_demo_extends_the_convention_and_fills_a_year(app, restore_startups):
    finance_user(Role.FINANCE_DELEGANT)
    finance_user(Role.FINANCE_DELEGATAIRE)
    from app.core import transaction
    from app.finance.demo import load_demo_finance

    with transaction.unit_of_work():
        assert load_demo_finance() is True
    with transaction.unit_of_work():
        assert load_demo_finance() is False  # idempotent
    convention = queries.current_convention()
    assert agreement.effective_end(convention) == date(2026, 12, 31)
    assert db.session.scalar(select(Amendment).where(Amendment.extends_to.is_not(None)))
    dashboard = queries.consumption(2026)
    assert all(r.committed > 0 and r.paid > 0 for r in dashboard.rows)
    assert all(r.committed <= r.ae_allocated and r.paid <= r.cp_allocated for r in dashboard.rows)
    committee = db.session.scalar(select(Committee))
    assert all(r.decision is not None for r in committee.reviews)
    # The past committee's decisions added to this year's allocation.
    assert dashboard.rows[1].ae_allocated == Decimal("550000") + Decimal("50000")
    # The next committee (six months after the last) is within 30 days: the dashboard flags it.
    due = queries.upcoming_deadlines(date(2026, 6, 15), 30)
    assert any("Comité" in d.label for d in due)
