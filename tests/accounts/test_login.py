"""Password login, magic links, logout, sessions, rate limits."""

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import LoginToken, User
from app.accounts.roles import Role
from app.core.models import AuditEntry
from app.extensions import db
from tests.conftest import link_in, outbox_messages
from tests.factories import PASSWORD, member


def test_password_login_lands_on_the_users_only_space(client):
    user = member(Role.PROFESSIONAL, email="karim@exemple.fr")
    response = client.post("/connexion", data={"email": "Karim@Exemple.fr ", "password": PASSWORD})
    assert response.status_code == 303
    page = client.get(response.headers["Location"], follow_redirects=True)
    # A professional of one territory lands on their notebooks, one tap from each.
    assert page.request.path == "/seine-saint-denis/carnet/carnets"
    assert "Seine-Saint-Denis" in page.text
    login = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "login"))
    assert login.actor_id == user.id and login.detail == "password"


def test_wrong_password_and_unknown_email_get_the_same_french_message(client):
    member(Role.PROFESSIONAL, email="karim@exemple.fr")
    wrong = client.post("/connexion", data={"email": "karim@exemple.fr", "password": "faux"})
    unknown = client.post("/connexion", data={"email": "personne@exemple.fr", "password": "faux"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Adresse électronique ou mot de passe incorrect." in response.text
        assert "fr-input-group--error" in response.text


def test_invalid_login_form_gets_field_level_errors_and_keeps_the_email(client):
    response = client.post("/connexion", data={"email": "pas-une-adresse", "password": ""})
    assert response.status_code == 422
    assert "Saisissez une adresse électronique valide" in response.text
    assert "Ce champ est obligatoire." in response.text
    assert 'value="pas-une-adresse"' in response.text


def test_overlong_email_is_refused_not_truncated(client):
    response = client.post("/connexion", data={"email": "a" * 250 + "@exemple.fr", "password": "x"})
    assert response.status_code == 422
    assert "254 caractères" in response.text


def test_login_follows_only_local_next_urls(client):
    user = member(Role.PROFESSIONAL)
    data = {"email": user.email, "password": PASSWORD}
    local = client.post("/connexion", data={**data, "next": "/seine-saint-denis/"})
    assert local.headers["Location"].endswith("/seine-saint-denis/")
    client.post("/deconnexion")
    evil = client.post("/connexion", data={**data, "next": "https://evil.example/"})
    assert "evil" not in evil.headers["Location"]
    client.post("/deconnexion")
    evil2 = client.post("/connexion", data={**data, "next": "//evil.example/"})
    assert "evil" not in evil2.headers["Location"]


def test_anonymous_visitor_is_sent_to_login_and_back(client):
    member(Role.COORDINATOR, email="claire@exemple.fr")
    response = client.get("/seine-saint-denis/equipe/")
    assert response.status_code == 302
    assert "/connexion?next=/seine-saint-denis/equipe/" in response.headers["Location"]


def test_magic_link_is_mailed_shown_with_a_button_and_consumed_only_by_post(app, client):
    user = member(Role.BENEFICIARY, email="julien@exemple.fr")
    response = client.post("/connexion/lien", data={"email": "julien@exemple.fr"})
    assert response.status_code == 303
    assert "Vérifiez votre messagerie" in client.get(response.headers["Location"]).text
    [message] = outbox_messages(app)
    assert message["to"] == "julien@exemple.fr"
    link = link_in(message)
    path = link.split("portail.test", 1)[1]

    # A mail previewer (GET) does not consume the link.
    for _ in range(2):
        page = client.get(path)
        assert page.status_code == 200
        assert "Continuer" in page.text
    assert "spie_session" not in str(client.get_cookie("spie_session") or "")  # not logged in yet

    logged = client.post(path)
    assert logged.status_code == 303
    assert (
        client.get("/espace", follow_redirects=True).request.path
        == "/seine-saint-denis/carnet/mon-carnet"
    )

    # Single use.
    client.post("/deconnexion")
    again = client.post(path)
    assert again.status_code == 410
    assert "n'est plus valable" in again.text
    token = db.session.scalar(select(LoginToken).where(LoginToken.user_id == user.id))
    assert token.used_at is not None
    assert token.token_hash not in link  # only the hash is stored


def test_expired_magic_link_is_refused(app, client):
    member(Role.BENEFICIARY, email="julien@exemple.fr")
    client.post("/connexion/lien", data={"email": "julien@exemple.fr"})
    path = link_in(outbox_messages(app)[0]).split("portail.test", 1)[1]
    token = db.session.scalar(select(LoginToken))
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.session.commit()
    assert client.get(path).status_code == 410
    assert client.post(path).status_code == 410


def test_magic_link_request_does_not_reveal_whether_the_email_exists(app, client):
    member(Role.BENEFICIARY, email="julien@exemple.fr")
    known = client.post("/connexion/lien", data={"email": "julien@exemple.fr"})
    unknown = client.post("/connexion/lien", data={"email": "inconnu@exemple.fr"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert [m["to"] for m in outbox_messages(app)] == ["julien@exemple.fr"]


def test_logout_is_a_post_and_ends_every_session_of_the_user(app, client, login_as):
    user = member(Role.PROFESSIONAL)
    login_as(user)
    other_device = app.test_client()
    other_device.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/seine-saint-denis/").status_code == 200

    # A GET (a prefetch, an image tag) never logs anyone out.
    client.get("/deconnexion", follow_redirects=True)
    assert client.get("/seine-saint-denis/").status_code == 200
    response = client.post("/deconnexion")
    assert response.status_code == 303
    assert client.get("/seine-saint-denis/").status_code == 302
    assert other_device.get("/seine-saint-denis/").status_code == 302


def test_session_cookie_is_httponly_lax_and_renewed_at_login(client):
    user = member(Role.PROFESSIONAL)
    client.get("/connexion")
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_outside_debug(app):
    from app import create_app

    production = create_app(
        {
            "SECRET_KEY": "s",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "PUBLIC_BASE_URL": "https://portail.exemple.fr",
        }
    )
    assert production.config["SESSION_COOKIE_SECURE"] is True


def test_inactive_user_cannot_log_in(client):
    user = member(Role.PROFESSIONAL)
    user.is_active = False
    db.session.commit()
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_emails_are_unique_whatever_their_case(client):
    member(Role.PROFESSIONAL, email="karim@exemple.fr")
    from app.accounts.services import user_by_email

    assert user_by_email("KARIM@exemple.FR ").email == "karim@exemple.fr"
    assert db.session.scalar(select(User).where(User.email == "karim@exemple.fr")) is not None


PROCESS = """
import sys
from app import create_app
config = dict(TESTING=True, SECRET_KEY="s", SQLALCHEMY_DATABASE_URI=sys.argv[1], MAIL_OUTBOX_PATH=sys.argv[4],
              RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", RATELIMIT_KEY_PREFIX=sys.argv[2],
              WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=False)
client = create_app(config).test_client()
print(",".join(str(client.post("/connexion", data={"email": "cible@exemple.fr", "password": "x"}).status_code)
               for _ in range(int(sys.argv[3]))))
"""


def test_rate_limits_are_shared_between_processes_through_redis(app, tmp_path):
    """Two web processes sharing Redis see the same counters (the PaaS setting)."""
    import subprocess
    import sys
    import uuid

    import pytest
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    def process(attempts: int) -> str:
        args = [
            sys.executable,
            "-c",
            PROCESS,
            url,
            prefix,
            str(attempts),
            str(tmp_path / "o.jsonl"),
        ]
        return subprocess.run(  # noqa: S603 (our own interpreter and script)
            args, capture_output=True, text=True, check=True
        ).stdout.strip()

    assert process(3) == "401,401,401"
    assert process(3) == "401,401,429"  # the second process sees the first one's attempts
    assert redis.Redis(host="127.0.0.1", port=6379).keys(f"*{prefix}*")
