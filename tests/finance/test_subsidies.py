"""Subsidies to operators (article 4.4): the same envelope rules, plus agreed reporting."""

import html
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.finance import subsidies
from app.finance.models import LegalAct, SubsidyReport
from app.finance.rules import RuleError
from tests.conftest import outbox_messages
from tests.finance.factories import commit, cost_centre, envelope, startup


def subsidy(user, amount="300.00", on=date(2026, 2, 1)):
    return commit(user, amount, on, legal_act=LegalAct.SUBSIDY, supplier="Opérateur numérique")


def test_a_subsidy_obeys_the_envelope(delegant, delegataire):
    envelope(delegant, ae="500.00")
    subsidy(delegataire, "300.00")
    with pytest.raises(RuleError, match="Dépassement"):
        subsidy(delegataire, "200.01")


def test_reports_are_expected_only_from_subsidies(delegant, delegataire):
    envelope(delegant)
    contract = commit(delegataire, "100.00", date(2026, 2, 1))
    with pytest.raises(RuleError, match="Seule une subvention"):
        subsidies.expect_report(delegataire, contract, due_on=date(2026, 7, 1), expected="Bilan")
    grant = subsidy(delegataire)
    with pytest.raises(RuleError, match="suit l'engagement"):
        subsidies.expect_report(delegataire, grant, due_on=date(2026, 1, 1), expected="Bilan")


def test_expected_late_and_received_on_the_page_and_in_the_alerts(
    app, client, login_as, delegant, delegataire
):
    envelope(delegant)
    grant = subsidy(delegataire)
    db.session.commit()
    login_as(delegataire)
    response = client.post(
        "/finance/startups/dora/comptes-rendus?annee=2026",
        data={
            "compte-rendu-commitment": str(grant.id),
            "compte-rendu-due_on": "2026-06-01",
            "compte-rendu-expected": "Bilan semestriel",
        },
    )
    assert response.status_code == 303
    page = html.unescape(client.get("/finance/startups/dora?annee=2026").text)
    assert "Bilan semestriel" in page and "en retard" in page  # due 1 June, today 15 June
    dashboard = html.unescape(client.get("/finance/?annee=2026").text)
    assert "Opérateur numérique : Bilan semestriel" in dashboard

    app.test_cli_runner().invoke(args=["finance", "alerts"])
    assert (
        "Dora, Opérateur numérique — Bilan semestriel (en retard)"
        in outbox_messages(app)[0]["body"]
    )

    report = db.session.scalar(select(SubsidyReport))
    assert client.post(f"/finance/comptes-rendus/{report.id}/recu").status_code == 303
    db.session.expire_all()
    assert db.session.get(SubsidyReport, report.id).received_on == date(2026, 6, 15)
    page = html.unescape(client.get("/finance/startups/dora?annee=2026").text)
    assert "reçu le 15/06/2026" in page
    with pytest.raises(RuleError, match="déjà reçu"):
        subsidies.mark_received(delegataire, db.session.get(SubsidyReport, report.id))


def test_the_auditor_cannot_mark_a_report_received(client, login_as, delegant, delegataire):
    from app.accounts.roles import Role
    from tests.finance.factories import finance_user

    envelope(delegant)
    report = subsidies.expect_report(
        delegataire, subsidy(delegataire), due_on=date(2026, 7, 1), expected="Bilan"
    )
    db.session.commit()
    login_as(finance_user(Role.FINANCE_AUDITOR))
    assert client.post(f"/finance/comptes-rendus/{report.id}/recu").status_code == 403


def test_delegataire_sets_the_startup_imputation(client, login_as, delegataire):
    login_as(delegataire)
    try:
        refused = client.post(
            "/finance/startups/reva/imputation",
            data={"imputation-cost_centre": "NOPE", "imputation-activity_code": "X"},
        )
        assert refused.status_code == 422
        assert "Centre de coût inconnu" in html.unescape(refused.text)
        response = client.post(
            "/finance/startups/reva/imputation",
            data={"imputation-cost_centre": "SGSIMTN075", "imputation-activity_code": "ACT-REVA"},
        )
        assert response.status_code == 303
        db.session.expire_all()
        reva = startup("reva")
        assert (reva.cost_centre_id, reva.activity_code) == (
            cost_centre("SGSIMTN075").id,
            "ACT-REVA",
        )
    finally:
        reva = startup("reva")
        reva.cost_centre_id, reva.activity_code = None, ""
        db.session.commit()


def test_a_commitment_carries_the_startup_activity_code(delegant, delegataire):
    envelope(delegant)
    dora = startup("dora")
    dora.activity_code = "ACT-DORA"
    try:
        assert commit(delegataire, "1.00", date(2026, 2, 1)).activity_code == "ACT-DORA"
    finally:
        db.session.rollback()  # the reference start-up keeps its empty activity code
