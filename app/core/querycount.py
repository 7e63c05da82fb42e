"""Count the SQL statements a block runs: for N+1 checks in tests and figures in benchmarks."""

from __future__ import annotations

import contextlib

from sqlalchemy import event

from app.extensions import db


@contextlib.contextmanager
def count_queries():
    """Yield a list that fills with each SQL statement the block sends to the database."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
