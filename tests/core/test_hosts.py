"""Links in mail come from the configured public address; unknown hosts are refused."""

import pytest

from app import create_app
from app.accounts.roles import Role
from tests.conftest import link_in, outbox_messages, portal_test_config
from tests.factories import member


def test_a_forged_host_is_refused(client):
    assert client.get("/", headers={"Host": "portail.test"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.post("/connexion/lien", headers={"Host": "evil.example"}).status_code == 400


def test_a_magic_link_is_built_from_the_public_address_whatever_the_request_says(app, client):
    user = member(Role.PROFESSIONAL)
    response = client.post(
        "/connexion/lien",
        data={"email": user.email},
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"},
    )
    assert response.status_code == 303
    [message] = outbox_messages(app)
    assert link_in(message).startswith(app.config["PUBLIC_BASE_URL"] + "/connexion/lien/")
    assert "evil.example" not in message["body"]


def test_forwarded_headers_are_trusted_only_behind_the_configured_proxies(app, tmp_path):
    config = portal_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    config.update(SERVER_NAME=None, PUBLIC_BASE_URL="https://portail.exemple.fr")
    direct = create_app(config).test_client()
    # No proxy configured: X-Forwarded-Host is ignored (the request's own host is checked).
    assert direct.get("/healthz", headers={"X-Forwarded-Host": "evil.example"}).status_code == 200

    behind_one = create_app({**config, "PROXY_COUNT": 1}).test_client()
    forwarded = {"X-Forwarded-Host": "portail.exemple.fr", "X-Forwarded-Proto": "https"}
    assert behind_one.get("/healthz", headers=forwarded).status_code == 200
    evil = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    assert behind_one.get("/healthz", headers=evil).status_code == 400


def test_production_refuses_to_start_without_a_public_address():
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app({"SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_every_response_with_data_is_not_cacheable(client, login_as):
    assert client.get("/api/v1/openapi.json").headers["Cache-Control"] == "no-store"
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"
    login_as(member(Role.PROFESSIONAL))
    assert client.get("/seine-saint-denis/carnet/carnets").headers["Cache-Control"] == "no-store"
