"""The délégataire records a commitment and a payment for Dora, sees the remaining balance on the
dashboard, and an overspend is refused with its message."""

from datetime import datetime
from decimal import Decimal

import pytest

from app.accounts.roles import Role
from app.extensions import db
from app.finance import allocations, clock
from app.finance.models import AllocationSource
from tests.browser.conftest import check_accessibility_basics, login_with_password
from tests.factories import PASSWORD, member
from tests.finance.factories import extend_convention, startup

pytestmark = pytest.mark.browser


@pytest.fixture
def june_2026(live_server):
    moment = datetime(2026, 6, 15, 10, tzinfo=clock.PARIS)
    live_server.config["FINANCE_CLOCK"] = lambda: moment
    yield
    live_server.config.pop("FINANCE_CLOCK", None)


def test_delegataire_records_a_commitment_and_a_payment_for_dora(page, june_2026):
    from flask import current_app

    current_app.config["FINANCE_CLOCK"] = lambda: datetime(2026, 6, 15, 10, tzinfo=clock.PARIS)
    delegant = member(Role.FINANCE_DELEGANT, None)
    extend_convention(delegant, 2026)
    allocations.change(
        delegant,
        startup("dora"),
        2026,
        ae_delta=Decimal("10000.00"),
        cp_delta=Decimal("8000.00"),
        source=AllocationSource.BALANCE,
        reason="Allocation de test",
    )
    db.session.commit()
    current_app.config.pop("FINANCE_CLOCK")
    delegataire = member(Role.FINANCE_DELEGATAIRE, None)
    login_with_password(page, delegataire.email, PASSWORD)

    page.goto("/finance/startups/dora?annee=2026")
    check_accessibility_basics(page)
    page.get_by_text("Engagement (AE)").click()
    form = page.locator("#engagement")
    form.get_by_label("Date de l'engagement").fill("2026-03-02")
    form.get_by_label("Montant (€)").fill("6 500,00")
    form.get_by_label("Fournisseur ou opérateur").fill("Prestataire agile")
    form.get_by_label("Objet").fill("Sprint de développement")
    form.get_by_label("Centre de coût").select_option("SGSIFAB075")
    form.get_by_role("button", name="Enregistrer l'engagement").click()
    page.wait_for_load_state()
    assert "Engagement n°" in page.locator(".fr-alert").first.inner_text()
    assert page.get_by_test_id("reste-ae").inner_text().replace("\u202f", " ") == "3 500,00\u00a0€"

    page.get_by_role("link", name="Paiement (CP)").click()  # its own page: a long choice list
    page.wait_for_load_state()
    check_accessibility_basics(page)
    payment = page.locator("#paiement")
    payment.get_by_label("Date du paiement").fill("2026-04-02")
    payment.get_by_label("Montant (€)").fill("5000")
    payment.get_by_role("button", name="Enregistrer le paiement").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("reste-cp").inner_text().replace("\u202f", " ") == "3 000,00\u00a0€"

    page.goto("/finance/?annee=2026")
    check_accessibility_basics(page)
    dora_row = page.locator("tr", has=page.get_by_role("link", name="Dora"))
    cells = dora_row.inner_text().replace("\u202f", " ")
    assert "6 500,00" in cells and "3 500,00" in cells and "3 000,00" in cells

    page.goto("/finance/startups/dora?annee=2026")
    page.get_by_text("Engagement (AE)").click()
    form = page.locator("#engagement")
    form.get_by_label("Date de l'engagement").fill("2026-03-03")
    form.get_by_label("Montant (€)").fill("3 500,01")
    form.get_by_label("Fournisseur ou opérateur").fill("Prestataire agile")
    form.get_by_label("Objet").fill("Sprint de trop")
    form.get_by_role("button", name="Enregistrer l'engagement").click()
    page.wait_for_load_state()
    message = page.locator("#engagement .fr-message--error").inner_text().replace("\u202f", " ")
    assert "Dépassement de l'enveloppe : il reste 3 500,00\u00a0€ d'AE à Dora pour 2026" in message
    assert page.get_by_test_id("reste-ae").inner_text().replace("\u202f", " ") == "3 500,00\u00a0€"


def test_delegataire_imports_a_file_without_javascript(people, tmp_path, june_2026):
    """Dry run, then « Importer », on a browser without JavaScript."""
    delegant = member(Role.FINANCE_DELEGANT, None)
    extend_convention(delegant, 2026)
    allocations.change(
        delegant,
        startup("dora"),
        2026,
        ae_delta=Decimal("10000.00"),
        cp_delta=Decimal("8000.00"),
        source=AllocationSource.BALANCE,
        reason="Allocation de test",
    )
    delegataire = member(Role.FINANCE_DELEGATAIRE, None)
    db.session.commit()
    file = tmp_path / "registre.csv"
    file.write_text(
        "Date;Nature;Startup;Centre de coût;Acte juridique;Fournisseur;Objet;"
        "N° engagement (portail);Montant AE (€);Montant CP (€)\r\n"
        "02/03/2026;Engagement;Dora;SGSIFAB075;Marché public;Prestataire;Sprint;1;6 500,00;\r\n"
        "02/04/2026;Paiement;Dora;;;;;1;;5 000,00\r\n",
        encoding="cp1252",
    )
    page = people(device="desktop", javascript=False)
    login_with_password(page, delegataire.email, PASSWORD)
    page.goto("/finance/")
    page.get_by_role("link", name="Importer des écritures").click()
    page.get_by_label("Fichier CSV").set_input_files(str(file))
    page.get_by_role("button", name="Vérifier le fichier").click()
    page.wait_for_load_state()
    assert page.get_by_text("Sera enregistrée").count() == 2
    page.get_by_role("button", name="Importer").click()
    page.wait_for_load_state()
    assert "2 écritures importées" in page.locator(".fr-alert").first.inner_text()
