"""The benchmark's database: migrated, seeded with the reference data, then every loader."""

from __future__ import annotations

import tempfile

from sqlalchemy import inspect, text

from bench.loaders import Loaded, load_all


def make_app(url: str):
    from app import create_app

    folder = tempfile.mkdtemp(prefix="bench-app-")
    return create_app(
        {
            "SECRET_KEY": "bench-loader",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "MAIL_OUTBOX_PATH": f"{folder}/outbox.jsonl",
            "PUBLIC_BASE_URL": "http://127.0.0.1",
        }
    )


def load(url: str, sizes: dict[str, int], seed: int = 7) -> Loaded:
    """Fill an empty database at `url`; return the accounts and key pages."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.finance.seed import load_reference
    from app.tenancy.seed import load_territories

    app = make_app(url)
    with app.app_context():
        if "user" in inspect(db.engine).get_table_names():
            raise SystemExit(f"La base {db.engine.url!r} n'est pas vide : donnez une base neuve.")
        upgrade()
        load_territories()
        load_reference()
        loaded = load_all(sizes, seed)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            _advance_sequences(db)
            db.session.commit()
            # As after any bulk load or restore: statistics and visibility maps up to date
            # before serving, or autovacuum does it during the first pages' measurements.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
    return loaded


def _advance_sequences(db) -> None:
    """Loaders insert explicit ids: move PostgreSQL's sequences past them."""
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "  # noqa: S608
                    f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                )
            )
