"""Each DORA rule as a role × state table."""

from __future__ import annotations

import pytest

from app.accounts.roles import Role
from app.dora import perms
from app.dora.models import MemberStatus
from tests.dora.factories import ProviderFactory, ServiceFactory, provider_member
from tests.factories import member

LA = "loire-atlantique"


def _user(kind, provider):
    if kind == "admin":
        return provider_member(provider, admin=True)
    if kind == "member":
        return provider_member(provider, admin=False)
    if kind == "requested":
        return provider_member(
            provider, admin=False, status=MemberStatus.REQUESTED, role=Role.PROFESSIONAL
        )
    if kind == "coordinator":
        return member(Role.COORDINATOR, LA)
    if kind == "coordinator_elsewhere":
        return member(Role.COORDINATOR, "ardennes")
    if kind == "caseworker":
        return member(Role.PROFESSIONAL, LA)
    if kind == "person":
        return member(Role.BENEFICIARY, LA)
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "edit", "manage"),
    [
        ("admin", True, True),
        ("member", True, False),
        ("requested", False, False),
        ("coordinator", True, True),
        ("coordinator_elsewhere", False, False),
        ("caseworker", False, False),
        ("person", False, False),
    ],
)
def test_who_edits_a_provider_and_manages_its_members(kind, edit, manage):
    provider = ProviderFactory()
    user = _user(kind, provider)
    assert perms.can_edit_provider(user, provider) is edit
    assert perms.can_manage_members(user, provider) is manage


@pytest.mark.parametrize(
    ("kind", "state", "view"),
    [
        ("caseworker", "published", True),
        ("caseworker", "draft", False),
        ("caseworker", "archived", False),
        ("member", "draft", True),
        ("member", "archived", True),
        ("coordinator", "draft", True),
        ("person", "published", False),
        ("coordinator_elsewhere", "published", False),
    ],
)
def test_who_reads_a_sheet(kind, state, view):
    provider = ProviderFactory()
    sheet = ServiceFactory(provider=provider, **({state: True} if state != "draft" else {}))
    user = _user(kind, provider)
    assert perms.can_view_service(user, sheet) is view


@pytest.mark.parametrize(
    ("kind", "state", "allowed"),
    [
        ("caseworker", "published", True),
        ("caseworker", "draft", False),
        ("person", "published", False),
        ("coordinator", "published", True),
    ],
)
def test_who_reports_an_error_on_a_sheet(kind, state, allowed):
    provider = ProviderFactory()
    sheet = ServiceFactory(provider=provider, **({state: True} if state != "draft" else {}))
    assert perms.can_suggest(_user(kind, provider), sheet) is allowed


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [("caseworker", True), ("member", False), ("requested", False), ("person", False)],
)
def test_who_may_ask_to_join(kind, allowed):
    provider = ProviderFactory()
    assert perms.can_request_to_join(_user(kind, provider), provider) is allowed
