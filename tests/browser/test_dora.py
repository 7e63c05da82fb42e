"""The DORA walk of the issue, on a phone: a structure administrator creates a sheet, publishes
it, later confirms "rien n'a changé" in two clicks; a person opens the public page from its link."""

from datetime import timedelta

import pytest

from app.core.models import utcnow
from app.dora.models import Service
from app.extensions import db
from tests.browser.conftest import check_accessibility_basics, login_with_password
from tests.dora.factories import ProviderFactory, provider_member
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_sheet_created_published_and_confirmed_in_two_clicks_on_a_phone(people, live_server):
    provider = ProviderFactory(structure__name="Plateforme mobilité de Nantes")
    admin = provider_member(provider)

    sophie = people()
    login_with_password(sophie, admin.email, PASSWORD)
    sophie.goto(f"/loire-atlantique/dora/structures/{provider.slug}/")
    check_accessibility_basics(sophie)
    sophie.get_by_role("link", name="Ajouter une fiche").click()
    check_accessibility_basics(sophie)
    sophie.get_by_label("Nom du service").fill("Prêt de vélos électriques")
    sophie.get_by_label("Résumé").fill("Un vélo à assistance électrique prêté pour trois mois.")
    sophie.get_by_text("Thématiques (").click()
    sophie.locator("label", has_text="Mobilité — Utiliser des services de mobilité").click()
    sophie.locator("label[for=reception_modes-1]").click()  # en présentiel
    sophie.get_by_label("Adresse du lieu d'accueil").fill("2 quai de la Fosse")
    sophie.locator("label[for=modes_for_people-1]").click()
    sophie.get_by_label("Téléphone du contact").fill("02 40 11 22 33")
    sophie.get_by_label("Zone d'éligibilité").fill("44109")
    sophie.get_by_role("button", name="Enregistrer").click()
    sophie.get_by_role("heading", name="Prêt de vélos électriques").wait_for()
    sophie.get_by_role("button", name="Publier").click()
    sophie.get_by_text("La fiche est publiée.").wait_for()
    public_link = sophie.get_by_role("link", name="Voir la page publique").get_attribute("href")

    # Sixteen days later the sheet is "à actualiser".
    sheet = db.session.query(Service).one()
    sheet.mark_confirmed(utcnow() - timedelta(days=16))
    db.session.commit()
    sophie.goto(f"/loire-atlantique/dora/structures/{provider.slug}/")
    sophie.get_by_text("Des fiches sont à actualiser").wait_for()
    sophie.get_by_role("link", name="Rien n'a changé").click()  # first click
    sophie.get_by_role("button", name="Confirmer : rien n'a changé").click()  # second click
    sophie.get_by_text("Fiche confirmée à jour.").wait_for()
    db.session.expire_all()
    assert not db.session.get(Service, sheet.id).is_due()

    # A person, without an account, opens the public page from its link.
    person = people()
    person.goto(public_link)
    person.get_by_role("heading", name="Prêt de vélos électriques").wait_for()
    check_accessibility_basics(person)
    assert person.get_by_text("Plateforme mobilité de Nantes").first.is_visible()
