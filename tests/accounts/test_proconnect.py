"""ProConnect login, end to end against a real OpenID provider on 127.0.0.1 that behaves like
ProConnect (tests/accounts/oidc_provider.py): the portal's client code (authlib, requests,
joserfc) runs for real; the test plays the browser between the portal and the provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import User
from app.accounts.roles import Role
from app.core.models import AuditEntry
from app.extensions import db
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.factories import member

CALLBACK = "http://portail.test/connexion/proconnect/retour"
LOGGED_OUT = "http://portail.test/deconnexion/proconnect"


@pytest.fixture(scope="module")
def running_provider():
    provider = Provider()
    yield provider
    provider.close()


@pytest.fixture
def provider(app, running_provider, monkeypatch):
    running_provider.reset(redirect_uris=[CALLBACK], post_logout_redirect_uris=[LOGGED_OUT])
    monkeypatch.setitem(app.config, "PROCONNECT_ISSUER", running_provider.issuer)
    monkeypatch.setitem(app.config, "PROCONNECT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setitem(app.config, "PROCONNECT_CLIENT_SECRET", CLIENT_SECRET)
    app.extensions.pop("proconnect", None)  # discovery read afresh: each test sets its provider
    yield running_provider
    app.extensions.pop("proconnect", None)


def identity(sub="sub-agent-1", email="agent@exemple.fr", **claims) -> dict:
    return {
        "sub": sub,
        "email": email,
        "given_name": "Camille",
        "usual_name": "Martin",
        "uid": "1",
        "siret": "21930008800012",
        **claims,
    }


def to_provider(client, provider):
    """The browser: the ProConnect button, then the provider (who authenticates at once)."""
    page = client.get("/connexion")
    assert "S’identifier avec" in page.text and "fr-connect--pro" in page.text
    response = client.post("/connexion/proconnect", data={"next": ""})
    assert response.status_code == 303
    authorize = response.headers["Location"]
    assert authorize.startswith(provider.issuer + "/authorize?")
    answer = requests.get(authorize, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    callback = answer.headers["Location"]
    assert callback.startswith(CALLBACK + "?")
    return callback


def proconnect_login(client, provider):
    return client.get(to_provider(client, provider))


def logged_in_user_id(client) -> int | None:
    with client.session_transaction() as session:
        user_id = session.get("_user_id")
    return int(user_id.split(":")[0]) if user_id else None


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def audit(action: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_off_when_not_configured_no_button_and_every_route_is_a_404(client):
    assert "ProConnect" not in client.get("/connexion").text
    assert client.post("/connexion/proconnect").status_code == 404
    assert client.get("/connexion/proconnect/retour?code=a&state=b").status_code == 404
    assert client.get("/connexion/proconnect/relier").status_code == 404
    assert client.post("/connexion/proconnect/relier").status_code == 404
    assert client.get("/deconnexion/proconnect?state=b").status_code == 404
    assert "form-action 'self';" in client.get("/connexion").headers["Content-Security-Policy"]


def test_happy_path_with_pkce_nonce_and_a_signed_userinfo(client, provider):
    user = member(Role.PROFESSIONAL, email="agent@exemple.fr", proconnect_sub="sub-agent-1")
    provider.identity = identity()
    with client.session_transaction() as session:
        session["planted"] = "par un attaquant"  # fixation: nothing from before survives login
    response = proconnect_login(client, provider)
    assert response.status_code == 303, response.text
    assert logged_in_user_id(client) == user.id
    with client.session_transaction() as session:
        assert "planted" not in session
    assert "Bonjour" in client.get(response.headers["Location"], follow_redirects=True).text
    # What the portal asked, as ProConnect expects it.
    asked = provider.authorizations[-1]
    assert asked["scope"] == "openid email given_name usual_name uid siret"
    assert asked["acr_values"] == "eidas1"
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32
    token_request = provider.token_requests[-1]
    assert token_request["code_verifier"] and token_request["client_secret"] == CLIENT_SECRET
    login = audit("login")
    assert [(e.actor_id, e.detail) for e in login] == [(user.id, "proconnect")]
    # The provider's origin is allowed as a form target (the button and the logout redirect).
    csp = client.get("/connexion").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.base};" in csp


def test_without_pkce_advertised_no_challenge_is_sent(client, provider):
    member(Role.PROFESSIONAL, email="agent@exemple.fr", proconnect_sub="sub-agent-1")
    provider.advertise_pkce = False
    provider.identity = identity()
    assert proconnect_login(client, provider).status_code == 303
    assert "code_challenge" not in provider.authorizations[-1]
    assert "code_verifier" not in provider.token_requests[-1]


def assert_refused(client, response):
    assert response.status_code == 400
    assert "Connexion refusée" in response.text
    assert logged_in_user_id(client) is None
    assert audit("proconnect_refused")  # kept although the request rolled back
    assert not audit("login")


def test_a_wrong_state_is_refused(client, provider):
    member(Role.PROFESSIONAL, email="agent@exemple.fr", proconnect_sub="sub-agent-1")
    provider.identity = identity()
    callback = urlsplit(to_provider(client, provider))
    code = parse_qs(callback.query)["code"][0]
    forged = f"{CALLBACK}?code={code}&state={'f' * 43}"
    assert_refused(client, client.get(forged))
    assert not provider.token_requests  # the code was never redeemed


def test_a_wrong_nonce_is_refused(client, provider):
    member(Role.PROFESSIONAL, email="agent@exemple.fr", proconnect_sub="sub-agent-1")
    provider.identity = identity()
    provider.wrong_nonce = True
    assert_refused(client, proconnect_login(client, provider))


def test_a_userinfo_signed_by_another_key_is_refused(client, provider):
    member(Role.PROFESSIONAL, email="agent@exemple.fr", proconnect_sub="sub-agent-1")
    provider.identity = identity()
    provider.rogue_userinfo_key = True
    assert_refused(client, proconnect_login(client, provider))


def test_first_login_links_by_email_once_confirmed_then_by_subject(client, provider):
    user = member(Role.PROFESSIONAL, email="agent@exemple.fr")
    provider.identity = identity(email="Agent@Exemple.fr")
    response = proconnect_login(client, provider)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/connexion/proconnect/relier")
    assert logged_in_user_id(client) is None  # nothing opens before the owner confirms
    page = client.get("/connexion/proconnect/relier")
    assert "Relier votre compte à ProConnect" in page.text and "agent@exemple.fr" in page.text
    confirmed = client.post("/connexion/proconnect/relier")
    assert confirmed.status_code == 303
    assert logged_in_user_id(client) == user.id
    db.session.rollback()
    assert db.session.get(User, user.id).proconnect_sub == "sub-agent-1"
    assert [e.actor_id for e in audit("proconnect_linked")] == [user.id]
    # The confirmation served once.
    assert client.get("/connexion/proconnect/relier").status_code == 410

    # Next time, the subject opens the account at once, even with another email.
    client.post("/deconnexion")
    provider.identity = identity(email="nouvelle-adresse@exemple.fr")
    again = proconnect_login(client, provider)
    assert again.status_code == 303 and "relier" not in again.headers["Location"]
    assert logged_in_user_id(client) == user.id


def test_an_email_the_provider_does_not_assert_links_nothing(client, provider):
    member(Role.PROFESSIONAL, email="agent@exemple.fr")
    provider.identity = identity(email_verified=False)
    response = proconnect_login(client, provider)
    assert response.status_code == 403
    assert "Adresse électronique non transmise" in response.text
    assert logged_in_user_id(client) is None


def test_an_account_linked_to_another_subject_is_not_relinked(client, provider):
    member(Role.PROFESSIONAL, email="agent@exemple.fr", proconnect_sub="another-subject")
    provider.identity = identity()
    response = proconnect_login(client, provider)
    assert response.status_code == 403 and "Compte déjà relié" in response.text
    assert logged_in_user_id(client) is None


def test_unknown_email_gets_a_french_page_and_no_account(client, provider):
    member(Role.PROFESSIONAL, email="quelqu-un@exemple.fr")
    before = user_count()
    provider.identity = identity(email="inconnu@exemple.fr")
    response = proconnect_login(client, provider)
    assert response.status_code == 403
    assert "Aucun compte pour cette adresse" in response.text
    assert "invités par le coordinateur ou la coordinatrice" in response.text
    assert user_count() == before
    assert logged_in_user_id(client) is None
    assert [e.detail for e in audit("proconnect_refused")] == ["no account for this email"]


def test_logout_goes_through_the_provider_with_id_token_hint(client, provider):
    member(Role.PROFESSIONAL, email="agent@exemple.fr", proconnect_sub="sub-agent-1")
    provider.identity = identity()
    proconnect_login(client, provider)
    response = client.post("/deconnexion")
    assert response.status_code == 303
    end_session = urlsplit(response.headers["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == (
        provider.issuer + "/session/end"
    )
    params = parse_qs(end_session.query)
    assert params["id_token_hint"][0] in provider.id_tokens
    assert params["post_logout_redirect_uri"] == [LOGGED_OUT]
    assert logged_in_user_id(client) is None  # the portal session ended before leaving
    back = requests.get(response.headers["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 303
    returned = client.get(back.headers["Location"])
    assert returned.status_code == 303 and urlsplit(returned.headers["Location"]).path == "/"
    assert "Vous êtes déconnecté·e." in client.get("/").text
    # A password login ends without a detour through the provider.
    assert provider.logouts and len(provider.logouts) == 1


def test_an_unreachable_provider_gets_a_french_page_not_an_error(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PROCONNECT_ISSUER", "http://127.0.0.1:9/api/v2")
    monkeypatch.setitem(app.config, "PROCONNECT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setitem(app.config, "PROCONNECT_CLIENT_SECRET", CLIENT_SECRET)
    app.extensions.pop("proconnect", None)
    response = client.post("/connexion/proconnect")
    assert response.status_code == 502 and "ProConnect est indisponible" in response.text
    callback = client.get(f"{CALLBACK}?code=a&state={'s' * 43}")
    assert callback.status_code == 400 and "Connexion refusée" in callback.text
    app.extensions.pop("proconnect", None)


def test_an_erased_account_forgets_its_subject(client, provider):
    user = member(Role.PROFESSIONAL, email="agent@exemple.fr", proconnect_sub="sub-agent-1")
    services.erase_account(user)
    db.session.commit()
    provider.identity = identity()
    response = proconnect_login(client, provider)
    assert response.status_code == 403  # the subject opens nothing; no account has the email
    assert logged_in_user_id(client) is None


def test_a_person_accompanied_cannot_use_proconnect(client, provider):
    """ProConnect identifies professionals: a person's account (their notebook) is neither
    linked nor opened through it, whatever the provider asserts."""
    person = member(Role.BENEFICIARY, email="personne@exemple.fr")
    provider.identity = identity(email="personne@exemple.fr")
    response = proconnect_login(client, provider)
    assert response.status_code == 403
    assert "ProConnect est réservé aux professionnels" in response.text
    assert logged_in_user_id(client) is None
    assert client.get("/connexion/proconnect/relier").status_code in (404, 410)
    assert [e.detail for e in audit("proconnect_refused")] == ["not a professional account"]
    db.session.rollback()
    assert db.session.get(User, person.id).proconnect_sub is None


def test_a_linked_account_left_with_no_professional_role_no_longer_opens(client, provider):
    member(Role.BENEFICIARY, email="ancien-agent@exemple.fr", proconnect_sub="sub-agent-9")
    provider.identity = identity(sub="sub-agent-9", email="ancien-agent@exemple.fr")
    response = proconnect_login(client, provider)
    assert response.status_code == 403 and "réservé aux professionnels" in response.text
    assert logged_in_user_id(client) is None
