"""ProConnect in Chromium: the DSFR button, the provider (tests/accounts/oidc_provider.py) and
back, the link confirmed once, logout through the provider; the CSP lets the forms go there."""

import re

import pytest

from app.accounts.roles import Role
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.browser.conftest import check_accessibility_basics, open_menu
from tests.factories import member

pytestmark = pytest.mark.browser


@pytest.fixture
def provider(live_server, monkeypatch):
    provider = Provider()
    provider.reset(
        redirect_uris=[live_server.base_url + "/connexion/proconnect/retour"],
        post_logout_redirect_uris=[live_server.base_url + "/deconnexion/proconnect"],
    )
    monkeypatch.setitem(live_server.config, "PROCONNECT_ISSUER", provider.issuer)
    monkeypatch.setitem(live_server.config, "PROCONNECT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setitem(live_server.config, "PROCONNECT_CLIENT_SECRET", CLIENT_SECRET)
    live_server.extensions.pop("proconnect", None)
    yield provider
    live_server.extensions.pop("proconnect", None)
    provider.close()


def identity(**claims):
    return {"sub": "sub-camille", "given_name": "Camille", "usual_name": "Martin", **claims}


def test_first_login_is_confirmed_then_logout_goes_through_the_provider(people, provider):
    member(Role.PROFESSIONAL, first_name="Camille", email="camille@exemple.fr")
    provider.identity = identity(email="camille@exemple.fr")
    page = people("desktop")
    page.goto("/connexion")
    check_accessibility_basics(page)
    page.get_by_role("button", name="S’identifier avec ProConnect").click()
    page.wait_for_url("**/connexion/proconnect/relier")
    check_accessibility_basics(page)
    page.get_by_role("button", name="Relier mon compte et me connecter").click()
    page.wait_for_url("**/seine-saint-denis/carnet/carnets")
    assert "Bonjour Camille" in page.content()

    open_menu(page).get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Vous êtes déconnecté·e." in page.content()
    assert len(provider.logouts) == 1 and provider.logouts[0]["id_token_hint"]


def test_an_unknown_professional_reads_who_invites_them(people, provider):
    provider.identity = identity(email="inconnue@exemple.fr")
    page = people("phone")
    page.goto("/connexion")
    page.get_by_role("button", name="S’identifier avec ProConnect").click()
    page.wait_for_url("**/connexion/proconnect/retour*")
    assert page.get_by_role("heading", level=1).inner_text() == "Aucun compte pour cette adresse"
    assert "invités par le coordinateur" in page.content()
    check_accessibility_basics(page)
