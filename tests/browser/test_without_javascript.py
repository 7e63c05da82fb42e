"""The main flows with JavaScript turned off, on a phone: every form posts and every page
reloads in full (htmx only enhances), and the phone menu shows inline."""

import re

import pytest

from app.accounts.roles import Role
from app.extensions import db
from tests.browser.conftest import login_with_password
from tests.carnet.factories import NotebookFactory, add_member
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.browser


@pytest.fixture
def no_script(people):
    return lambda: people("phone", javascript=False)


def test_log_in_find_a_notebook_add_a_barrier_grant_consent_without_javascript(no_script):
    professional = member(Role.PROFESSIONAL, first_name="Karim", last_name="Benali")
    person = member(Role.BENEFICIARY, first_name="Julien", last_name="Moreau")
    notebook = NotebookFactory(beneficiary__first_name="Julien", beneficiary__last_name="Moreau")
    notebook.beneficiary.user_id = person.id
    db.session.commit()
    add_member(notebook, professional, referent=True, consent=False)

    # The professional logs in and finds the notebook in "Mes carnets" by name.
    pro = no_script()
    login_with_password(pro, professional.email, PASSWORD)
    assert pro.get_by_role("heading", level=1).inner_text() == "Mes carnets"
    pro.get_by_label(re.compile("^Rechercher")).fill("moreau")
    pro.get_by_role("button", name="Filtrer").click()
    found = pro.get_by_role("link", name=re.compile("MOREAU Julien", re.I))
    assert f"/carnet/carnets/{notebook.id}" in found.get_attribute("href")
    assert pro.get_by_text("1 carnet").is_visible()

    # The person logs in on their phone and grants consent.
    phone = no_script()
    login_with_password(phone, person.email, PASSWORD)
    assert phone.get_by_role("heading", level=1).inner_text() == "Mon carnet de bord"
    # Without JavaScript the phone menu shows inline: its links are there to follow.
    menu = phone.get_by_role("navigation", name="Menu principal")
    assert menu.get_by_role("link", name="Carnet de bord").is_visible()
    assert phone.get_by_role("button", name="Se déconnecter").is_visible()
    phone.get_by_role("button", name="Accorder le partage à Karim Benali").click()
    phone.get_by_role("button", name="Retirer le partage à Karim Benali").wait_for()

    # The professional opens it, adds a barrier: the form posts and the page comes back with it.
    pro.reload()
    found.click()
    assert pro.get_by_role("heading", level=1).inner_text() == "Carnet de Julien Moreau"
    section = pro.locator("#section-barriers")
    section.get_by_label("Thème").select_option("mobilite")
    section.get_by_label(re.compile("^Situation")).last.fill("Pas de permis, trajets de 1 h 30")
    section.get_by_role("button", name="Ajouter le frein").click()
    pro.get_by_role("heading", name="Mobilité", level=3).wait_for()
    assert pro.locator("p.portal-text", has_text="Pas de permis, trajets de 1 h 30").is_visible()

    # The person sees it after a reload.
    phone.reload()
    assert phone.locator("p.portal-text", has_text="Pas de permis, trajets de 1 h 30").is_visible()


def test_search_dora_answer_a_question_refine_and_open_a_sheet_without_javascript(no_script):
    """The search's "site vitrine", anonymous, on a phone without JavaScript: every step is a GET
    whose URL carries the whole query."""
    from tests.dora.factories import ServiceFactory

    ServiceFactory(
        published=True,
        name="Auto-école sociale de Nantes",
        thematiques=["mobilite--preparer-un-permis"],
        fees="gratuit",
    )
    ServiceFactory(
        published=True,
        name="Location de voitures",
        thematiques=["mobilite--acceder-a-un-vehicule"],
        fees="payant",
    )
    phone = no_script()
    phone.goto("/loire-atlantique/dora/recherche")
    phone.get_by_label(re.compile("^Commune de la personne")).fill("Nantes (44000)")
    phone.get_by_label("Thématique").select_option("mobilite")
    phone.get_by_role("button", name="Rechercher").click()
    phone.get_by_role(
        "heading", name=re.compile("2 solutions pour « Mobilité » à Nantes")
    ).wait_for()
    assert "theme=mobilite" in phone.url

    # A question of the theme, answered: the results follow, and the URL carries the answer.
    phone.locator("#question-permis").get_by_text("Non", exact=True).click()
    phone.get_by_role("button", name="Rechercher").click()
    phone.get_by_role(
        "heading", name=re.compile("1 solution pour « Mobilité » à Nantes")
    ).wait_for()
    assert "permis=non" in phone.url
    assert phone.get_by_role("link", name="Auto-école sociale de Nantes").is_visible()

    # Back to every answer, refined by fees with the form's own button.
    phone.goto(phone.url.replace("permis=non", "permis="))
    phone.get_by_text("Affiner les résultats").click()
    phone.locator("#filtres").get_by_text("Payant", exact=True).click()
    phone.get_by_role("button", name="Rechercher").click()
    phone.get_by_role(
        "heading", name=re.compile("1 solution pour « Mobilité » à Nantes")
    ).wait_for()
    assert phone.get_by_role("link", name="Location de voitures").is_visible()

    phone.get_by_role("link", name="Location de voitures").click()
    phone.get_by_role("heading", level=1, name="Location de voitures").wait_for()
    assert phone.get_by_text("Pour qui").is_visible()
