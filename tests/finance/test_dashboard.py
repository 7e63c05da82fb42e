"""The dashboard's monthly chart from aggregate queries, and its cost at ledger sizes."""

from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select

from app.core.querycount import count_queries
from app.extensions import db
from app.finance import ledger, queries
from app.finance.models import Commitment, Payment
from tests.finance.factories import commit, cost_centre, envelope, stand_on, startup


def test_the_chart_sums_the_ledger_by_month_net_of_cancellations(delegant, delegataire):
    envelope(delegant, ae="1000.00", cp="1000.00")
    envelope(delegant, year=2027, ae="500.00", cp="500.00")
    envelope(delegant, slug="reva", ae="1000.00", cp="1000.00")
    january = commit(delegataire, "100.10", date(2026, 1, 20))
    march = commit(delegataire, "200.00", date(2026, 3, 3))
    commit(delegataire, "7.00", date(2026, 3, 9), slug="reva")
    paid = ledger.record_payment(
        delegataire, january, paid_on=date(2026, 2, 10), amount=Decimal("60.00")
    )
    ledger.cancel_payment(
        delegataire, paid, cancelled_on=date(2026, 4, 1), amount=Decimal("10.00"), reason="Trop"
    )
    ledger.cancel_commitment(
        delegataire, march, cancelled_on=date(2026, 4, 2), amount=Decimal("50.00"), reason="Moins"
    )
    stand_on(date(2027, 1, 15))
    ledger.record_payment(  # a 2026 commitment paid in 2027: 2027's CP, not 2026's
        delegataire, march, paid_on=date(2027, 1, 10), amount=Decimal("30.00")
    )
    db.session.commit()

    series = queries.cumulative_by_month(2026)
    assert series[0] == (1, Decimal("100.10"), Decimal("0"))
    assert series[1] == (2, Decimal("100.10"), Decimal("60.00"))
    assert series[2] == (3, Decimal("307.10"), Decimal("60.00"))
    assert series[3] == (4, Decimal("257.10"), Decimal("50.00"))
    assert series[11] == (12, Decimal("257.10"), Decimal("50.00"))
    assert queries.cumulative_by_month(2027)[0] == (1, Decimal("0"), Decimal("30.00"))
    # Only the start-ups carried by the chosen cost centre.
    startup("reva").cost_centre_id = cost_centre("SGSIARS075").id
    assert queries.cumulative_by_month(2026, cost_centre("SGSIARS075").id)[11][1:] == (
        Decimal("7.00"),
        Decimal("0"),
    )


def _bulk_ledger(n: int) -> None:
    """`n` commitments of 1 € and as many payments of 0.50 € for Dora in 2026, inserted as
    rows (the rules are not what this measures)."""
    dora = startup()
    envelope_id = queries.envelope_of(dora.id, 2026).id
    common = {
        "startup_id": dora.id,
        "envelope_id": envelope_id,
        "amount": Decimal("1.00"),
        "legal_act": "public_contract",
        "supplier": "Prestataire",
        "object": "Développement",
        "functional_domain": "0363-01",
        "financial_centre": "0363-CDBR",
        "cost_centre_id": cost_centre().id,
    }
    rows = [{**common, "committed_on": date(2026, 1 + k % 11, 1)} for k in range(n)]
    db.session.execute(insert(Commitment), rows)
    ids = db.session.scalars(select(Commitment.id).order_by(Commitment.id)).all()[-n:]
    db.session.execute(
        insert(Payment),
        [
            {
                "commitment_id": i,
                "envelope_id": envelope_id,
                "amount": Decimal("0.50"),
                "paid_on": date(2026, 6, 1),
            }
            for i in ids
        ],  # fmt: skip
    )
    db.session.commit()


def test_dashboard_queries_are_the_same_for_10_and_1000_entries(
    client, login_as, delegant, delegataire
):
    envelope(delegant, ae="100000.00", cp="100000.00")
    login_as(delegataire)

    def dashboard():
        with count_queries() as statements:
            response = client.get("/finance/?annee=2026")
        assert response.status_code == 200
        return len(statements), " ".join(response.text.split())

    _bulk_ledger(10)
    few, _ = dashboard()
    _bulk_ledger(990)
    many, page = dashboard()
    assert many == few
    assert "1 000,00 €" in page  # committed in total, from the aggregate


def test_a_year_out_of_range_shows_this_year(client, login_as, delegataire):
    login_as(delegataire)
    for asked in ("99999999999999999999", "0", "-5", "abc", "10000"):
        for path in ("/finance/", "/finance/export.csv", "/finance/export.xlsx"):
            response = client.get(f"{path}?annee={asked}")
            assert response.status_code == 200, (path, asked)
