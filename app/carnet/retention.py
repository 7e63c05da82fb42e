"""Retention of Carnet de bord data, across every territory.

A notebook without activity (last view, last change, creation) for `CARNET_ARCHIVE_AFTER_DAYS`
(2 years) is archived: it leaves every list and page. An archived notebook is deleted with its
person `CARNET_DELETE_AFTER_DAYS` (3 years) after its archiving. Run by `flask carnet purge`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from app.carnet import notebooks
from app.carnet.models import Notebook
from app.core import audit
from app.core.scoping import bound_to
from app.extensions import db

DEFAULT_ARCHIVE_AFTER_DAYS = 730
DEFAULT_DELETE_AFTER_DAYS = 1095


@dataclass
class PurgeResult:
    archived: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        return summary(len(self.archived), len(self.deleted), dry_run=self.dry_run)


def archive_cutoff(now: datetime) -> datetime:
    days = current_app.config.get("CARNET_ARCHIVE_AFTER_DAYS", DEFAULT_ARCHIVE_AFTER_DAYS)
    return now - timedelta(days=int(days))


def delete_cutoff(now: datetime) -> datetime:
    days = current_app.config.get("CARNET_DELETE_AFTER_DAYS", DEFAULT_DELETE_AFTER_DAYS)
    return now - timedelta(days=int(days))


def idle_notebooks(now: datetime) -> list[Notebook]:
    """Notebooks, of every territory, whose latest activity is older than the archive delay."""
    cutoff = archive_cutoff(now)
    return list(
        db.session.scalars(
            select(Notebook)
            .where(
                Notebook.archived_at.is_(None),
                Notebook.created_at < cutoff,
                or_(Notebook.last_viewed_at.is_(None), Notebook.last_viewed_at < cutoff),
                or_(Notebook.last_modified_at.is_(None), Notebook.last_modified_at < cutoff),
            )
            .order_by(Notebook.id)
            .execution_options(all_territories=True)
        )
    )


def expired_notebooks(now: datetime) -> list[Notebook]:
    """Archived notebooks, of every territory, archived longer ago than the deletion delay."""
    return list(
        db.session.scalars(
            select(Notebook)
            .where(Notebook.archived_at.is_not(None), Notebook.archived_at < delete_cutoff(now))
            .order_by(Notebook.id)
            .execution_options(all_territories=True)
        )
    )


def _audit(action: str, notebook: Notebook) -> None:
    # In the notebook's territory, as if done there (the audit entry records it).
    with bound_to(notebook.territory_id):
        audit.record(None, action, "notebook", notebook.id, "conservation des données")


def archive_idle(now: datetime, *, dry_run: bool = False) -> list[int]:
    """Archive the idle notebooks; their ids. In a dry run nothing changes."""
    archived = []
    for notebook in idle_notebooks(now):
        archived.append(notebook.id)
        if dry_run:
            current_app.logger.info(
                "carnet purge (dry run): notebook %s of territory %s would be archived",
                notebook.id,
                notebook.territory_id,
            )
            continue
        notebook.archived_at = now
        _audit("archived", notebook)
        current_app.logger.info(
            "carnet purge: notebook %s of territory %s archived", notebook.id, notebook.territory_id
        )
    if not dry_run:
        db.session.flush()
    return archived


def delete_expired(now: datetime, *, dry_run: bool = False) -> list[int]:
    """Delete the notebooks archived beyond the legal delay, with their person; their ids.

    The person's account loses its access here (deactivated if it has no other role). The ORM
    cascades remove members, consents, barriers, objectives, actions, interviews,
    appointments and the history (SQLite does not enforce the foreign keys' ON DELETE CASCADE).
    The audit log keeps the entries (ids only, no personal data).
    """
    deleted = []
    for notebook in expired_notebooks(now):
        deleted.append(notebook.id)
        if dry_run:
            current_app.logger.info(
                "carnet purge (dry run): notebook %s of territory %s would be deleted",
                notebook.id,
                notebook.territory_id,
            )
            continue
        _audit("deleted", notebook)
        notebooks.remove_person(notebook.beneficiary)
        current_app.logger.info(
            "carnet purge: notebook %s of territory %s deleted with its person",
            notebook.id,
            notebook.territory_id,
        )
    if not dry_run:
        db.session.flush()
    return deleted


def purge(now: datetime, *, dry_run: bool = False) -> PurgeResult:
    """Delete what expired, then archive what became idle."""
    deleted = delete_expired(now, dry_run=dry_run)
    archived = archive_idle(now, dry_run=dry_run)
    return PurgeResult(archived=archived, deleted=deleted, dry_run=dry_run)


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n <= 1 else plural}"


def summary(archived: int, deleted: int, *, dry_run: bool = False) -> str:
    """« 3 carnets archivés, 1 carnet supprimé » (in a dry run: « … seraient archivés … »)."""
    if dry_run:
        return (
            "Simulation, rien n'a été modifié : "
            f"{_count(archived, 'carnet serait archivé', 'carnets seraient archivés')}, "
            f"{_count(deleted, 'carnet serait supprimé', 'carnets seraient supprimés')}."
        )
    return (
        f"{_count(archived, 'carnet archivé', 'carnets archivés')}, "
        f"{_count(deleted, 'carnet supprimé', 'carnets supprimés')}."
    )
