"""The ledger's rules (article 4.2), with exact amounts."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core.models import AuditEntry
from app.extensions import db
from app.finance import ledger, queries
from app.finance.models import Envelope
from app.finance.rules import RuleError
from tests.finance.factories import commit, envelope, stand_on, startup


def dora_2026():
    return queries.consumption(2026).rows[1]


def test_commitment_counts_against_the_ae_of_its_year(delegant, delegataire):
    envelope(delegant, ae="1000.00", cp="500.00")
    commit(delegataire, "400.10", date(2026, 3, 1))
    commit(delegataire, "599.90", date(2026, 4, 1))
    row = dora_2026()
    assert (row.committed, row.ae_remaining) == (Decimal("1000.00"), Decimal("0.00"))
    with pytest.raises(RuleError) as refused:
        commit(delegataire, "0.01", date(2026, 5, 1))
    assert refused.value.field == "amount"
    assert "il reste 0,00\u00a0€ d'AE à Dora pour 2026" in refused.value.message
    assert "article 4.2" in refused.value.message


def test_overspend_by_one_cent_is_refused_and_nothing_is_saved(delegant, delegataire):
    envelope(delegant, ae="1000.00")
    with pytest.raises(RuleError, match="Dépassement"):
        commit(delegataire, "1000.01", date(2026, 3, 1))
    db.session.rollback()
    assert dora_2026().committed == Decimal("0")


def test_no_envelope_for_the_year_is_refused(delegant, delegataire):
    envelope(delegant, year=2026)
    stand_on(date(2027, 2, 1))
    envelope(delegant, slug="reva", year=2027)
    with pytest.raises(RuleError, match="Aucun crédit en AE n'est alloué à Dora pour 2027"):
        commit(delegataire, "10.00", date(2027, 1, 15))


@pytest.mark.parametrize(
    ("day", "refused"),
    [(date(2026, 11, 30), False), (date(2026, 12, 1), True), (date(2026, 12, 15), True)],
)
def test_ae_are_committed_until_30_november_included(delegant, delegataire, day, refused):
    envelope(delegant)
    stand_on(date(2026, 12, 20))
    if refused:
        with pytest.raises(RuleError, match="jusqu'au 30 novembre 2026 inclus") as error:
            commit(delegataire, "10.00", day)
        assert error.value.field == "committed_on"
    else:
        assert commit(delegataire, "10.00", day).amount == Decimal("10.00")


@pytest.mark.parametrize(
    ("day", "refused"), [(date(2026, 12, 1), False), (date(2026, 12, 2), True)]
)
def test_cp_are_consumed_until_1_december_included(delegant, delegataire, day, refused):
    envelope(delegant)
    stand_on(date(2026, 12, 20))
    commitment = commit(delegataire, "100.00", date(2026, 11, 2))
    if refused:
        with pytest.raises(RuleError, match="jusqu'au 1er décembre 2026 inclus"):
            ledger.record_payment(delegataire, commitment, paid_on=day, amount=Decimal("10"))
    else:
        payment = ledger.record_payment(delegataire, commitment, paid_on=day, amount=Decimal("10"))
        assert payment.envelope.year == 2026


def test_deadline_is_judged_in_paris_time(delegant, delegataire):
    """At 23:30 UTC on 30 November it is already 1 December in Paris."""
    from datetime import UTC, datetime

    from flask import current_app

    envelope(delegant)
    current_app.config["FINANCE_CLOCK"] = lambda: datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    with pytest.raises(RuleError, match="30 novembre"):
        commit(delegataire, "10.00", date(2026, 12, 1))


def test_entries_outside_the_convention_or_in_the_future_are_refused(delegant, delegataire):
    envelope(delegant, year=2026)  # extends the convention to 31/12/2026
    with pytest.raises(RuleError, match="postérieure à aujourd'hui"):
        commit(delegataire, "10.00", date(2026, 6, 16))
    with pytest.raises(RuleError, match="hors de la période de la convention") as refused:
        commit(delegataire, "10.00", date(2021, 5, 31))
    assert "article 7" in refused.value.message


def test_reference_convention_ends_in_2022_without_an_amendment(delegataire):
    with pytest.raises(RuleError, match=r"du 01/06/2021 au 31/12/2022"):
        commit(delegataire, "10.00", date(2023, 1, 2))


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("0"), "strictement positif"),
        (Decimal("-5.00"), "strictement positif"),
        (Decimal("10.001"), "deux décimales"),
        (Decimal("NaN"), "Saisissez un montant"),
    ],
)
def test_bad_amounts_are_refused(delegant, delegataire, amount, message):
    envelope(delegant)
    with pytest.raises(RuleError, match=message):
        commit(delegataire, amount, date(2026, 3, 1))


def test_unknown_cost_centre_is_refused(delegant, delegataire):
    envelope(delegant)
    with pytest.raises(RuleError, match="centre de coût") as refused:
        commit(delegataire, "10.00", date(2026, 3, 1), cost_centre=None)
    assert refused.value.field == "cost_centre"


def test_payments_never_exceed_their_commitment_nor_the_cp(delegant, delegataire):
    envelope(delegant, ae="1000.00", cp="300.00")
    first = commit(delegataire, "250.00", date(2026, 2, 1))
    second = commit(delegataire, "500.00", date(2026, 2, 2))
    ledger.record_payment(delegataire, first, paid_on=date(2026, 3, 1), amount=Decimal("200.00"))
    with pytest.raises(RuleError, match=r"reste à payer de l'engagement \(50,00\u00a0€\)"):
        ledger.record_payment(delegataire, first, paid_on=date(2026, 3, 2), amount=Decimal("50.01"))
    with pytest.raises(RuleError, match="il reste 100,00\u00a0€ de CP"):
        ledger.record_payment(
            delegataire, second, paid_on=date(2026, 3, 2), amount=Decimal("100.01")
        )
    ledger.record_payment(delegataire, second, paid_on=date(2026, 3, 2), amount=Decimal("100.00"))
    row = dora_2026()
    assert (row.paid, row.cp_remaining) == (Decimal("300.00"), Decimal("0.00"))


def test_a_commitment_of_year_n_is_paid_on_the_cp_of_n_plus_1(delegant, delegataire):
    stand_on(date(2027, 3, 1))
    envelope(delegant, year=2026, ae="1000.00", cp="0.01")
    commitment = commit(delegataire, "800.00", date(2026, 10, 1))
    envelope(delegant, year=2027, ae="0.01", cp="500.00")
    ledger.record_payment(
        delegataire, commitment, paid_on=date(2027, 2, 1), amount=Decimal("500.00")
    )
    assert queries.consumption(2026).rows[1].paid == Decimal("0")
    assert queries.consumption(2027).rows[1].paid == Decimal("500.00")
    assert queries.commitment_remaining(commitment.id) == Decimal("300.00")


def test_a_payment_cannot_precede_its_commitment(delegant, delegataire):
    envelope(delegant)
    commitment = commit(delegataire, "100.00", date(2026, 5, 1))
    with pytest.raises(RuleError, match="précéder son engagement"):
        ledger.record_payment(
            delegataire, commitment, paid_on=date(2026, 4, 30), amount=Decimal("1")
        )


def test_cancellations_give_back_credits_and_keep_history(delegant, delegataire):
    envelope(delegant, ae="1000.00", cp="1000.00")
    commitment = commit(delegataire, "600.00", date(2026, 2, 1))
    payment = ledger.record_payment(
        delegataire, commitment, paid_on=date(2026, 3, 1), amount=Decimal("400.00")
    )
    with pytest.raises(
        RuleError, match=r"part non payée de l'engagement peut être annulée \(200,00"
    ):
        ledger.cancel_commitment(
            delegataire,
            commitment,
            cancelled_on=date(2026, 4, 1),
            amount=Decimal("200.01"),
            reason="Erreur",
        )
    with pytest.raises(RuleError, match="motif"):
        ledger.cancel_commitment(
            delegataire, commitment, cancelled_on=date(2026, 4, 1), amount=Decimal("1"), reason=" "
        )
    ledger.cancel_commitment(
        delegataire,
        commitment,
        cancelled_on=date(2026, 4, 1),
        amount=Decimal("200.00"),
        reason="Reliquat",
    )
    ledger.cancel_payment(
        delegataire,
        payment,
        cancelled_on=date(2026, 4, 2),
        amount=Decimal("150.00"),
        reason="Trop-perçu",
    )
    row = dora_2026()
    assert (row.committed, row.paid) == (Decimal("400.00"), Decimal("250.00"))
    # The payment cancelled reopens as much of the commitment.
    assert queries.commitment_remaining(commitment.id) == Decimal("150.00")
    with pytest.raises(RuleError, match="Il ne reste que 250,00"):
        ledger.cancel_payment(
            delegataire,
            payment,
            cancelled_on=date(2026, 4, 3),
            amount=Decimal("250.01"),
            reason="x",
        )
    kinds = [r.kind for r in queries.ledger_rows(2026)]
    assert kinds == ["commitment", "payment", "commitment_cancellation", "payment_cancellation"]
    # The envelope's running totals agree with the aggregates over the ledger.
    env = db.session.scalar(select(Envelope).where(Envelope.startup_id == startup().id))
    assert (env.ae_consumed, env.cp_consumed) == (row.committed, row.paid)


def test_every_write_is_audited(delegant, delegataire):
    envelope(delegant)
    commitment = commit(delegataire, "100.00", date(2026, 5, 1))
    db.session.commit()
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.object_type == "commitment", AuditEntry.object_id == commitment.id
        )
    )
    assert (entry.actor_id, entry.action) == (delegataire.id, "created")
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.object_type == "allocation_change")
        )
        == 1
    )


def test_the_database_refuses_an_overspent_envelope(delegant):
    """The check constraint is the last line of defence, whatever the code does."""
    envelope(delegant, ae="100.00")
    env = db.session.scalar(select(Envelope))
    env.ae_consumed = Decimal("100.01")
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_allocation_never_falls_below_what_is_committed(delegant, delegataire):
    envelope(delegant, ae="1000.00", cp="1000.00")
    commit(delegataire, "700.00", date(2026, 3, 1))
    from app.finance import allocations
    from app.finance.models import AllocationSource

    with pytest.raises(RuleError, match="sous le montant engagé"):
        allocations.change(
            delegant,
            startup(),
            2026,
            ae_delta=Decimal("-300.01"),
            cp_delta=Decimal("0"),
            source=AllocationSource.BALANCE,
            reason="Remontée au BOP",
        )
    allocations.change(
        delegant,
        startup(),
        2026,
        ae_delta=Decimal("-300.00"),
        cp_delta=Decimal("-1000.00"),
        source=AllocationSource.BALANCE,
        reason="Remontée au BOP",
    )
    row = dora_2026()
    assert (row.ae_allocated, row.ae_remaining, row.cp_allocated) == (
        Decimal("700.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
