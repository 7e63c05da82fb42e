"""Fixtures: one app and one migrated database per session; every test starts from clean tables."""

from __future__ import annotations

import atexit
import os
import re

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from app import create_app
from app.extensions import db, limiter

# Reference tables keep their rows between tests; every other table is emptied after each test.
REFERENCE_TABLES = {
    "territory",
    "territory_service",
    "convention",
    "party",
    "startup",
    "cost_centre",
    "alembic_version",
    "dora_commune",
    "dora_epci",
}


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(url, worker) if worker else url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def _worker_database(url: str, worker: str) -> str:
    """With `pytest -n`, each worker its own PostgreSQL database beside TEST_DATABASE_URL's
    (made afresh, dropped when the worker ends): workers empty their tables between tests."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    server = create_engine(base, isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with server.connect() as connection:
        connection.execute(drop)
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop_it():
        with server.connect() as connection:
            connection.execute(drop)
        server.dispose()

    atexit.register(drop_it)
    return base.set(database=name).render_as_string(hide_password=False)


def portal_test_config(url: str, tmp_dir) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "MAIL_SERVER": "",
        "MAIL_OUTBOX_PATH": str(tmp_dir / "outbox.jsonl"),
        "SERVER_NAME": "portail.test",
        "SESSION_COOKIE_SECURE": False,
        "INDICATORS_CACHE_SECONDS": 0,  # each test sees its own figures
    }


class PortalClient(FlaskClient):
    """Runs each request outside the test's own app context, as in production: the request gets
    a fresh session, `g` and login state, so nothing cached by the test leaks into it."""

    def open(self, *args, **kwargs):
        # Like a real server, close each response (mail queued for "after the response" leaves).
        kwargs.setdefault("buffered", True)
        ctx = _cv_app.get(None)
        if ctx is not None:
            db.session.commit()
            ctx.pop()
        try:
            return super().open(*args, **kwargs)
        finally:
            if ctx is not None:
                ctx.push()


def migrate_and_seed(app) -> None:
    from flask_migrate import upgrade

    from app.core import spaces

    with app.app_context():
        upgrade()
        spaces.load_reference_data()
        db.session.commit()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("instance")
    application = create_app(portal_test_config(database_url(tmp_path_factory), tmp))
    application.test_client_class = PortalClient
    # Objects made by factories stay readable after the request that follows them.
    db.session.session_factory.kw["expire_on_commit"] = False
    migrate_and_seed(application)
    return application


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield
        db.session.rollback()
        _empty_tables()
    outbox = app.config["MAIL_OUTBOX_PATH"]
    if os.path.exists(outbox):
        os.remove(outbox)
    limiter.reset()


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()
    db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def htmx_client(app):
    client = app.test_client()
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    return client


@pytest.fixture
def login_as(client):
    """Log `user` in on the test client, through the real password login."""

    def _login(user, password="Mot-de-passe-de-test-1"):
        response = client.post("/connexion", data={"email": user.email, "password": password})
        assert response.status_code == 303, response.text
        return client

    return _login


def outbox_messages(app) -> list[dict]:
    import json

    path = app.config["MAIL_OUTBOX_PATH"]
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def link_in(message: dict) -> str:
    match = re.search(r"https?://\S+", message["body"])
    assert match, message["body"]
    return match.group(0)
