"""`flask db backup` / `flask db restore`: back up, change, restore, and every row is as it was
(SQLite online backup API; pg_dump / pg_restore on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from app.accounts.models import User
from app.accounts.roles import Role
from app.carnet.models import Beneficiary, Notebook
from app.extensions import db
from tests.carnet.factories import NotebookFactory, add_barrier, add_member
from tests.core.battery import seed_demo
from tests.factories import member


def every_row() -> dict[str, list[tuple]]:
    db.session.rollback()
    return {
        table.name: [
            tuple(row)
            for row in db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        ]
        for table in db.metadata.sorted_tables
    }


def run(app, *args):
    db.session.commit()
    db.session.close()  # the restore replaces tables: the test holds no lock on them
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_backup_change_restore_gives_back_every_row(app, tmp_path):
    seed_demo(app)
    notebook = NotebookFactory()
    add_member(notebook, member(Role.PROFESSIONAL))
    add_barrier(notebook)
    before = every_row()
    assert sum(len(rows) for rows in before.values()) > 50
    path = tmp_path / "portal.backup"

    output = run(app, "db", "backup", "--output", str(path))
    assert str(path) in output and path.stat().st_size > 0

    # Change everything a bad day could: edits, deletions, new rows.
    db.session.execute(update(User).values(first_name="Écrasé"))
    db.session.execute(delete(Notebook).where(Notebook.id == notebook.id))
    db.session.execute(delete(Beneficiary).where(Beneficiary.id == notebook.beneficiary_id))
    member(Role.COORDINATOR)
    db.session.commit()
    assert every_row() != before

    assert "restaurée" in run(app, "db", "restore", str(path), "--yes")
    assert every_row() == before


def test_restore_asks_for_confirmation_and_refuses_a_missing_file(app, tmp_path):
    runner = app.test_cli_runner()
    db.session.commit()
    refused = runner.invoke(args=["db", "restore", str(tmp_path / "absent.dump")], input="n\n")
    assert refused.exit_code != 0
    missing = runner.invoke(args=["db", "restore", str(tmp_path / "absent.dump"), "--yes"])
    assert missing.exit_code != 0
    assert "Sauvegarde introuvable" in missing.output


def test_backup_defaults_to_the_instance_folder(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    output = run(app, "db", "backup")
    assert str(tmp_path / "backups" / "portal-") in output
