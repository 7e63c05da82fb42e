"""Two simultaneous writes cannot together overspend an envelope (PostgreSQL: a row lock on the
envelope; SQLite: the write lock taken before the balance is read), nor import one file twice
(the same locks, on the importing user's row)."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest

from app.accounts.models import User
from app.extensions import db
from app.finance import imports, ledger, queries
from app.finance.models import Commitment, Payment
from app.finance.rules import RuleError
from tests.finance.factories import commit, envelope, stand_on, startup
from tests.finance.test_import import count, csv_file, valid


@pytest.fixture
def slow_lock(monkeypatch):
    """Hold the envelope's lock a while after reading it, so that the two writers overlap:
    without the lock both would read the same balance and both would write."""
    original = ledger.lock_envelope

    def held(*args, **kwargs):
        envelope = original(*args, **kwargs)
        time.sleep(0.4)
        return envelope

    monkeypatch.setattr(ledger, "lock_envelope", held)


def run_together(app, work, n=2) -> list[str]:
    results: list[str] = []
    clock = app.config["FINANCE_CLOCK"]

    def attempt():
        with app.app_context():
            app.config["FINANCE_CLOCK"] = clock
            try:
                work()
                db.session.commit()
                results.append("saved")
            except (RuleError, imports.FileRefusedError):
                db.session.rollback()
                results.append("refused")
            except Exception as error:  # a lock error would be a failure of the design
                db.session.rollback()
                results.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=30)
    return sorted(results)


def test_two_simultaneous_commitments_cannot_overspend(app, delegant, delegataire, slow_lock):
    envelope(delegant, ae="1000.00", cp="1000.00")
    user_id = delegataire.id

    def work():
        commit(db.session.get(User, user_id), "600.00", date(2026, 3, 1))

    assert run_together(app, work) == ["refused", "saved"]
    assert queries.consumption(2026).rows[1].committed == Decimal("600.00")


def test_two_simultaneous_payments_cannot_overpay_a_commitment(
    app, delegant, delegataire, slow_lock
):
    stand_on(date(2026, 6, 15))
    envelope(delegant, ae="1000.00", cp="1000.00")
    commitment_id = commit(delegataire, "500.00", date(2026, 3, 1)).id
    db.session.commit()
    user_id = delegataire.id

    def work():
        ledger.record_payment(
            db.session.get(User, user_id),
            db.session.get(Commitment, commitment_id),
            paid_on=date(2026, 4, 1),
            amount=Decimal("300.00"),
        )

    assert run_together(app, work) == ["refused", "saved"]
    assert queries.consumption(2026).rows[1].paid == Decimal("300.00")


@pytest.fixture
def slow_import(monkeypatch):
    """Take a while between looking for an earlier import and recording this one: without the
    lock both confirms would find none and both would record the file."""
    original = imports._refuse_a_second_import

    def slow(*args, **kwargs):
        original(*args, **kwargs)
        time.sleep(0.4)

    monkeypatch.setattr(imports, "_refuse_a_second_import", slow)


def test_two_simultaneous_confirms_of_one_file_import_it_once(
    app, delegant, delegataire, slow_import
):
    envelope(delegant, ae="5000.00", cp="5000.00")
    db.session.commit()
    content = csv_file(*valid())
    user_id = delegataire.id

    def work():
        report = imports.run(db.session.get(User, user_id), content, confirm=True)
        assert report.recorded

    assert run_together(app, work) == ["refused", "saved"]
    assert (count(Commitment), count(Payment)) == (3, 2)
    assert queries.envelope_of(startup().id, 2026).ae_consumed == Decimal("600.09")
