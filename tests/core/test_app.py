"""Configuration, health, security headers, CSRF, error pages, assets."""

import pytest
from sqlalchemy import func, select

from app import create_app
from app.accounts.roles import Role
from app.config import _database_url
from app.extensions import db
from tests.conftest import PortalClient, portal_test_config
from tests.factories import PASSWORD, member


def test_healthz_pings_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_refuses_to_start_without_secret_key_outside_debug(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_database_url_defaults_to_instance_sqlite_and_accepts_paas_postgres(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert _database_url("/srv/instance") == "sqlite:////srv/instance/portal.sqlite3"
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/portal")
    assert _database_url("/x") == "postgresql+psycopg://u:p@db:5432/portal"


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_pages_have_no_inline_script_or_style(client, login_as):
    login_as(member(Role.COORDINATOR))
    for path in ("/", "/seine-saint-denis/", "/seine-saint-denis/equipe/", "/mentions-legales"):
        html = client.get(path, follow_redirects=True).text
        assert "<script>" not in html and "<style" not in html
        assert " style=" not in html
        assert " onclick=" not in html


def test_error_pages_are_french_dsfr_pages(client):
    response = client.get("/nulle-part/ni-ici")
    assert response.status_code == 404
    assert "Page non trouvée" in response.text
    assert 'lang="fr"' in response.text
    assert "fr-header" in response.text


def test_dev_outbox_exists_only_in_debug_for_a_national_admin(app, client, tmp_path):
    assert client.get("/dev/outbox").status_code == 404
    debug_app = create_app(
        {**portal_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path), "DEBUG": True}
    )
    debug_app.debug = True
    debug_app.test_client_class = PortalClient
    visitor = debug_app.test_client()
    assert visitor.get("/dev/outbox").status_code == 302  # to the login page
    for role, slug, status in [
        (Role.COORDINATOR, "seine-saint-denis", 404),
        (Role.ADMIN, None, 200),
    ]:
        browser = debug_app.test_client()
        user = member(role, slug)
        browser.post("/connexion", data={"email": user.email, "password": PASSWORD})
        page = browser.get("/dev/outbox")
        assert page.status_code == status, role
    assert "Boîte d'envoi" in page.text


@pytest.fixture
def csrf_client(app, tmp_path):
    config = {**portal_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)}
    config["WTF_CSRF_ENABLED"] = True
    csrf_app = create_app(config)
    csrf_app.test_client_class = PortalClient
    return csrf_app.test_client()


def _token(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_posts_without_a_csrf_token_are_refused(csrf_client):
    user = member(Role.PROFESSIONAL)
    response = csrf_client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Session expirée" in response.text


def test_csrf_token_in_form_and_in_the_htmx_header_are_accepted(csrf_client):
    user = member(Role.PROFESSIONAL)
    page = csrf_client.get("/connexion").text
    response = csrf_client.post(
        "/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": _token(page)}
    )
    assert response.status_code == 303
    home = csrf_client.get("/seine-saint-denis/").text
    import re

    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    refused = csrf_client.post("/deconnexion", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = csrf_client.post(
        "/deconnexion", headers={"HX-Request": "true", "X-CSRFToken": header_token}
    )
    assert accepted.status_code == 303


def test_schema_matches_the_migrations(app):
    """The equivalent of `flask db check`: no model change lacks its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        # The app's own Alembic options (full-text tables are left to their migration).
        context = MigrationContext.configure(
            connection, opts=dict(app.extensions["migrate"].configure_args)
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_users_table_is_reachable(app):
    from app.accounts.models import User

    assert db.session.scalar(select(func.count(User.id))) == 0


def test_foreign_keys_are_enforced_on_every_database(app):
    from sqlalchemy.exc import IntegrityError

    from app.tenancy.models import Structure

    db.session.add(Structure(name="Orpheline", territory_id=999_999))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
