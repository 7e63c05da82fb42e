"""Finance pages as each role sees them: access, forms and their refusals, the dashboard."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.accounts.roles import Role
from app.core.querycount import count_queries
from app.extensions import db
from app.finance import ledger
from app.finance.models import Commitment, Payment
from tests.factories import member
from tests.finance.factories import commit, envelope, finance_user, startup

D, T, N, A, ADM = (
    Role.FINANCE_DELEGANT,
    Role.FINANCE_DELEGATAIRE,
    Role.FINANCE_DINUM,
    Role.FINANCE_AUDITOR,
    Role.ADMIN,
)


def seen(response) -> str:
    return html.unescape(response.text).replace("\u202f", " ").replace("\u00a0", " ")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


READ_PAGES = [
    "/finance/",
    "/finance/convention",
    "/finance/startups/dora",
    "/finance/comites",
    "/finance/export.csv",
    "/finance/export.xlsx",
    "/finance/consommation.json",
]
# POST endpoint → the only roles allowed past the permission check
WRITES = {
    "/finance/convention": {D},
    "/finance/convention/avenants": {D},
    "/finance/convention/annexes": {D},
    "/finance/startups/dora/engagements": {T},
    "/finance/startups/dora/paiements": {T},
    "/finance/startups/dora/annulations": {T},
    "/finance/startups/dora/allocations": {D},
    "/finance/startups/dora/imputation": {T},
    "/finance/startups/dora/comptes-rendus": {T},
    "/finance/startups/dora/chorus": {T},
    "/finance/comites": {D},
    "/finance/import": {T},
}


def test_every_finance_endpoint_is_in_these_tables(app):
    declared = set(READ_PAGES) | set(WRITES)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("finance.") and "<" not in rule.rule:
            assert rule.rule in declared, rule.rule


@pytest.mark.parametrize("url", READ_PAGES + list(WRITES))
def test_anonymous_is_sent_to_login(client, url):
    method = client.post if url in WRITES and url not in READ_PAGES else client.get
    response = method(url)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


@pytest.mark.parametrize("url", READ_PAGES)
@pytest.mark.parametrize("role", [D, T, N, A, ADM], ids=lambda r: r.value)
def test_every_finance_role_reads(client, login_as, role, url):
    login_as(finance_user(role))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", READ_PAGES)
@pytest.mark.parametrize(
    "role", [Role.COORDINATOR, Role.PROFESSIONAL, Role.BENEFICIARY], ids=lambda r: r.value
)
def test_territorial_roles_are_refused(client, login_as, role, url):
    login_as(member(role, "seine-saint-denis"))
    assert client.get(url).status_code in (403, 404)


@pytest.mark.parametrize("url", sorted(WRITES))
@pytest.mark.parametrize("role", [D, T, N, A, ADM], ids=lambda r: r.value)
def test_writes_by_role(client, login_as, role, url):
    """Allowed roles get past the permission (an empty form is a 422); others a 403."""
    login_as(finance_user(role))
    response = client.post(url, data={})
    assert response.status_code == (422 if role in WRITES[url] else 403), response.status_code


@pytest.fixture
def dora(delegant):
    envelope(delegant, ae="1000.00", cp="800.00")


def commitment_form(**overrides):
    data = {
        "committed_on": "2026-03-02",
        "amount": "600,00",
        "legal_act": "public_contract",
        "supplier": "Prestataire agile",
        "object": "Sprint de développement",
        "cost_centre": "SGSIFAB075",
        "chorus_number": "1300001",
    }
    data.update(overrides)
    return prefixed("engagement", data)


def prefixed(prefix: str, data: dict) -> dict:
    return {f"{prefix}-{key}": value for key, value in data.items()}


def test_delegataire_records_a_commitment_and_sees_the_remaining_balance(
    client, login_as, delegataire, dora
):
    login_as(delegataire)
    response = client.post("/finance/startups/dora/engagements", data=commitment_form())
    assert response.status_code == 303
    commitment = db.session.scalar(select(Commitment))
    assert (commitment.amount, commitment.cost_centre.code, commitment.chorus_number) == (
        Decimal("600.00"),
        "SGSIFAB075",
        "1300001",
    )
    assert (commitment.functional_domain, commitment.financial_centre) == (
        "0363-04-01",
        "0363-DNUM-CSOC",
    )
    page = seen(client.get("/finance/startups/dora?annee=2026"))
    assert "400,00 €" in page  # AE remaining
    dashboard = seen(client.get("/finance/?annee=2026"))
    assert "600,00 €" in dashboard and "400,00 €" in dashboard


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "abc", "Saisissez un montant en euros"),
        ("amount", "-5", "strictement positif"),
        ("amount", "0", "strictement positif"),
        ("amount", "10,001", "au plus deux décimales"),
        ("amount", "1000,01", "Dépassement de l'enveloppe : il reste 1 000,00 € d'AE"),
        ("cost_centre", "XXXX", "Centre de coût inconnu"),
        ("committed_on", "2026-13-01", "N'est pas une date valide"),
        ("committed_on", "2020-01-01", "hors de la période de la convention"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(
    client, login_as, delegataire, dora, field, value, message
):
    login_as(delegataire)
    response = client.post(
        "/finance/startups/dora/engagements", data=commitment_form(**{field: value})
    )
    assert response.status_code == 422
    assert message in seen(response)
    assert 'aria-invalid="true"' in response.text
    assert count(Commitment) == 0


def test_a_late_commitment_is_refused_with_its_article(app, client, login_as, delegataire, dora):
    from tests.finance.factories import stand_on

    stand_on(date(2026, 12, 10))
    login_as(delegataire)
    response = client.post(
        "/finance/startups/dora/engagements", data=commitment_form(committed_on="2026-12-01")
    )
    assert response.status_code == 422
    assert "jusqu'au 30 novembre 2026 inclus (article 4.2)" in seen(response)


def test_payment_and_cancellation_through_the_forms(client, login_as, delegataire, dora):
    commitment = commit(delegataire, "500.00", date(2026, 2, 1))
    db.session.commit()
    login_as(delegataire)
    paid = client.post(
        "/finance/startups/dora/paiements",
        data=prefixed(
            "paiement", {"commitment": str(commitment.id), "paid_on": "2026-03-01", "amount": "450"}
        ),
    )
    assert paid.status_code == 303
    too_much = client.post(
        "/finance/startups/dora/paiements",
        data=prefixed(
            "paiement",
            {"commitment": str(commitment.id), "paid_on": "2026-03-02", "amount": "50,01"},
        ),
    )
    assert too_much.status_code == 422
    assert "dépasse le reste à payer de l'engagement (50,00 €)" in seen(too_much)
    payment = db.session.scalar(select(Payment))
    cancelled = client.post(
        "/finance/startups/dora/annulations?annee=2026",
        data=prefixed(
            "annulation",
            {
                "target": f"p-{payment.id}",
                "cancelled_on": "2026-04-01",
                "amount": "50",
                "reason": "Avoir du fournisseur",
            },
        ),
    )
    assert cancelled.status_code == 303
    page = seen(client.get("/finance/startups/dora?annee=2026"))
    assert "Annulation de paiement" in page and "Avoir du fournisseur" in page
    assert "400,00 €" in page  # CP remaining: 800 - 450 + 50


def test_delegant_returns_a_balance_to_the_bop(client, login_as, delegant, dora):
    login_as(delegant)
    response = client.post(
        "/finance/startups/dora/allocations",
        data=prefixed(
            "allocation",
            {
                "year": "2026",
                "source": "balance",
                "ae_delta": "-250,00",
                "cp_delta": "-100",
                "reason": "Solde remonté au BOP après le dialogue de gestion",
            },
        ),
    )
    assert response.status_code == 303
    page = seen(client.get("/finance/startups/dora?annee=2026"))
    assert "Décision du délégant sur le solde" in page
    assert "-250,00 €" in page and "750,00 €" in page


def test_delegant_adds_an_amendment_and_an_annex_that_allocates(client, login_as, delegant):
    login_as(delegant)
    response = client.post(
        "/finance/convention/avenants",
        data=prefixed(
            "avenant",
            {"signed_on": "2026-01-10", "object": "Prolongation 2027", "extends_to": "2027-12-31"},
        ),
    )
    assert response.status_code == 303
    page = seen(client.get("/finance/convention"))
    assert "prolongée par avenant jusqu'au 31/12/2027" in re.sub(r"<[^>]+>", "", page)
    from app.finance.models import Amendment

    amendment = db.session.scalar(select(Amendment).where(Amendment.extends_to.is_not(None)))
    annex = client.post(
        "/finance/convention/annexes",
        data=prefixed(
            "annexe",
            {
                "startup": "reva",
                "amendment": str(amendment.id),
                "period_start": "2027-01-01",
                "period_end": "2027-06-30",
                "budget": "250 000",
                "roadmap": "Généraliser le parcours",
            },
        ),
    )
    assert annex.status_code == 303
    from app.finance import queries

    reva = queries.consumption(2027).rows[2]
    assert (reva.startup.slug, reva.ae_allocated, reva.cp_allocated) == (
        "reva",
        Decimal("250000.00"),
        Decimal("250000.00"),
    )


def test_an_extension_must_go_beyond_the_current_end(client, login_as, delegant):
    login_as(delegant)
    response = client.post(
        "/finance/convention/avenants",
        data=prefixed(
            "avenant", {"signed_on": "2022-01-10", "object": "Rien", "extends_to": "2022-06-30"}
        ),
    )
    assert response.status_code == 422
    assert "au-delà de la fin actuelle de la convention (31/12/2022)" in seen(response)


def test_dashboard_filters_by_cost_centre(client, login_as, delegataire, dora):
    from tests.finance.factories import cost_centre

    fabrique, ars = cost_centre("SGSIFAB075"), cost_centre("SGSIARS075")
    carried = {"carnet-de-bord": ars.id, "dora": fabrique.id, "reva": ars.id}
    for slug, centre_id in carried.items():
        startup(slug).cost_centre_id = centre_id
    db.session.commit()
    login_as(delegataire)
    try:
        page = seen(client.get(f"/finance/?annee=2026&centre={cost_centre('SGSIDOP075').id}"))
        assert "Aucune startup pour ce centre de coût" in page
        mine = seen(client.get(f"/finance/?annee=2026&centre={fabrique.id}"))
        table = mine.split("Consommation 2026")[1].split("</table>")[0]
        assert "Dora" in table and "Carnet de bord" not in table and "REVA" not in table
        assert "1 000,00 €" in table
    finally:
        for slug in carried:
            startup(slug).cost_centre_id = None
        db.session.commit()


def test_dashboard_filter_answers_htmx_with_the_fragment(htmx_client, delegataire, dora):
    htmx_client.post(
        "/connexion", data={"email": delegataire.email, "password": "Mot-de-passe-de-test-1"}
    )
    response = htmx_client.get("/finance/?annee=2026")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="consommation">')
    assert "HX-Request" in response.headers["Vary"]


def test_dashboard_queries_do_not_grow_with_the_ledger(app, client, login_as, delegataire, dora):
    login_as(delegataire)

    def queries_for_dashboard():
        with count_queries() as statements:
            assert client.get("/finance/?annee=2026").status_code == 200
        return len(statements)

    first = commit(delegataire, "10.00", date(2026, 1, 5))
    ledger.record_payment(delegataire, first, paid_on=date(2026, 2, 1), amount=Decimal("5"))
    db.session.commit()
    few = queries_for_dashboard()
    for day in range(6, 26):
        c = commit(delegataire, "10.00", date(2026, 1, day))
        ledger.record_payment(delegataire, c, paid_on=date(2026, 2, 1), amount=Decimal("5"))
    db.session.commit()
    assert queries_for_dashboard() == few


def test_startup_page_queries_do_not_grow_with_the_ledger(client, login_as, delegataire, dora):
    login_as(delegataire)

    def queries_for_page():
        with count_queries() as statements:
            assert client.get("/finance/startups/dora?annee=2026").status_code == 200
        return len(statements)

    first = commit(delegataire, "10.00", date(2026, 1, 5))
    ledger.record_payment(delegataire, first, paid_on=date(2026, 2, 1), amount=Decimal("5"))
    db.session.commit()
    few = queries_for_page()
    for day in range(6, 20):
        c = commit(delegataire, "10.00", date(2026, 1, day))
        ledger.record_payment(delegataire, c, paid_on=date(2026, 2, 1), amount=Decimal("5"))
    db.session.commit()
    assert queries_for_page() == few
