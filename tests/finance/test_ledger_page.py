"""A start-up's finance page shows one page of its ledger, latest first, with the envelope's
totals over every entry; the SQL statements do not grow with the ledger."""

import html
import re
from datetime import date
from decimal import Decimal

from app.core.querycount import count_queries
from app.extensions import db
from app.finance import ledger
from app.finance.models import LegalAct
from tests.finance.factories import commit, envelope
from tests.finance.test_dashboard import _bulk_ledger

URL = "/finance/startups/dora?annee=2026"


def _page(client, url=URL):
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    text = html.unescape(response.text).replace("\u202f", " ").replace("\u00a0", " ")
    ledger = text.split('id="grand-livre"')[1].split("</table>")[0]
    return len(statements), text, re.findall(r'id="chorus-([cp]-\d+)"', ledger)


def _reste(text, kind):
    return re.search(rf'data-testid="reste-{kind}">([^<]+)<', text).group(1)


def test_the_ledger_is_paged_by_50_latest_first_and_totals_cover_every_entry(
    client, login_as, delegant, delegataire
):
    envelope(delegant, ae="1000.00", cp="1000.00")
    _bulk_ledger(60)  # 60 commitments of 1 € (January to November), 60 payments of 0.50 €
    login_as(delegataire)

    _, first, rows = _page(client)
    assert len(rows) == 50
    assert "Grand livre 2026 (120 écritures, les plus récentes d'abord — page 1)" in first
    assert 'href="/finance/startups/dora?annee=2026&page=2#grand-livre"' in first
    assert "Page précédente" not in first
    assert rows[0].startswith("c-")  # November's commitments come before June's payments
    assert _reste(first, "ae") == "940,00 €" and _reste(first, "cp") == "970,00 €"

    _, second, rows_2 = _page(client, URL + "&page=2")
    _, third, rows_3 = _page(client, URL + "&page=3")
    assert len(rows_2) == 50 and len(rows_3) == 20
    assert len(set(rows + rows_2 + rows_3)) == 120  # each entry on exactly one page
    assert 'href="/finance/startups/dora?annee=2026&page=1#grand-livre"' in second
    assert "Page suivante" not in third
    assert _reste(third, "ae") == "940,00 €" and _reste(third, "cp") == "970,00 €"

    # Beyond the last page: the last page (a stale link still shows rows and a way back).
    assert _page(client, URL + "&page=99")[2] == rows_3
    for odd in ("0", "-3", "abc", "99999999999999"):
        assert _page(client, URL + "&page=" + odd)[2] == rows


def test_the_page_runs_the_same_statements_for_10_and_1000_entries(
    client, login_as, delegant, delegataire
):
    envelope(delegant, ae="100000.00", cp="100000.00")
    login_as(delegataire)
    _bulk_ledger(5)
    few, _, rows = _page(client)
    assert len(rows) == 10
    _bulk_ledger(495)
    many, text, rows = _page(client)
    assert many == few
    assert len(rows) == 50 and "(1000 écritures" in text
    assert len(text.encode()) < 100_000  # no choice list of every entry on the page


def test_payment_and_cancellation_have_their_own_page_with_every_open_entry(
    client, login_as, delegant, delegataire
):
    envelope(delegant, ae="1000.00", cp="1000.00")
    _bulk_ledger(60)
    login_as(delegataire)
    start = html.unescape(client.get(URL).text)
    assert 'href="/finance/startups/dora/paiements?annee=2026"' in start
    assert "Enregistrer le paiement" not in start
    payment = html.unescape(client.get("/finance/startups/dora/paiements?annee=2026").text)
    assert "Enregistrer le paiement" in payment and payment.count("reste 0,50") == 60
    cancellation = client.get("/finance/startups/dora/annulations?annee=2026")
    assert cancellation.text.count('value="p-') == 60 and cancellation.text.count('value="c-') == 60
    login_as(delegant)
    assert client.get("/finance/startups/dora/paiements").status_code == 403


