"""Throttling of login attempts: every attempt counts, per IP and per address; 429 with a growing
Retry-After; the owner's usual browser is never locked out; the answer takes the same work
whether the address exists."""

import time

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from app.accounts import throttle
from app.accounts.roles import Role
from app.core.querycount import count_queries
from app.extensions import db
from tests.conftest import outbox_messages
from tests.factories import PASSWORD, member

FREE = throttle.FREE_PER_ADDRESS


def attempt(client, email, password="mauvais-mot-de-passe"):
    return client.post("/connexion", data={"email": email, "password": password})


@pytest.fixture
def target():
    return member(Role.PROFESSIONAL, email="cible@exemple.fr")


def test_attempts_past_the_allowance_wait_a_delay_that_grows(client, target):
    statuses = [attempt(client, target.email).status_code for _ in range(FREE + 1)]
    assert statuses == [401] * FREE + [429]

    blocked = attempt(client, target.email, PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "2"
    assert "Trop de tentatives" in blocked.text
    assert "Patientez 2 secondes" in blocked.text

    time.sleep(2.1)  # the worker never sleeps: the client does
    assert attempt(client, target.email).status_code == 401  # examined again…
    again = attempt(client, target.email)
    assert again.status_code == 429
    assert int(again.headers["Retry-After"]) > 2  # …and the next delay is longer


def test_delays_double_up_to_fifteen_minutes():
    assert [throttle.delay(n, 5) for n in (1, 4, 5, 6, 7, 8)] == [0, 0, 2, 4, 8, 16]
    assert throttle.delay(100, 5) == 15 * 60


def test_every_attempt_counts_per_ip_successes_included(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "THROTTLE_FREE_PER_IP", 3)
    users = [member(Role.PROFESSIONAL) for _ in range(4)]
    first = [attempt(client, u.email, PASSWORD).status_code for u in users[:3]]
    assert first == [303, 303, 303]
    refused = attempt(client, users[3].email, PASSWORD)
    assert refused.status_code == 429
    # The third attempt set a 2-second wait; the fourth is told what remains of it (a loaded
    # machine may take more than a second between them).
    assert refused.headers["Retry-After"] in {"1", "2"}
    # Another IP is not concerned.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert attempt(other, users[3].email, PASSWORD).status_code == 303


def test_login_link_requests_and_uses_count_too(app, client, target, monkeypatch):
    monkeypatch.setitem(app.config, "THROTTLE_FREE_PER_IP", 3)
    for _ in range(3):
        assert client.post("/connexion/lien", data={"email": target.email}).status_code == 303
    assert client.post("/connexion/lien", data={"email": target.email}).status_code == 429
    assert client.get("/connexion/lien/jeton-invente").status_code == 429
    assert client.get("/invitations/jeton-invente").status_code == 429


def test_an_attacker_cannot_lock_the_owner_out_of_their_usual_browser(app, client, target):
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    assert attempt(owner, target.email, PASSWORD).status_code == 303  # the device is remembered
    owner.post("/deconnexion")

    attacker = app.test_client()
    for i in range(30):
        attacker.environ_base["REMOTE_ADDR"] = f"203.0.113.{i}"  # from many addresses
        attempt(attacker, target.email)
    assert attempt(attacker, target.email, PASSWORD).status_code == 429

    assert attempt(owner, target.email, PASSWORD).status_code == 303


def test_a_device_cookie_only_frees_the_address_it_was_issued_for(app, client, target):
    assert attempt(client, target.email, PASSWORD).status_code == 303
    client.post("/deconnexion")
    other = member(Role.PROFESSIONAL, email="autre@exemple.fr")
    statuses = [attempt(client, other.email).status_code for _ in range(FREE + 1)]
    assert statuses[-1] == 429


def test_a_forged_device_cookie_is_ignored(app, client, target):
    client.set_cookie(throttle.DEVICE_COOKIE, "forge", domain="portail.test")
    statuses = [attempt(client, target.email).status_code for _ in range(FREE + 1)]
    assert statuses[-1] == 429


def _statements_of(app, path, data):
    """The SQL statements the request runs before its answer leaves, and its status; what runs
    after the answer (on close) is not counted."""
    environ = EnvironBuilder(
        path=path, method="POST", data=data, base_url="http://portail.test"
    ).get_environ()
    db.session.commit()
    with count_queries() as statements:
        body, status, _headers = run_wsgi_app(app, environ)
    list(body)
    body.close()  # the answer has left: deferred work runs now
    return [s for s in statements], status


def test_a_login_link_request_does_the_same_work_whether_the_address_exists(app, target):
    known, known_status = _statements_of(app, "/connexion/lien", {"email": target.email})
    unknown, unknown_status = _statements_of(app, "/connexion/lien", {"email": "x@exemple.fr"})
    assert known_status == unknown_status == "303 SEE OTHER"
    assert known == unknown
    # The mail left after the answer, for the known address only.
    assert [m["to"] for m in outbox_messages(app)] == [target.email]


def test_a_wrong_password_does_the_same_work_whether_the_address_exists(app, target):
    data = {"password": "mauvais-mot-de-passe"}
    known, _ = _statements_of(app, "/connexion", {**data, "email": target.email})
    unknown, _ = _statements_of(app, "/connexion", {**data, "email": "x@exemple.fr"})
    assert known == unknown


def test_the_throttle_keys_hold_no_address(app, client, target):
    attempt(client, target.email)
    keys = " ".join(str(k) for k in throttle.limiter.storage.storage)
    assert "cible" not in keys and "exemple" not in keys
