"""Structured logs: JSON lines with request id, user id and territory; no query string, no
personal data, no SQL parameters."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import text

from app import create_app
from app.accounts.roles import Role
from app.core.logging import safe_path, scrub
from app.extensions import db
from tests.conftest import PortalClient, portal_test_config
from tests.factories import PASSWORD, member


@pytest.fixture
def logged(app, tmp_path):
    """An app logging JSON lines into a buffer."""
    stream = io.StringIO()
    config = portal_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    config.update(LOG_FORMAT="json", LOG_STREAM=stream)
    application = create_app(config)
    application.test_client_class = PortalClient

    def lines():
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    application.lines = lines
    return application


def test_each_request_is_one_json_line_with_its_ids_and_no_query_string(logged):
    user = member(Role.PROFESSIONAL, first_name="Karim", last_name="Benali")
    client = logged.test_client()
    client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    response = client.get("/seine-saint-denis/carnet/carnets?q=Moreau&nir=185077512345608")
    entry = logged.lines()[-1]
    assert entry["logger"] == "app.request"
    assert entry["path"] == "/seine-saint-denis/carnet/carnets"
    assert entry["endpoint"] == "carnet.notebooks"
    assert entry["status"] == 200
    assert entry["user_id"] == user.id
    assert entry["territory"] == "seine-saint-denis"
    assert entry["request_id"] == response.headers["X-Request-Id"]
    everything = json.dumps(logged.lines(), ensure_ascii=False)
    for personal in ("Moreau", "185077512345608", user.email, "Karim", "Benali"):
        assert personal not in everything


def test_the_routers_request_id_is_kept_when_it_is_a_plain_token(logged):
    client = logged.test_client()
    assert client.get("/", headers={"X-Request-Id": "abc-123-def-456"}).headers["X-Request-Id"] == (
        "abc-123-def-456"
    )
    forged = client.get("/", headers={"X-Request-Id": "x {injected}"}).headers["X-Request-Id"]
    assert forged != "x {injected}" and len(forged) == 32


def test_messages_and_exceptions_are_scrubbed_and_sql_parameters_hidden(logged):
    with logged.test_request_context("/"):
        logged.logger.warning(
            "mail to julien@exemple.fr, 06 12 34 56 78, NIR 1 85 07 75 123 456 08"
        )
        try:
            with logged.app_context():
                db.session.execute(
                    text("SELECT * FROM no_such_table WHERE nir = :nir"),
                    {"nir": "185077512345608"},
                )
        except Exception:
            logged.logger.exception("failed")
    warning, failure = logged.lines()[-2:]
    assert warning["message"] == "mail to <courriel>, <téléphone>, NIR <numéro>"
    assert "185077512345608" not in failure["exception"]
    assert "parameters hidden" in failure["exception"]


def test_secret_tokens_in_paths_are_masked(app):
    """Every route with a `token` (a link that acts without a login) or a `grant` is masked:
    found in the URL map, so a signed link added later is covered too."""
    signed = [rule for rule in app.url_map.iter_rules() if rule.arguments & {"token", "grant"}]
    assert {
        "/reva/partage/<token>",
        "/<territory>/dora/orientations/lien/<token>",
        "/<territory>/carnet/carnets/acces/<grant>/rejoindre",
    } <= {rule.rule for rule in signed}
    for rule in signed:
        path = rule.rule.replace("<territory>", "loire-atlantique")
        path = path.replace("<token>", "s3cr3t.Xy-Z").replace("<grant>", "s3cr3t.Xy-Z")
        assert "s3cr3t" not in safe_path(path), rule.rule
        assert "/<jeton>" in safe_path(path), rule.rule
    assert (
        safe_path("/loire-atlantique/dora/orientations/lien/AbC.d-e_f")
        == "/loire-atlantique/dora/orientations/lien/<jeton>"
    )
    assert safe_path("/loire-atlantique/dora/orientations/12") == (
        "/loire-atlantique/dora/orientations/12"
    )
    assert safe_path("/seine-saint-denis/carnet/carnets/acces/eyJ.abc/rejoindre") == (
        "/seine-saint-denis/carnet/carnets/acces/<jeton>/rejoindre"
    )
    assert safe_path("/connexion/lien/AbC-123_x") == "/connexion/lien/<jeton>"
    assert safe_path("/invitations/AbC") == "/invitations/<jeton>"
    assert (
        safe_path("/seine-saint-denis/carnet/carnets/12") == "/seine-saint-denis/carnet/carnets/12"
    )
    assert (
        scrub("request 3f9a774d7df7406bbd5c12345678901")
        == "request 3f9a774d7df7406bbd5c12345678901"
    )


def test_a_signed_orientation_link_reaches_the_request_log_masked(logged):
    client = logged.test_client()
    client.get("/loire-atlantique/dora/orientations/lien/Zm9v.YmFy-secret")
    entry = logged.lines()[-1]
    assert entry["path"] == "/loire-atlantique/dora/orientations/lien/<jeton>"
    assert "secret" not in json.dumps(logged.lines())
