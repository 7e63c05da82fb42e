"""One transaction per request, per API call and per command.

Domain code adds and flushes; it never commits. The request commits once, after the view, when
the response is a success (status < 400); any error response or exception rolls the whole request
back, so nothing is half-written. Mail queued during the request (`app.core.mail.queue`) is sent
only after the commit. Audit entries marked durable (refused accesses) are written even when the
request rolls back, in a transaction of their own.
"""

from __future__ import annotations

import contextlib
import threading

from flask import current_app, g, request
from sqlalchemy import select, update

from app.extensions import db


def keep_after_rollback(row) -> None:
    """Write `row` even if the request rolls back (e.g. the audit entry of a refused access)."""
    g.setdefault("_durable_rows", []).append(row)


def _durable_rows() -> list:
    return g.pop("_durable_rows", [])


def _write_durable(rows: list) -> None:
    if not rows:
        return
    from sqlalchemy.orm import make_transient

    for row in rows:
        make_transient(row)
        row.id = None
        db.session.add(row)
    db.session.commit()


def finish_request(response):
    """after_request: commit on success, roll back otherwise; then send what was queued."""
    durable = _durable_rows()
    if response.status_code < 400:
        db.session.commit()
        _after_commit(response)
    else:
        db.session.rollback()
        _forget_queued_mail()
        _write_durable(durable)
    return response


def abandon_request(exc=None) -> None:
    """teardown_request: whatever was not committed (an exception escaped) is rolled back."""
    if exc is not None:
        db.session.rollback()
        _forget_queued_mail()
        _write_durable(_durable_rows())


def _forget_queued_mail() -> None:
    from app.core import mail

    mail.forget_queued()


def _after_commit(response) -> None:
    from app.core import mail

    failed = mail.send_queued(response)
    if failed and response.status_code in (200, 201, 204, 302, 303):
        from flask import flash

        flash(
            "Le courriel n'a pas pu être envoyé pour l'instant : il sera renvoyé automatiquement. "
            "Ce que vous avez enregistré est bien conservé.",
            "warning",
        )


def after_response(response, work, *, what: str) -> None:
    """Run `work()` in its own unit of work once `response` has been sent (gunicorn and most WSGI
    servers close a response as soon as it is written). Werkzeug's development server first drains
    the socket until the browser hangs up, which can take minutes: there, `work` starts at once in
    a thread. A failure is logged with `what`, never shown to the person."""
    app = current_app._get_current_object()

    def run():
        with app.app_context():
            try:
                with unit_of_work():
                    work()
            except Exception:
                app.logger.exception("%s failed after the response", what)

    if request.environ.get("SERVER_SOFTWARE", "").startswith("Werkzeug/"):
        threading.Thread(target=run, name=what).start()
    else:
        response.call_on_close(run)


@contextlib.contextmanager
def unit_of_work():
    """For commands and jobs: commit once at the end (roll back on error), then send the mail."""
    from app.core import mail

    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        mail.forget_queued()
        raise
    mail.send_queued()


def lock_row(model, *where, touch):
    """The row of `model` matching `where`, locked until the transaction ends and read fresh after
    the lock (None if there is none).

    PostgreSQL: SELECT … FOR UPDATE on the row. SQLite has no row locks: a no-op write on the row
    (`touch`, a plain column, set to itself) first takes the database's write lock, so that a
    concurrent writer waits before it reads.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(model).where(*where).values({touch.key: touch}),
            execution_options={"synchronize_session": False},
        )
    return db.session.scalar(
        select(model).where(*where).with_for_update().execution_options(populate_existing=True)
    )


def register(app) -> None:
    app.after_request(finish_request)
    app.teardown_request(abandon_request)
