"""The ledger exports: CHORUS columns, exact totals, cells never read as formulas."""

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from app.extensions import db
from app.finance import ledger
from app.finance.exports import COLUMNS
from tests.finance.factories import commit, envelope


def _ledger(delegant, delegataire):
    envelope(delegant, ae="10000.00", cp="10000.00")
    first = commit(
        delegataire,
        "1234.56",
        date(2026, 2, 3),
        supplier='=HYPERLINK("http://evil")',
        object="+cmd|' /C calc'!A0",
        chorus_number="1300042",
    )
    commit(delegataire, "100.00", date(2026, 2, 4), supplier="@SUM(1)")
    payment = ledger.record_payment(
        delegataire, first, paid_on=date(2026, 3, 1), amount=Decimal("1000.00"), chorus_number="DP1"
    )
    ledger.cancel_payment(
        delegataire, payment, cancelled_on=date(2026, 3, 2), amount=Decimal("0.56"), reason="-avoir"
    )


def test_csv_has_the_chorus_columns_totals_and_no_formula(client, login_as, delegant, delegataire):
    _ledger(delegant, delegataire)
    login_as(delegant)
    response = client.get("/finance/export.csv?annee=2026")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="grand-livre-2026.csv"'
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == COLUMNS
    first = dict(zip(COLUMNS, rows[1], strict=True))
    assert first["Date"] == "03/02/2026"
    assert first["Nature"] == "Engagement"
    assert first["Domaine fonctionnel"] == "0363-04-01"
    assert first["Centre financier"] == "0363-DNUM-CSOC"
    assert first["Centre de coût"] == "SGSIFAB075"
    assert first["Fournisseur"] == '\'=HYPERLINK("http://evil")'
    assert first["Objet"].startswith("'+cmd")
    assert first["Montant AE (€)"] == "1234,56"
    assert first["N° CHORUS"] == "1300042"
    assert [r[1] for r in rows[1:-1]] == [
        "Engagement",
        "Engagement",
        "Paiement",
        "Annulation de paiement",
    ]
    assert rows[2][8] == "'@SUM(1)"
    assert rows[4][14] == "'-avoir"
    assert rows[-1][0] == "Total"
    assert (rows[-1][11], rows[-1][12]) == ("1334,56", "999,44")
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@")), cell


def test_xlsx_has_numbers_totals_and_text_cells(client, login_as, delegant, delegataire):
    from app.accounts.roles import Role
    from tests.finance.factories import finance_user

    _ledger(delegant, delegataire)
    login_as(finance_user(Role.FINANCE_AUDITOR))
    response = client.get("/finance/export.xlsx?annee=2026")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == COLUMNS
    assert values[1][8] == '\'=HYPERLINK("http://evil")'
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert values[-1][0] == "Total"
    assert (Decimal(str(values[-1][11])), Decimal(str(values[-1][12]))) == (
        Decimal("1334.56"),
        Decimal("999.44"),
    )
    assert values[1][0].date() == date(2026, 2, 3)


def test_export_of_an_empty_year_has_only_headers_and_zero_totals(client, login_as, delegant):
    login_as(delegant)
    rows = list(
        csv.reader(
            io.StringIO(client.get("/finance/export.csv?annee=2030").data.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert rows[0] == COLUMNS and rows[1][0] == "Total" and rows[1][11] == "0,00"


def test_consumption_as_json_with_exact_amounts(client, login_as, delegant, delegataire):
    _ledger(delegant, delegataire)
    login_as(delegant)
    body = client.get("/finance/consommation.json?annee=2026").get_json()
    assert body["year"] == 2026
    dora = next(s for s in body["startups"] if s["startup"] == "dora")
    assert dora == {
        "startup": "dora",
        "ae_allocated": "10000.00",
        "committed": "1334.56",
        "ae_remaining": "8665.44",
        "cp_allocated": "10000.00",
        "paid": "999.44",
        "cp_remaining": "9000.56",
    }
    assert body["total"]["committed"] == "1334.56"


def test_chorus_numbers_retranscribed_later_appear_in_the_exports(
    client, login_as, delegant, delegataire
):
    import html as html_module

    envelope(delegant, ae="1000.00", cp="1000.00")
    first = commit(delegataire, "100.00", date(2026, 2, 1))  # no CHORUS number yet
    payment = ledger.record_payment(
        delegataire, first, paid_on=date(2026, 3, 1), amount=Decimal("40")
    )
    db.session.commit()
    login_as(delegataire)
    saved = client.post(
        "/finance/startups/dora/chorus?annee=2026",
        data={"chorus-entry": f"c-{first.id}", "chorus-number": "1300777"},
    )
    assert saved.status_code == 303
    again = client.post(
        "/finance/startups/dora/chorus?annee=2026",
        data={"chorus-entry": f"c-{first.id}", "chorus-number": "1300778"},
    )
    assert again.status_code == 422
    assert "déjà son numéro CHORUS" in html_module.unescape(again.text)
    empty = client.post(
        "/finance/startups/dora/chorus?annee=2026",
        data={"chorus-entry": f"p-{payment.id}", "chorus-number": ""},
    )
    assert empty.status_code == 422
    assert (
        client.post(
            "/finance/startups/reva/chorus?annee=2026",
            data={"chorus-entry": f"p-{payment.id}", "chorus-number": "X"},
        ).status_code
        == 404
    )  # another start-up's entry
    assert (
        client.post(
            "/finance/startups/dora/chorus?annee=2026",
            data={"chorus-entry": f"p-{payment.id}", "chorus-number": "DP42"},
        ).status_code
        == 303
    )
    rows = list(
        csv.reader(
            io.StringIO(client.get("/finance/export.csv?annee=2026").data.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert [(r[1], r[13]) for r in rows[1:-1]] == [("Engagement", "1300777"), ("Paiement", "DP42")]
