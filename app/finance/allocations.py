"""Envelopes: a start-up's AE and CP per budget year, changed only by an amendment, a committee
decision or the délégant's decision on the balance, each kept as an allocation change."""

from __future__ import annotations

from decimal import Decimal

from app.core import audit
from app.core.transaction import lock_row
from app.extensions import db
from app.finance import clock
from app.finance.models import AllocationChange, AllocationSource, Envelope, Startup
from app.finance.rules import RuleError, euros


def lock_envelope(startup_id: int, year: int) -> Envelope | None:
    """The envelope, locked until the transaction ends, read fresh after the lock."""
    return lock_row(
        Envelope, Envelope.startup_id == startup_id, Envelope.year == year, touch=Envelope.year
    )


def change(
    user,
    startup: Startup,
    year: int,
    *,
    ae_delta: Decimal,
    cp_delta: Decimal,
    source: AllocationSource,
    reason: str,
    amendment=None,
    review=None,
) -> AllocationChange:
    """An allocation never falls below what is already committed (AE) or paid (CP), nor below
    zero; the change is recorded with its source, reason and the day it takes effect (the
    amendment's signature, the committee's date, otherwise today)."""
    if not reason.strip():
        raise RuleError("reason", "Indiquez le motif du changement d'allocation.")
    if ae_delta == 0 and cp_delta == 0:
        raise RuleError("ae_delta", "Le changement d'allocation est nul.")
    envelope = lock_envelope(startup.id, year)
    if envelope is None:
        envelope = Envelope(
            startup_id=startup.id,
            year=year,
            ae_allocated=Decimal("0"),
            cp_allocated=Decimal("0"),
            ae_consumed=Decimal("0"),
            cp_consumed=Decimal("0"),
        )
        db.session.add(envelope)
        db.session.flush()
    new_ae = envelope.ae_allocated + ae_delta
    new_cp = envelope.cp_allocated + cp_delta
    if new_ae < envelope.ae_consumed:
        raise RuleError(
            "ae_delta",
            f"L'allocation en AE ne peut descendre sous le montant engagé ({euros(envelope.ae_consumed)}).",
        )
    if new_cp < envelope.cp_consumed:
        raise RuleError(
            "cp_delta",
            f"L'allocation en CP ne peut descendre sous le montant payé ({euros(envelope.cp_consumed)}).",
        )
    envelope.ae_allocated = new_ae
    envelope.cp_allocated = new_cp
    row = AllocationChange(
        envelope_id=envelope.id,
        effective_on=(
            amendment.signed_on
            if amendment
            else review.committee.held_on
            if review
            else clock.today()
        ),
        source=source,
        ae_delta=ae_delta,
        cp_delta=cp_delta,
        reason=reason.strip(),
        amendment_id=amendment.id if amendment else None,
        review_id=review.id if review else None,
        decided_by_id=getattr(user, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        user,
        "created",
        "allocation_change",
        row.id,
        f"{startup.slug} {year}: AE {ae_delta:+} CP {cp_delta:+} ({source.value})",
    )
    return row
