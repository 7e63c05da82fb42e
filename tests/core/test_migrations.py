"""The SQLite rebuild to AUTOINCREMENT keeps every child row, and ids are never reused after it."""

from __future__ import annotations

import os
import sqlite3

import pytest
from flask_migrate import downgrade, upgrade

from app import create_app
from tests.conftest import portal_test_config

BEFORE = "ddbc21b534c9"  # the revision before ids became never reused

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite rebuilds tables; PostgreSQL does not"
)


def rows(path):
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in ("territory", "beneficiary", "notebook", "barrier", "audit_entry")
        }


def test_rebuilding_keeps_child_rows_and_stops_reusing_ids(tmp_path):
    path = tmp_path / "old.sqlite3"
    app = create_app(portal_test_config(f"sqlite:///{path}", tmp_path))
    with app.app_context():
        upgrade(revision=BEFORE)
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            INSERT INTO territory (id, slug, name, department_code) VALUES (1, 't', 'T', '93');
            INSERT INTO beneficiary (id, first_name, last_name, birth_date, situation,
                territory_id, created_at) VALUES (1, 'A', 'B', '1980-01-01', 'other', 1, '2026-01-01');
            INSERT INTO notebook (id, beneficiary_id, contract_type, diagnostic, territory_id,
                created_at) VALUES (7, 1, 'none', '', 1, '2026-01-01');
            INSERT INTO barrier (notebook_id, theme, situation, status, visibility, territory_id,
                created_at) VALUES (7, 'sante', 's', 'identified', 'summary', 1, '2026-01-01');
            INSERT INTO audit_entry (at, action, object_type, object_id, detail) VALUES
                ('2026-01-01', 'modified', 'notebook', 7, 'objective: Objectif ajouté : secret');
            """
        )
    before = rows(path)

    with app.app_context():
        upgrade()

    assert rows(path) == before  # nothing cascaded away while the tables were rebuilt
    with sqlite3.connect(path) as conn:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'notebook'").fetchone()[0]
        assert "AUTOINCREMENT" in sql
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT detail FROM audit_entry").fetchone()[0] == "objective"
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("DELETE FROM notebook WHERE id = 7")
        conn.execute(
            "INSERT INTO notebook (beneficiary_id, contract_type, diagnostic, territory_id, "
            "created_at) VALUES (1, 'none', '', 1, '2026-02-01')"
        )
        assert conn.execute("SELECT id FROM notebook").fetchone()[0] == 8  # 7 is never reused

    with app.app_context():  # and back
        downgrade(revision=BEFORE)
    assert rows(path)["territory"] == 1


def test_every_table_declared_never_reused_is_autoincrement_after_the_migrations(app):
    """A later migration that rebuilds a table (Alembic's batch mode on SQLite) must pass
    `table_kwargs={"sqlite_autoincrement": True}`, or the table silently reuses ids again."""
    from sqlalchemy import text

    from app.extensions import db

    declared = [
        t.name for t in db.metadata.sorted_tables if t.dialect_kwargs.get("sqlite_autoincrement")
    ]
    assert {"notebook", "audit_entry", "user", "beneficiary", "timeline_event"} <= set(declared)
    for name in declared:
        sql = db.session.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": name},
        ).scalar()
        assert "AUTOINCREMENT" in sql, name
