"""Scheduled jobs: one entry point, `flask jobs run-due`, run by the platform's cron.

Each job says how often it is due. `run_due()` takes each job's lock, checks again that it is due
(another instance may have just run it), runs it in one unit of work and records the run. Two
instances started together never run the same job twice: on PostgreSQL the lock is an advisory
lock held by a dedicated connection (released by the server if the process dies); on SQLite, a
lock row taken by a conditional UPDATE, with an expiry in case the process dies.

Services add their jobs with `register(Job(...))`; `target` is "module:function", imported when
the job runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import String, Text, or_, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import UTCDateTime, utcnow
from app.extensions import db

LOCK_TTL = timedelta(hours=1)  # SQLite: a lock older than this was left by a dead process


class JobRun(db.Model):
    """The last run of each job, and its lock row on SQLite."""

    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    holder: Mapped[str | None] = mapped_column(String(120))


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    target: str  # "module:function", called without arguments
    description: str = ""

    def run(self):
        module, _, function = self.target.partition(":")
        return getattr(importlib.import_module(module), function)()


_jobs: dict[str, Job] = {}


def register(job: Job) -> Job:
    _jobs[job.name] = job
    return job


def all_jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda j: j.name)


def retry_mail():
    from app.core import mail

    sent, failed = mail.retry()
    return f"{sent} envoyé(s), {failed} en attente"


def carnet_retention():
    from app.carnet import retention

    result = retention.purge(utcnow())
    return result.summary()


register(Job("mail.retry", timedelta(minutes=10), f"{__name__}:retry_mail", "Courriels en attente"))
register(
    Job(
        "carnet.retention",
        timedelta(days=1),
        f"{__name__}:carnet_retention",
        "Carnet de bord : archivage et suppression (durées légales)",
    )
)


# Locks


def _advisory_key(name: str) -> int:
    digest = hashlib.sha256(f"spie-job:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{id(object())}"[:120]


def _ensure_row(conn, name: str) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(JobRun).values(name=name).on_conflict_do_nothing())


@contextlib.contextmanager
def lock(name: str):
    """Yield True if this process holds the job's lock (then released), False if another does."""
    if db.engine.dialect.name == "postgresql":
        conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            key = _advisory_key(name)
            held = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
            try:
                yield held
            finally:
                if held:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        finally:
            conn.close()
        return
    holder = _holder()
    now = utcnow()
    with db.engine.begin() as conn:
        _ensure_row(conn, name)
        taken = conn.execute(
            update(JobRun)
            .where(
                JobRun.name == name,
                or_(JobRun.locked_until.is_(None), JobRun.locked_until < now),
            )
            .values(locked_until=now + LOCK_TTL, holder=holder)
        ).rowcount
    try:
        yield taken == 1
    finally:
        if taken == 1:
            with db.engine.begin() as conn:
                conn.execute(
                    update(JobRun)
                    .where(JobRun.name == name, JobRun.holder == holder)
                    .values(locked_until=None, holder=None)
                )


# Running


def _record(name: str, **values) -> None:
    with db.engine.begin() as conn:
        _ensure_row(conn, name)
        conn.execute(update(JobRun).where(JobRun.name == name).values(**values))


def _last_started(name: str) -> datetime | None:
    with db.engine.connect() as conn:
        return conn.scalar(select(JobRun.last_started_at).where(JobRun.name == name))


def is_due(job: Job, now: datetime) -> bool:
    started = _last_started(job.name)
    return started is None or now - started >= job.every


def run_due(now: datetime | None = None, only: str | None = None) -> dict[str, str]:
    """Run every due job once across all instances; what happened to each, in French."""
    from app.core import transaction

    outcome = {}
    for job in all_jobs():
        if only and job.name != only:
            continue
        with lock(job.name) as held:
            if not held:
                outcome[job.name] = "en cours sur une autre instance"
                continue
            started = now or utcnow()
            if not is_due(job, started):  # checked under the lock: another run may just have ended
                outcome[job.name] = "pas encore dû"
                continue
            _record(job.name, last_started_at=started, last_status="running", last_error=None)
            try:
                with transaction.unit_of_work():
                    detail = job.run()
            except Exception as error:
                db.session.rollback()
                from flask import current_app

                current_app.logger.exception("job %s failed", job.name)
                _record(
                    job.name,
                    last_finished_at=utcnow(),
                    last_status="failed",
                    last_error=f"{type(error).__name__}"[:500],
                )
                outcome[job.name] = "échec"
                continue
            _record(job.name, last_finished_at=utcnow(), last_status="ok")
            outcome[job.name] = "exécuté" + (f" : {detail}" if detail else "")
    return outcome


jobs_cli = AppGroup("jobs", help="Tâches planifiées.")


@jobs_cli.command("run-due")
@click.option("--only", help="Ne lancer que cette tâche (si elle est due).")
def run_due_command(only: str | None):
    """Lancer chaque tâche due, une seule fois même si plusieurs instances démarrent ensemble."""
    outcome = run_due(only=only)
    for name, what in outcome.items():
        click.echo(f"{name} : {what}")
    if "échec" in outcome.values():
        raise SystemExit(1)


@jobs_cli.command("list")
def list_command():
    """Les tâches, leur fréquence et leur dernière exécution."""
    runs = {r.name: r for r in db.session.scalars(select(JobRun))}
    for job in all_jobs():
        run = runs.get(job.name)
        last = (
            run.last_finished_at.strftime("%d/%m/%Y %H:%M")
            if run and run.last_finished_at
            else "jamais"
        )
        status = run.last_status if run and run.last_status else "-"
        click.echo(
            f"{job.name}\ttoutes les {job.every}\tdernière : {last} ({status})\t{job.description}"
        )
