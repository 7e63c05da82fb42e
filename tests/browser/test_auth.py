"""Login (password, magic link), territory switch and logout, on a phone and on a desktop."""

import json
import re

import pytest

from app.accounts.roles import Role
from tests.browser.conftest import check_accessibility_basics, open_menu
from tests.factories import PASSWORD, UserFactory, member

pytestmark = pytest.mark.browser


def password_section(page):
    return page.locator(
        "section", has=page.get_by_role("heading", name="Se connecter avec un mot de passe")
    )


def test_password_login_then_logout(page):
    user = member(Role.PROFESSIONAL, first_name="Karim", last_name="Benali")
    page.goto("/connexion")
    check_accessibility_basics(page)
    form = password_section(page)
    form.get_by_label("Adresse électronique").fill(user.email.upper())
    form.get_by_label("Mot de passe").fill(PASSWORD)
    form.get_by_role("button", name="Se connecter").click()
    # One space: the professional lands on their notebooks.
    page.wait_for_url("**/seine-saint-denis/carnet/carnets")
    assert page.get_by_role("heading", level=1).inner_text() == "Mes carnets"
    assert "vous êtes connecté·e" in page.locator(".fr-alert").first.inner_text()
    check_accessibility_basics(page)

    open_menu(page).get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Vous êtes déconnecté·e." in page.content()
    page.goto("/seine-saint-denis/")
    assert "/connexion" in page.url


def test_wrong_password_shows_a_field_error(page):
    page.goto("/connexion")
    form = password_section(page)
    form.get_by_label("Adresse électronique").fill("inconnu@exemple.fr")
    form.get_by_label("Mot de passe").fill("mauvais")
    form.get_by_role("button", name="Se connecter").click()
    assert page.get_by_text("Adresse électronique ou mot de passe incorrect.").is_visible()
    check_accessibility_basics(page)


def test_magic_link_login(page, live_server):
    user = member(Role.BENEFICIARY, first_name="Julien")
    page.goto("/connexion")
    link_section = page.locator(
        "section",
        has=page.get_by_role("heading", name="Recevoir un lien de connexion par courriel"),
    )
    link_section.get_by_label("Adresse électronique").fill(user.email)
    page.get_by_role("button", name="Recevoir un lien de connexion").click()
    assert page.get_by_role("heading", name="Vérifiez votre messagerie").is_visible()

    with open(live_server.config["MAIL_OUTBOX_PATH"], encoding="utf-8") as f:
        message = json.loads(f.readlines()[-1])
    assert message["to"] == user.email
    link = re.search(r"https?://\S+", message["body"]).group(0)
    page.goto(link)
    check_accessibility_basics(page)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/seine-saint-denis/carnet/mon-carnet")
    assert "Bonjour Julien" in page.content()


def test_territory_switch(page):
    user = UserFactory(
        roles=[(Role.COORDINATOR, "seine-saint-denis"), (Role.PROFESSIONAL, "loire-atlantique")]
    )
    page.goto("/connexion")
    form = password_section(page)
    form.get_by_label("Adresse électronique").fill(user.email)
    form.get_by_label("Mot de passe").fill(PASSWORD)
    form.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/espace")
    check_accessibility_basics(page)
    # Two spaces: cards of what awaits the user in each, every card a link.
    page.get_by_role("link", name="Carnets sans référent").click()
    page.wait_for_url("**/seine-saint-denis/carnet/coordination/sans-referent")

    menu = open_menu(page)
    menu.get_by_role("button", name="Territoire : Seine-Saint-Denis").click()
    menu.get_by_role("link", name="Loire-Atlantique (44)").click()
    page.wait_for_url("**/loire-atlantique/")
    assert page.get_by_role("heading", level=1).inner_text() == "Loire-Atlantique (44)"
    assert "accompagnateur·rice" in page.content()
    check_accessibility_basics(page)
