"""Role × action: who may do what in the finance space (national memberships only)."""

import pytest

from app.accounts.roles import Role
from app.finance import perms
from tests.factories import UserFactory, member

D, T, N, A, ADM = (
    Role.FINANCE_DELEGANT,
    Role.FINANCE_DELEGATAIRE,
    Role.FINANCE_DINUM,
    Role.FINANCE_AUDITOR,
    Role.ADMIN,
)
EVERY_READER = {D, T, N, A, ADM}
EXPECTED = {
    "read": EVERY_READER,
    "export": EVERY_READER,
    "record_ledger": {T},
    "edit_agreement": {D},
    "change_allocation": {D},
    "hold_committee": {D},
    "decide_committee": {D},
    "comment_committee": {D, T, N},
}
ROLES = [*Role]


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_national_role_by_action(role, action):
    user = member(role, None)
    assert perms.PREDICATES[action](user) is (role in EXPECTED[action])


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", [D, T, N, A, ADM], ids=lambda r: r.value)
def test_a_finance_role_held_in_a_territory_grants_nothing(role, action):
    user = member(role, "seine-saint-denis")
    assert perms.PREDICATES[action](user) is False


def test_anonymous_may_do_nothing():
    from flask_login import AnonymousUserMixin

    assert not any(predicate(AnonymousUserMixin()) for predicate in perms.PREDICATES.values())


def test_every_action_has_its_predicate():
    assert set(perms.PREDICATES) == set(perms.ACTIONS) == set(EXPECTED)


def test_a_user_without_memberships_may_do_nothing():
    user = UserFactory(roles=[])
    assert not any(predicate(user) for predicate in perms.PREDICATES.values())
