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


def add_query_count_header(app) -> None:
    """With QUERY_COUNT_HEADER (benchmarks only), each response tells how many SQL statements
    its request ran, in `X-SQL-Queries`: the benchmark reads it through the real server."""
    from flask import g, has_app_context
    from sqlalchemy.engine import Engine

    def count(*args):
        if has_app_context() and "sql_queries" in g:
            g.sql_queries += 1

    event.listen(Engine, "before_cursor_execute", count)

    @app.before_request
    def start_counting():
        g.sql_queries = 0

    @app.after_request
    def report(response):
        if "sql_queries" in g:
            response.headers["X-SQL-Queries"] = str(g.sql_queries)
        return response
