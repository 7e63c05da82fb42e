from datetime import date

import pytest

from app.accounts.roles import Role
from tests.finance.factories import finance_user, stand_on


@pytest.fixture(autouse=True)
def _clock(app):
    """Finance tests stand on 15 June 2026 unless they move the clock."""
    stand_on(date(2026, 6, 15))
    yield
    app.config.pop("FINANCE_CLOCK", None)


@pytest.fixture
def delegant():
    return finance_user(Role.FINANCE_DELEGANT)


@pytest.fixture
def delegataire():
    return finance_user(Role.FINANCE_DELEGATAIRE)
