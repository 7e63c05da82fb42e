"""Sessions and headers, asserted: cookie flags, renewal at login, invalidation at logout and at
password change, CSP without inline script on every page, HSTS outside debug, nosniff, and no
traceback or SQL in any error page outside debug."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint, jsonify
from sqlalchemy import text

from app import create_app
from app.accounts.models import User
from app.accounts.roles import Role
from app.core import access
from app.extensions import db
from tests.conftest import PortalClient, portal_test_config
from tests.core.battery import all_rules, build_path, demo_clients, is_int_argument, seed_demo
from tests.factories import PASSWORD, member

BASE = "https://portail.exemple.fr"


def production_app(app, *blueprints):
    """The portal as deployed: neither debug nor testing, CSRF on, HTTPS public address."""
    application = create_app(
        {
            "SECRET_KEY": "production-secret",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PUBLIC_BASE_URL": BASE,
            "MAIL_OUTBOX_PATH": app.config["MAIL_OUTBOX_PATH"],
            "PROPAGATE_EXCEPTIONS": False,
            # The test client builds its requests from these: https://portail.exemple.fr/…
            "SERVER_NAME": "portail.exemple.fr",
            "PREFERRED_URL_SCHEME": "https",
        }
    )
    for blueprint in blueprints:
        application.register_blueprint(blueprint)
    application.test_client_class = PortalClient
    return application


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def log_in(client, user, password=PASSWORD):
    token = token_of(client.get("/connexion").text)
    return client.post(
        "/connexion",
        data={"email": user.email, "password": password, "csrf_token": token},
        headers={"Referer": BASE + "/connexion"},  # Flask-WTF checks it over HTTPS
    )


def set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


@pytest.fixture
def production(app):
    return production_app(app).test_client()


# Cookies and sessions


def test_every_cookie_is_secure_httponly_and_lax_outside_debug(production):
    user = member(Role.PROFESSIONAL)
    response = log_in(production, user)
    assert response.status_code == 303
    cookies = set_cookies(response)
    assert {"spie_session", "spie_appareil"} <= cookies.keys()
    for name, header in cookies.items():
        attributes = {a.strip().split("=")[0].lower() for a in header.split(";")[1:]}
        assert {"secure", "httponly", "samesite"} <= attributes, name
        assert "SameSite=Lax" in header, name
        assert "Domain=" not in header, name  # host-only


def test_the_session_is_renewed_at_login(production):
    user = member(Role.PROFESSIONAL)
    production.get("/connexion")
    with production.session_transaction() as session:
        session["planted"] = "par un attaquant"  # fixation: anything set before login
    before = production.get_cookie("spie_session", domain="portail.exemple.fr").value
    log_in(production, user)
    after = production.get_cookie("spie_session", domain="portail.exemple.fr").value
    assert after != before
    with production.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{user.id}:")


def replay(app, cookie_value):
    """A new browser presenting a copied session cookie."""
    thief = production_app(app).test_client()
    thief.set_cookie("spie_session", cookie_value, domain="portail.exemple.fr", secure=True)
    return thief.get("/espace")


def test_logout_invalidates_the_session_cookie_even_replayed(app, production):
    user = member(Role.PROFESSIONAL)
    log_in(production, user)
    stolen = production.get_cookie("spie_session", domain="portail.exemple.fr").value
    assert replay(app, stolen).status_code in (200, 302)
    assert "/connexion" not in replay(app, stolen).headers.get("Location", "")

    page = production.get("/espace", follow_redirects=True).text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    assert (
        production.post("/deconnexion", headers={"X-CSRFToken": token, "Referer": BASE}).status_code
        == 303
    )

    refused = replay(app, stolen)
    assert refused.status_code == 302
    assert "/connexion" in refused.headers["Location"]


def test_a_password_change_ends_every_session(app, production):
    user = member(Role.PROFESSIONAL)
    log_in(production, user)
    stolen = production.get_cookie("spie_session", domain="portail.exemple.fr").value
    db.session.get(User, user.id).set_password("Un-nouveau-mot-de-passe-2026")
    db.session.commit()
    assert "/connexion" in replay(app, stolen).headers["Location"]
    assert "/connexion" in production.get("/espace").headers["Location"]
    assert log_in(production, user, "Un-nouveau-mot-de-passe-2026").status_code == 303


# Headers


def test_hsts_outside_debug_only(app, production, tmp_path):
    assert production.get("/").headers["Strict-Transport-Security"].startswith("max-age=")
    debug_app = create_app(portal_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path))
    debug_app.debug = True
    assert "Strict-Transport-Security" not in debug_app.test_client().get("/").headers


def test_csp_allows_no_inline_script_nor_eval(production):
    csp = production.get("/").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    for name in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in directives[name]
        assert "'unsafe-eval'" not in directives[name]
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_every_page_as_every_role_has_the_headers_and_no_inline_script(app):
    """GET every route as every demo role (ids of the demo data, the role's territory)."""
    logins = seed_demo(app)
    clients = demo_clients(app, logins)
    territory_of = {login["role"]: login["territory"] for login in reversed(logins)}
    pages = 0
    for role, client in clients.items():
        for rule in all_rules(app):
            if "GET" not in rule.methods:
                continue
            values = {n: 1 if is_int_argument(rule, n) else "x" for n in rule.arguments}
            if "territory" in rule.arguments:
                values["territory"] = territory_of.get(role) or "seine-saint-denis"
            response = client.get(build_path(rule, values))
            headers = response.headers
            assert headers["X-Content-Type-Options"] == "nosniff", rule.rule
            assert "Content-Security-Policy" in headers, rule.rule
            assert headers["X-Frame-Options"] == "DENY"
            assert headers["Cache-Control"] == "no-store", rule.rule
            if response.mimetype == "text/html":
                body = response.text
                assert not INLINE_SCRIPT.search(body), (rule.rule, role)
                assert not EVENT_HANDLER.search(body), (rule.rule, role)
                assert "javascript:" not in body.lower(), (rule.rule, role)
                pages += 1
    assert pages > 50


# Error pages


def failing_blueprint():
    broken = Blueprint("broken", __name__)

    @broken.get("/casse/sql")
    @access.public
    def sql_error():
        db.session.execute(text("SELECT secret_column FROM no_such_table WHERE nir = '1850775'"))

    @broken.get("/api/v1/casse")
    @access.public
    def api_error():
        raise RuntimeError("Traceback: password=hunter2")

    @broken.get("/casse/json")
    @access.public
    def value_error():
        return jsonify(1 / 0)

    return broken


LEAKS = ["Traceback", "no_such_table", "SELECT", "sqlalchemy", "hunter2", 'File "', "1850775"]


@pytest.mark.parametrize("path", ["/casse/sql", "/api/v1/casse", "/casse/json"])
def test_no_traceback_or_sql_in_error_pages_outside_debug(app, path):
    client = production_app(app, failing_blueprint()).test_client()
    response = client.get(path)
    assert response.status_code == 500
    for leak in LEAKS:
        assert leak not in response.text, leak
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nulle-part/ni-ici", 404),
        ("POST", "/connexion", 400),  # no CSRF token
        ("GET", "/deconnexion/", 404),
        ("PUT", "/connexion", 405),
        ("GET", "/seine-saint-denis/carnet/carnets/99999999999999", 404),
    ],
)
def test_client_error_pages_are_french_and_bare(app, method, path, status):
    client = production_app(app).test_client()
    response = client.open(path, method=method)
    assert response.status_code == status
    assert 'lang="fr"' in response.text
    for leak in LEAKS:
        assert leak not in response.text, leak
