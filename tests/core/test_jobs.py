"""`flask jobs run-due`: every due job once, under a lock (PostgreSQL advisory lock, SQLite lock
row), idempotent; two concurrent runs never run the same job twice."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.roles import Role
from app.carnet.models import Notebook
from app.core import jobs
from app.core.models import OutgoingMail, utcnow
from app.extensions import db
from tests.carnet.coordination_factories import notebook_with_activity
from tests.conftest import outbox_messages

RUNS: list[str] = []


def slow_job():
    RUNS.append(threading.current_thread().name)
    time.sleep(1)
    return "lent"


@pytest.fixture
def slow(monkeypatch):
    RUNS.clear()
    job = jobs.Job("test.slow", timedelta(hours=1), f"{__name__}:slow_job")
    monkeypatch.setitem(jobs._jobs, job.name, job)
    return job


def test_two_concurrent_runs_run_the_job_once(app, slow):
    db.session.commit()
    start = threading.Barrier(2)
    outcomes = []

    def instance():
        with app.app_context():
            start.wait()
            outcomes.append(jobs.run_due(only="test.slow")["test.slow"])

    threads = [threading.Thread(target=instance, name=f"instance-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(RUNS) == 1
    assert sorted(outcomes) in (
        ["en cours sur une autre instance", "exécuté : lent"],
        ["exécuté : lent", "pas encore dû"],
    )
    run = db.session.get(jobs.JobRun, "test.slow")
    assert run.last_status == "ok" and run.locked_until is None


def test_a_job_runs_again_only_once_due(slow):
    t0 = utcnow()
    assert jobs.run_due(now=t0, only="test.slow") == {"test.slow": "exécuté : lent"}
    assert jobs.run_due(now=t0 + timedelta(minutes=5), only="test.slow") == {
        "test.slow": "pas encore dû"
    }
    assert jobs.run_due(now=t0 + timedelta(hours=2), only="test.slow")["test.slow"].startswith(
        "exécuté"
    )
    assert len(RUNS) == 2


def test_a_held_lock_skips_the_job(slow):
    with jobs.lock("test.slow") as held:
        assert held
        assert jobs.run_due(only="test.slow") == {"test.slow": "en cours sur une autre instance"}
    assert RUNS == []


def test_a_lock_left_by_a_dead_process_expires_on_sqlite(slow):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL releases an advisory lock when its connection dies")
    db.session.add(
        jobs.JobRun(name="test.slow", locked_until=utcnow() - timedelta(minutes=1), holder="mort")
    )
    db.session.commit()
    assert jobs.run_due(only="test.slow")["test.slow"].startswith("exécuté")


def test_a_failing_job_is_recorded_and_the_command_fails(app, monkeypatch):
    monkeypatch.setitem(
        jobs._jobs, "test.broken", jobs.Job("test.broken", timedelta(hours=1), "math:nothing")
    )
    result = app.test_cli_runner().invoke(args=["jobs", "run-due", "--only", "test.broken"])
    assert result.exit_code == 1
    assert "test.broken : échec" in result.output
    assert db.session.get(jobs.JobRun, "test.broken").last_status == "failed"


def test_run_due_sends_queued_mail_and_purges_the_carnet(app):
    db.session.add(OutgoingMail(to="julien@exemple.fr", subject="Rappel", body="Bonjour"))
    idle = notebook_with_activity(viewed_days_ago=800, modified_days_ago=800)
    idle.created_at = utcnow() - timedelta(days=800)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["jobs", "run-due"])

    assert result.exit_code == 0, result.output
    assert "mail.retry : exécuté" in result.output
    assert "carnet.retention : exécuté" in result.output
    assert [m["to"] for m in outbox_messages(app)] == ["julien@exemple.fr"]
    db.session.expire_all()
    assert db.session.scalar(
        select(Notebook.archived_at)
        .where(Notebook.id == idle.id)
        .execution_options(all_territories=True)
    )
    again = app.test_cli_runner().invoke(args=["jobs", "run-due"])
    assert "mail.retry : pas encore dû" in again.output
    assert len(outbox_messages(app)) == 1
    listing = app.test_cli_runner().invoke(args=["jobs", "list"])
    assert "carnet.retention" in listing.output and "(ok)" in listing.output


def test_run_due_runs_the_dora_reminders_and_orientation_expiry_once(app, client, login_as):
    from app.dora.models import Orientation, OrientationStatus
    from tests.dora.factories import ProviderFactory, ServiceFactory, provider_member
    from tests.dora.test_orientations import LA, orient
    from tests.factories import member

    provider = ProviderFactory()
    admin = provider_member(provider)
    ServiceFactory(provider=provider, due=True, name="Location de scooters")
    service = ServiceFactory(published=True)
    provider_member(service.provider)
    orient(login_as(member(Role.PROFESSIONAL, LA)), service)
    orientation = db.session.scalar(select(Orientation).execution_options(all_territories=True))
    orientation.created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    before = len(outbox_messages(app))

    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert "dora.freshness : exécuté : 1 structure(s) relancée(s)" in result.output
    assert "dora.orientations : exécuté : 0 relance(s), 1 expiration(s)" in result.output
    reminders = [m for m in outbox_messages(app)[before:] if m["to"] == admin.email]
    assert len(reminders) == 1 and "Location de scooters" in reminders[0]["body"]
    db.session.expire_all()
    assert db.session.get(Orientation, orientation.id).status == OrientationStatus.EXPIRED
    # Even forced to run again, nothing more is sent: each reminder once per period.
    db.session.execute(jobs.JobRun.__table__.delete())
    db.session.commit()
    again = runner.invoke(args=["jobs", "run-due"])
    assert "dora.freshness : exécuté : 0 structure(s) relancée(s)" in again.output
    assert "dora.orientations : exécuté : 0 relance(s), 0 expiration(s)" in again.output
    assert [m for m in outbox_messages(app)[before:] if m["to"] == admin.email] == reminders
