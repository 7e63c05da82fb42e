"""The agreement as the délégant edits it: the convention, its amendments and annexes.

Every function flushes and never commits; every change is in the audit log.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from app.core import audit
from app.extensions import db
from app.finance import allocations
from app.finance.models import AllocationSource, Amendment, Annex, Convention, Startup
from app.finance.rules import RuleError, check_entry_date


def effective_end(convention: Convention) -> date:
    """The convention ends on 31 December 2022 (article 7) unless an amendment extends it."""
    extensions = [a.extends_to for a in convention.amendments if a.extends_to]
    return max([convention.ends_on, *extensions])


def check_in_convention(convention: Convention, on: date, field: str) -> None:
    """Entries are dated within the convention's period as amended (article 7)."""
    check_entry_date(on, convention.starts_on, effective_end(convention), field)


def update_convention(user, convention: Convention, *, title: str, object: str) -> None:
    """The délégant rewords the convention's title and object (article 1)."""
    convention.title = title
    convention.object = object
    db.session.flush()
    audit.record(user, "updated", "convention", convention.id, "titre et objet")


def add_amendment(
    user,
    convention: Convention,
    *,
    signed_on: date,
    object: str,
    document_reference: str = "",
    extends_to: date | None = None,
) -> Amendment:
    """An amendment (article 6) is numbered after the last one; an extension moves the end forward."""
    if extends_to is not None and extends_to <= effective_end(convention):
        raise RuleError(
            "extends_to",
            f"La prolongation doit aller au-delà de la fin actuelle de la convention "
            f"({effective_end(convention).strftime('%d/%m/%Y')}).",
        )
    if convention.starts_on and signed_on < convention.starts_on:
        raise RuleError("signed_on", "Un avenant ne peut précéder la convention.")
    number = (
        db.session.scalar(
            select(func.max(Amendment.number)).where(Amendment.convention_id == convention.id)
        )
        or 0
    ) + 1
    amendment = Amendment(
        convention_id=convention.id,
        number=number,
        signed_on=signed_on,
        object=object,
        document_reference=document_reference,
        extends_to=extends_to,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(amendment)
    db.session.flush()
    db.session.expire(convention, ["amendments"])
    audit.record(user, "created", "amendment", amendment.id, f"avenant n°{number}: {object}")
    return amendment


def add_annex(
    user,
    startup: Startup,
    *,
    amendment: Amendment | None,
    period_start: date,
    period_end: date,
    budget: Decimal,
    roadmap: str = "",
) -> Annex:
    """An annex (new or amending) sets a start-up's period, budget and roadmap; brought by an
    amendment, its budget is allocated in AE and CP to the year its period starts (article 6)."""
    if period_end < period_start:
        raise RuleError("period_end", "La fin de la période doit suivre son début.")
    if budget < 0:
        raise RuleError("budget", "Le budget ne peut pas être négatif.")
    number = (db.session.scalar(select(func.max(Annex.number))) or 0) + 1
    annex = Annex(
        startup_id=startup.id,
        amendment_id=amendment.id if amendment else None,
        number=number,
        period_start=period_start,
        period_end=period_end,
        budget=budget,
        roadmap=roadmap,
    )
    db.session.add(annex)
    db.session.flush()
    audit.record(user, "created", "annex", annex.id, f"{startup.slug}: {budget} €")
    if amendment is not None and budget > 0:
        allocations.change(
            user,
            startup,
            period_start.year,
            ae_delta=budget,
            cp_delta=budget,
            source=AllocationSource.AMENDMENT,
            reason=f"Annexe n°{number} de l'avenant n°{amendment.number}",
            amendment=amendment,
        )
    return annex


def update_annex(user, annex: Annex, *, period_start: date, period_end: date, roadmap: str) -> None:
    """The délégant corrects an annex's period and roadmap; its budget changes only through a
    new amending annex, so that allocations keep their history."""
    if period_end < period_start:
        raise RuleError("period_end", "La fin de la période doit suivre son début.")
    annex.period_start = period_start
    annex.period_end = period_end
    annex.roadmap = roadmap
    db.session.flush()
    audit.record(user, "updated", "annex", annex.id, "période et feuille de route")
