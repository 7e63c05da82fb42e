"""`flask db backup` and `flask db restore`: a consistent copy of the whole database, and back.

SQLite: the online backup API (a consistent snapshot while the portal runs, page by page).
PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --single-transaction` (the client
tools of the server's major version must be installed; the PaaS images provide them).
The commands join Flask-Migrate's `db` group.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from app.extensions import db


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq(url) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment carrying it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise click.ClickException(
            f"{name} est introuvable : installez les outils clients de PostgreSQL."
        )
    return path


def default_path() -> str:
    folder = os.path.join(current_app.instance_path, "backups")
    os.makedirs(folder, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    extension = "sqlite3" if _url().get_backend_name() == "sqlite" else "dump"
    return os.path.join(folder, f"portal-{stamp}.{extension}")


def backup(path: str) -> None:
    """Write a consistent copy of the database to `path`."""
    url = _url()
    if url.get_backend_name() == "sqlite":
        target = sqlite3.connect(path)
        raw = db.engine.raw_connection()
        try:
            raw.driver_connection.backup(target)
        finally:
            raw.close()
            target.close()
        return
    dsn, env = _libpq(url)
    subprocess.run(  # noqa: S603 (fixed tool, arguments from the configuration)
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", f"--file={path}", dsn],
        env=env,
        check=True,
    )


def restore(path: str) -> None:
    """Replace the database's contents with those of the backup at `path` (all or nothing)."""
    if not os.path.isfile(path):
        raise click.ClickException(f"Sauvegarde introuvable : {path}")
    db.session.remove()
    db.engine.dispose()  # no pooled connection holds a table the restore replaces
    url = _url()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        raw = db.engine.raw_connection()
        try:
            source.backup(raw.driver_connection)
        finally:
            raw.close()
            source.close()
        db.engine.dispose()
        return
    dsn, env = _libpq(url)
    subprocess.run(  # noqa: S603 (fixed tool, arguments from the configuration)
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={dsn}",
            path,
        ],
        env=env,
        check=True,
    )
    db.engine.dispose()


@click.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Fichier de sauvegarde.")
@with_appcontext
def backup_command(output: str | None):
    """Sauvegarder toute la base (copie cohérente, portail en marche)."""
    path = output or default_path()
    backup(path)
    click.echo(f"Sauvegarde écrite : {path}")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirmer : le contenu actuel de la base est remplacé.")
@with_appcontext
def restore_command(path: str, yes: bool):
    """Restaurer une sauvegarde : remplace tout le contenu de la base."""
    if not yes:
        click.confirm(
            "Tout le contenu actuel de la base sera remplacé par la sauvegarde. Continuer ?",
            abort=True,
        )
    restore(path)
    click.echo(f"Base restaurée depuis {path}")


def register(app) -> None:
    from flask_migrate.cli import db as db_group

    db_group.add_command(backup_command)
    db_group.add_command(restore_command)