def test_the_page_orders_and_counts_every_kind_of_entry_of_its_start_up_and_year(
    client, login_as, delegant, delegataire
):
    """Sorted and counted on the entries' keys: the four kinds, latest first (same day: the
    cancellations after what they cancel), nothing of another start-up or year."""
    envelope(delegant, ae="1000.00", cp="1000.00")
    envelope(delegant, slug="reva", ae="1000.00", cp="1000.00")
    envelope(delegant, year=2025, ae="1000.00", cp="1000.00")
    day = date(2026, 3, 2)
    commitment = commit(delegataire, "100.00", day)
    payment = ledger.record_payment(delegataire, commitment, paid_on=day, amount=Decimal("40"))
    ledger.cancel_commitment(
        delegataire, commitment, cancelled_on=day, amount=Decimal("10"), reason="Trop engagé"
    )
    ledger.cancel_payment(
        delegataire, payment, cancelled_on=day, amount=Decimal("5"), reason="Trop payé"
    )
    commit(delegataire, "7.00", date(2026, 1, 5), supplier="Le plus ancien")
    commit(delegataire, "9.00", day, slug="reva", supplier="Une autre startup")
    commit(delegataire, "11.00", date(2025, 3, 4), supplier="Une autre année")
    db.session.commit()
    login_as(delegataire)

    _, text, _ = _page(client)
    ledger_html = text.split('id="grand-livre"')[1].split("</table>")[0]
    assert "Grand livre 2026 (5 écritures)" in ledger_html
    kinds = re.findall(r"<td>\d\d/\d\d/\d{4}</td><td>([^<]+)</td>", ledger_html)
    assert kinds == [
        "Annulation de paiement",
        "Annulation d'engagement",
        "Paiement",
        "Engagement",
        "Engagement",
    ]
    assert "Trop payé" in ledger_html and "Le plus ancien" in ledger_html
    assert "Une autre startup" not in ledger_html and "Une autre année" not in ledger_html
    assert _reste(text, "ae") == "903,00 €" and _reste(text, "cp") == "965,00 €"


def test_the_allocation_history_shows_each_change_with_its_year(
    client, login_as, delegant, delegataire
):
    envelope(delegant, ae="1000.00", cp="800.00")
    envelope(delegant, year=2027, ae="300.00", cp="200.00")
    login_as(delegataire)
    _, text, _ = _page(client)
    history = text.split('id="allocations"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>.*?</tr>", history)
    assert len(rows) == 2
    assert "<td>2027</td>" in rows[0] and "300,00 €" in rows[0]  # latest first
    assert (
        "<td>2026</td>" in rows[1] and "1 000,00 €" in rows[1] and "Allocation de test" in rows[1]
    )


def test_an_expected_report_has_its_own_page_with_every_subsidy(
    client, login_as, delegant, delegataire
):
    envelope(delegant)
    grant = commit(delegataire, "100.00", date(2026, 2, 1), legal_act=LegalAct.SUBSIDY)
    commit(delegataire, "50.00", date(2026, 2, 1), supplier="Un marché")
    db.session.commit()
    login_as(delegataire)
    start = html.unescape(client.get(URL).text)
    assert 'href="/finance/startups/dora/comptes-rendus?annee=2026"' in start
    assert "compte-rendu-commitment" not in start  # no choice list on the start-up's page

    page = html.unescape(client.get("/finance/startups/dora/comptes-rendus?annee=2026").text)
    assert f'value="{grant.id}"' in page and "Un marché" not in page
    refused = client.post(
        "/finance/startups/dora/comptes-rendus?annee=2026",
        data={"compte-rendu-commitment": str(grant.id), "compte-rendu-due_on": "2026-01-01"},
    )
    assert refused.status_code == 422
    assert "Attendre un compte rendu de subvention" in html.unescape(refused.text)
    assert "fr-message--error" in refused.text

    login_as(delegant)
    assert client.get("/finance/startups/dora/comptes-rendus").status_code == 403
    assert "/comptes-rendus" not in client.get(URL).text


def test_the_imputation_has_its_own_page(client, login_as, delegant, delegataire):
    login_as(delegataire)
    start = html.unescape(client.get(URL).text)
    assert 'href="/finance/startups/dora/imputation?annee=2026"' in start
    assert "imputation-cost_centre" not in start
    page = html.unescape(client.get("/finance/startups/dora/imputation?annee=2026").text)
    assert "Imputation CHORUS de la startup (DNUM)" in page
    assert 'value="SGSIFAB075"' in page and "Enregistrer l'imputation" in page
    login_as(delegant)
    assert client.get("/finance/startups/dora/imputation").status_code == 403
    assert "/imputation" not in client.get(URL).text
