"""Property: whatever sequence of commitments, payments and cancellations is attempted, no
envelope is ever exceeded, and the ledger accepts exactly what a plain model says it should."""

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.accounts.roles import Role
from app.extensions import db
from app.finance import agreement, allocations, ledger, queries
from app.finance.models import AllocationSource, Envelope, LegalAct
from app.finance.rules import RuleError
from tests.finance.factories import cost_centre, finance_user, startup

AE, CP = Decimal("1000.00"), Decimal("600.00")
cents = st.integers(min_value=1, max_value=70000).map(lambda c: Decimal(c) / 100)
operation = st.one_of(
    st.tuples(st.just("commit"), st.just(0), cents),
    st.tuples(st.just("pay"), st.integers(0, 9), cents),
    st.tuples(st.just("cancel_commitment"), st.integers(0, 9), cents),
    st.tuples(st.just("cancel_payment"), st.integers(0, 9), cents),
)


def _setup(user):
    dora = startup("dora")
    agreement.add_amendment(
        user, dora.convention, signed_on=date(2023, 1, 2), object="x", extends_to=date(2026, 12, 31)
    )
    allocations.change(
        user, dora, 2026, ae_delta=AE, cp_delta=CP, source=AllocationSource.BALANCE, reason="x"
    )
    return dora


def _apply(user, dora, centre, kind, target, amount):
    if kind == "commit":
        return ledger.record_commitment(
            user,
            dora,
            committed_on=date(2026, 3, 1),
            amount=amount,
            legal_act=LegalAct.PUBLIC_CONTRACT,
            supplier="S",
            object="O",
            cost_centre=centre,
        )
    if kind == "pay":
        return ledger.record_payment(user, target, paid_on=date(2026, 4, 1), amount=amount)
    cancel = ledger.cancel_commitment if kind == "cancel_commitment" else ledger.cancel_payment
    return cancel(user, target, cancelled_on=date(2026, 5, 1), amount=amount, reason="r")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, max_size=20))
def test_no_sequence_exceeds_an_envelope(operations):
    user = finance_user(Role.FINANCE_DELEGATAIRE)
    try:
        dora = _setup(user)
        centre = cost_centre()
        commitments, payments = [], []
        # The model: what remains of each commitment and payment, what is consumed.
        committed, paid = Decimal("0"), Decimal("0")
        open_amount: dict[int, Decimal] = {}
        payment_left: dict[int, Decimal] = {}
        for kind, index, amount in operations:
            if kind == "commit":
                target = None
                expected = committed + amount <= AE
            elif kind in ("pay", "cancel_commitment") and commitments:
                target = commitments[index % len(commitments)]
                expected = amount <= open_amount[target.id]
                if kind == "pay":
                    expected = expected and paid + amount <= CP
            elif kind == "cancel_payment" and payments:
                target = payments[index % len(payments)]
                expected = amount <= payment_left[target.id]
            else:
                continue
            try:
                row = _apply(user, dora, centre, kind, target, amount)
            except RuleError:
                assert not expected, (kind, amount)
                continue
            assert expected, (kind, amount)
            if kind == "commit":
                commitments.append(row)
                committed += amount
                open_amount[row.id] = amount
            elif kind == "pay":
                payments.append(row)
                paid += amount
                open_amount[row.commitment_id] -= amount
                payment_left[row.id] = amount
            elif kind == "cancel_commitment":
                committed -= amount
                open_amount[row.commitment_id] -= amount
            else:
                paid -= amount
                payment_left[row.payment_id] -= amount
                open_amount[row.payment.commitment_id] += amount

            consumption = queries.consumption(2026).rows[1]
            envelope = db.session.scalar(select(Envelope).where(Envelope.startup_id == dora.id))
            assert consumption.committed == envelope.ae_consumed == committed <= AE
            assert consumption.paid == envelope.cp_consumed == paid <= CP
            for c in commitments:
                assert queries.commitment_remaining(c.id) == open_amount[c.id] >= 0
    finally:
        db.session.rollback()
