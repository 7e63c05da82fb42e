"""Changing one's password ends every other session; this browser stays logged in."""

import html

from sqlalchemy import select

from app.accounts.roles import Role
from app.core.models import AuditEntry
from app.extensions import db
from tests.factories import PASSWORD, member

URL = "/compte/mot-de-passe"
NEW = "Un-nouveau-mot-de-passe-2026"


def log_in(client, user, password=PASSWORD):
    return client.post("/connexion", data={"email": user.email, "password": password})


def test_changing_the_password_ends_the_other_sessions(app, client):
    user = member(Role.PROFESSIONAL)
    log_in(client, user)
    other_device = app.test_client()
    other_device.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    log_in(other_device, user)
    assert "Changer mon mot de passe" in client.get(URL).text

    response = client.post(URL, data={"current": PASSWORD, "password": NEW, "confirm": NEW})

    assert response.status_code == 303
    assert "/connexion" not in client.get("/espace").headers.get("Location", "")  # still in
    assert "/connexion" in other_device.get("/espace").headers["Location"]
    assert log_in(other_device, user).status_code == 401  # the old password no longer works
    assert log_in(other_device, user, NEW).status_code == 303
    assert db.session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.action == "password_changed", AuditEntry.actor_id == user.id
        )
    )


def test_the_current_password_is_required_and_checked(client):
    user = member(Role.PROFESSIONAL)
    log_in(client, user)
    response = client.post(URL, data={"current": "pas-le-bon", "password": NEW, "confirm": NEW})
    assert response.status_code == 422
    assert "Le mot de passe actuel n'est pas le bon." in html.unescape(response.text)
    assert log_in(client, user).status_code == 303  # unchanged


def test_a_short_or_mismatched_password_is_refused_in_french(client):
    user = member(Role.PROFESSIONAL)
    log_in(client, user)
    short = client.post(URL, data={"current": PASSWORD, "password": "court", "confirm": "court"})
    assert short.status_code == 422
    assert "entre 12 et 200 caractères" in html.unescape(short.text)
    mismatch = client.post(URL, data={"current": PASSWORD, "password": NEW, "confirm": NEW + "x"})
    assert "ne sont pas identiques" in html.unescape(mismatch.text)


def test_anonymous_visitors_are_sent_to_login(client):
    assert "/connexion" in client.get(URL).headers["Location"]
