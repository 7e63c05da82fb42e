"""The append-only ledger: commitments (AE), payments (CP) and cancellations, recorded by the
délégataire. Rows are never updated or deleted; a correction is a cancellation with its reason.

Every rule of article 4.2 is checked here, once, for the form, the API and the demo loader alike;
the envelope is locked before its balance is read, so two simultaneous writes cannot together
overspend it, and the database's check constraints refuse it as a last resort.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.core import audit
from app.extensions import db
from app.finance import queries
from app.finance.agreement import check_in_convention
from app.finance.allocations import lock_envelope
from app.finance.models import (
    Cancellation,
    ChorusRetranscription,
    Commitment,
    CostCentre,
    Envelope,
    LegalAct,
    Payment,
    Startup,
)
from app.finance.rules import RuleError, check_ae_deadline, check_amount, check_cp_deadline, euros


def _lock_commitment(commitment_id: int) -> None:
    # Always taken after the envelope's lock: one order, no deadlock.
    db.session.execute(
        select(Commitment.id).where(Commitment.id == commitment_id).with_for_update()
    )


def _envelope(startup: Startup, year: int, kind: str) -> Envelope:
    envelope = lock_envelope(startup.id, year)
    allocated = None if envelope is None else getattr(envelope, f"{kind}_allocated")
    if not allocated:
        raise RuleError(
            "amount",
            f"Aucun crédit en {kind.upper()} n'est alloué à {startup.name} pour {year} (article 4.2).",
        )
    return envelope


def record_commitment(
    user,
    startup: Startup,
    *,
    committed_on: date,
    amount: Decimal,
    legal_act: LegalAct,
    supplier: str,
    object: str,
    cost_centre: CostCentre | None,
    chorus_number: str = "",
) -> Commitment:
    """A commitment counts against the AE of its year: dated within the convention and by
    30 November, and never beyond what remains of the AE (article 4.2)."""
    check_amount(amount)
    check_in_convention(startup.convention, committed_on, "committed_on")
    check_ae_deadline(committed_on, "committed_on")
    if cost_centre is None:
        raise RuleError("cost_centre", "Choisissez un centre de coût de la DNUM (article 4.1).")
    if not supplier.strip() or not object.strip():
        raise RuleError("supplier", "Indiquez le fournisseur et l'objet de l'engagement.")
    year = committed_on.year
    envelope = _envelope(startup, year, "ae")
    if amount > envelope.ae_remaining:
        raise RuleError(
            "amount",
            f"Dépassement de l'enveloppe : il reste {euros(envelope.ae_remaining)} d'AE à "
            f"{startup.name} pour {year}, l'engagement de {euros(amount)} est refusé (article 4.2).",
        )
    envelope.ae_consumed += amount
    convention = startup.convention
    commitment = Commitment(
        startup_id=startup.id,
        envelope_id=envelope.id,
        committed_on=committed_on,
        amount=amount,
        legal_act=legal_act,
        supplier=supplier.strip(),
        object=object.strip(),
        functional_domain=convention.chorus_functional_domain,
        financial_centre=convention.chorus_financial_centre,
        cost_centre_id=cost_centre.id,
        activity_code=startup.activity_code,
        chorus_number=chorus_number.strip(),
        recorded_by_id=getattr(user, "id", None),
    )
    db.session.add(commitment)
    db.session.flush()
    audit.record(user, "created", "commitment", commitment.id, f"{startup.slug} {amount} €")
    return commitment


def record_payment(
    user, commitment: Commitment, *, paid_on: date, amount: Decimal, chorus_number: str = ""
) -> Payment:
    """A payment counts against the CP of its year (a commitment of year N may be paid in N+1):
    dated within the convention and by 1 December, never beyond what remains of its commitment
    nor of the CP (article 4.2)."""
    check_amount(amount)
    startup = commitment.startup
    check_in_convention(startup.convention, paid_on, "paid_on")
    check_cp_deadline(paid_on, "paid_on")
    if paid_on < commitment.committed_on:
        raise RuleError("paid_on", "Un paiement ne peut pas précéder son engagement.")
    year = paid_on.year
    envelope = _envelope(startup, year, "cp")
    _lock_commitment(commitment.id)
    remaining = queries.commitment_remaining(commitment.id)
    if amount > remaining:
        raise RuleError(
            "amount",
            f"Le paiement de {euros(amount)} dépasse le reste à payer de l'engagement "
            f"({euros(remaining)}).",
        )
    if amount > envelope.cp_remaining:
        raise RuleError(
            "amount",
            f"Dépassement de l'enveloppe : il reste {euros(envelope.cp_remaining)} de CP à "
            f"{startup.name} pour {year}, le paiement de {euros(amount)} est refusé (article 4.2).",
        )
    envelope.cp_consumed += amount
    payment = Payment(
        commitment_id=commitment.id,
        envelope_id=envelope.id,
        paid_on=paid_on,
        amount=amount,
        chorus_number=chorus_number.strip(),
        recorded_by_id=getattr(user, "id", None),
    )
    db.session.add(payment)
    db.session.flush()
    audit.record(user, "created", "payment", payment.id, f"engagement {commitment.id}: {amount} €")
    return payment


def _check_cancellation(convention, on: date, after: date, amount: Decimal, reason: str) -> None:
    check_amount(amount)
    if not reason.strip():
        raise RuleError("reason", "Indiquez le motif de l'annulation.")
    check_in_convention(convention, on, "cancelled_on")
    if on < after:
        raise RuleError("cancelled_on", "Une annulation ne peut pas précéder ce qu'elle annule.")


def cancel_commitment(
    user, commitment: Commitment, *, cancelled_on: date, amount: Decimal, reason: str
) -> Cancellation:
    """Cancelling (part of) a commitment gives back AE to the envelope it was charged to; only
    the part not yet paid can be cancelled."""
    startup = commitment.startup
    _check_cancellation(startup.convention, cancelled_on, commitment.committed_on, amount, reason)
    envelope = lock_envelope(startup.id, commitment.envelope.year)
    _lock_commitment(commitment.id)
    remaining = queries.commitment_remaining(commitment.id)
    if amount > remaining:
        raise RuleError(
            "amount",
            f"Seule la part non payée de l'engagement peut être annulée ({euros(remaining)}).",
        )
    envelope.ae_consumed -= amount
    return _cancellation(user, envelope, amount, cancelled_on, reason, commitment_id=commitment.id)


def cancel_payment(
    user, payment: Payment, *, cancelled_on: date, amount: Decimal, reason: str
) -> Cancellation:
    """Cancelling (part of) a payment gives back CP to the envelope it was charged to, and
    reopens as much of its commitment."""
    startup = payment.commitment.startup
    _check_cancellation(startup.convention, cancelled_on, payment.paid_on, amount, reason)
    envelope = lock_envelope(startup.id, payment.envelope.year)
    _lock_commitment(payment.commitment_id)
    remaining = payment.amount - queries.payment_cancelled(payment.id)
    if amount > remaining:
        raise RuleError("amount", f"Il ne reste que {euros(remaining)} de ce paiement à annuler.")
    envelope.cp_consumed -= amount
    return _cancellation(user, envelope, amount, cancelled_on, reason, payment_id=payment.id)


def _cancellation(user, envelope, amount, on, reason, **target) -> Cancellation:
    row = Cancellation(
        envelope_id=envelope.id,
        cancelled_on=on,
        amount=amount,
        reason=reason.strip(),
        recorded_by_id=getattr(user, "id", None),
        **target,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(user, "created", "cancellation", row.id, f"{amount} €")
    return row


def retranscribe(user, entry: Commitment | Payment, number: str) -> ChorusRetranscription:
    """A commitment or payment gets its CHORUS number once: recorded with the entry, or later
    when the délégataire has retranscribed it (article 4.1)."""
    number = number.strip()
    if not number:
        raise RuleError("number", "Indiquez le numéro CHORUS.")
    if len(number) > 40:
        raise RuleError("number", "Le numéro CHORUS ne peut pas dépasser 40 caractères.")
    target = "commitment_id" if isinstance(entry, Commitment) else "payment_id"
    already = db.session.scalar(
        select(ChorusRetranscription.id).where(getattr(ChorusRetranscription, target) == entry.id)
    )
    if entry.chorus_number or already:
        raise RuleError("number", "Cette écriture a déjà son numéro CHORUS.")
    row = ChorusRetranscription(
        number=number, recorded_by_id=getattr(user, "id", None), **{target: entry.id}
    )
    db.session.add(row)
    db.session.flush()
    audit.record(user, "created", "chorus_retranscription", row.id, f"{target[:-3]} {entry.id}")
    return row
