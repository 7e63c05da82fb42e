"""Retention: idle notebooks are archived after 2 years, archived ones deleted 3 years later."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.roles import Role
from app.carnet import retention
from app.carnet.models import Barrier, Beneficiary, Consent, Notebook, NotebookMember, Objective
from app.core.models import AuditEntry, utcnow
from app.extensions import db
from tests.carnet.factories import NotebookFactory, add_barrier, add_member
from tests.factories import member, territory

YEAR = timedelta(days=365)


@pytest.fixture
def notebooks():
    now = utcnow()
    la = territory("loire-atlantique").id
    idle = NotebookFactory(created_at=now - 4 * YEAR, last_viewed_at=now - 3 * YEAR)
    idle_la = NotebookFactory(
        territory_id=la, created_at=now - 5 * YEAR, last_modified_at=now - 3 * YEAR
    )
    recent = NotebookFactory(created_at=now - 3 * YEAR, last_modified_at=now - timedelta(days=10))
    viewed = NotebookFactory(created_at=now - 3 * YEAR, last_viewed_at=now - YEAR)
    new = NotebookFactory(created_at=now - timedelta(days=5))
    expired = NotebookFactory(created_at=now - 7 * YEAR, archived_at=now - 4 * YEAR)
    add_member(expired, member(Role.PROFESSIONAL))
    add_barrier(expired, with_children=True)
    archived_lately = NotebookFactory(created_at=now - 4 * YEAR, archived_at=now - YEAR)
    return {
        "now": now,
        "idle": idle,
        "idle_la": idle_la,
        "recent": recent,
        "viewed": viewed,
        "new": new,
        "expired": expired,
        "archived_lately": archived_lately,
    }


def state():
    """{notebook id: archived?} for every notebook left, across territories."""
    db.session.expire_all()
    return {
        n.id: n.archived_at is not None
        for n in db.session.scalars(select(Notebook).execution_options(all_territories=True))
    }


def test_dry_run_reports_and_changes_nothing(notebooks):
    before = state()
    result = retention.purge(notebooks["now"], dry_run=True)
    assert sorted(result.archived) == sorted([notebooks["idle"].id, notebooks["idle_la"].id])
    assert result.deleted == [notebooks["expired"].id]
    assert result.summary() == (
        "Simulation, rien n'a été modifié : 2 carnets seraient archivés, 1 carnet serait supprimé."
    )
    assert state() == before
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_purge_archives_idle_notebooks_of_every_territory_and_deletes_expired_ones(notebooks):
    now = notebooks["now"]
    expired = notebooks["expired"]
    result = retention.purge(now)
    assert result.summary() == "2 carnets archivés, 1 carnet supprimé."

    after = state()
    assert after[notebooks["idle"].id] is True
    assert after[notebooks["idle_la"].id] is True
    assert db.session.get(Notebook, notebooks["idle"].id).archived_at == now
    for kept in ("recent", "viewed", "new"):
        assert after[notebooks[kept].id] is False, kept
    assert after[notebooks["archived_lately"].id] is True
    assert expired.id not in after
    # The person and everything in the notebook are gone.
    assert db.session.get(Beneficiary, expired.beneficiary_id) is None
    for model in (NotebookMember, Consent, Barrier, Objective):
        assert db.session.scalar(select(func.count(model.id))) == 0, model
    assert len(db.session.scalars(select(Beneficiary)).all()) == 6

    entries = db.session.execute(
        select(AuditEntry.action, AuditEntry.object_id, AuditEntry.territory_id).order_by(
            AuditEntry.id
        )
    ).all()
    assert sorted(entries) == sorted(
        [
            ("deleted", expired.id, expired.territory_id),
            ("archived", notebooks["idle"].id, notebooks["idle"].territory_id),
            ("archived", notebooks["idle_la"].id, territory("loire-atlantique").id),
        ]
    )


def test_purge_again_finds_nothing_more(notebooks):
    retention.purge(notebooks["now"])
    assert retention.purge(notebooks["now"]).summary() == "0 carnet archivé, 0 carnet supprimé."


def test_delays_come_from_the_configuration(app, notebooks, monkeypatch):
    monkeypatch.setitem(app.config, "CARNET_ARCHIVE_AFTER_DAYS", 200)
    monkeypatch.setitem(app.config, "CARNET_DELETE_AFTER_DAYS", 300)
    result = retention.purge(notebooks["now"], dry_run=True)
    assert notebooks["viewed"].id in result.archived
    assert notebooks["archived_lately"].id in result.deleted


def test_the_command_prints_a_french_summary(app, notebooks):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["carnet", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2 carnets seraient archivés, 1 carnet serait supprimé" in dry.output
    assert state()[notebooks["idle"].id] is False

    done = runner.invoke(args=["carnet", "purge"])
    assert done.exit_code == 0, done.output
    assert "2 carnets archivés, 1 carnet supprimé." in done.output
    assert state()[notebooks["idle"].id] is True


def test_deleting_an_expired_notebook_ends_the_persons_access(app):
    from app.accounts.models import User

    person = member(Role.BENEFICIARY)
    notebook = NotebookFactory()
    notebook.beneficiary.user_id = person.id
    notebook.archived_at = utcnow() - timedelta(days=1200)
    db.session.commit()
    result = retention.purge(utcnow())
    assert notebook.id in result.deleted
    db.session.expire_all()
    account = db.session.get(User, person.id)
    assert account.is_active is False and account.memberships == []
