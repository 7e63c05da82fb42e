"""Who may do what in the finance space: one table, one named predicate per action.

Every finance role and the national administrators read everything; the délégataire (DNUM)
records the ledger; the délégant (DGEFP) edits the agreement, the allocations and records the
committees' decisions; the DINUM co-steers and comments; the auditor (CBCM) reads and exports.
Only national memberships count: no territorial role reaches this space.
"""

from __future__ import annotations

from app.accounts.roles import FINANCE, Role

READERS = frozenset(FINANCE | {Role.ADMIN})

ACTIONS: dict[str, frozenset[Role]] = {
    "read": READERS,
    "export": READERS,
    "record_ledger": frozenset({Role.FINANCE_DELEGATAIRE}),
    "edit_agreement": frozenset({Role.FINANCE_DELEGANT}),
    "change_allocation": frozenset({Role.FINANCE_DELEGANT}),
    "hold_committee": frozenset({Role.FINANCE_DELEGANT}),
    "decide_committee": frozenset({Role.FINANCE_DELEGANT}),
    "comment_committee": frozenset(
        {Role.FINANCE_DINUM, Role.FINANCE_DELEGANT, Role.FINANCE_DELEGATAIRE}
    ),
}


def _allowed(user, action: str) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.national_roles() & ACTIONS[action]
    )


def can_read_finance(user) -> bool:
    """Finance roles and national administrators read the whole space."""
    return _allowed(user, "read")


def can_export_ledger(user) -> bool:
    """Every reader may export the ledger (the CBCM audits it)."""
    return _allowed(user, "export")


def can_record_ledger(user) -> bool:
    """Only the délégataire records commitments, payments and cancellations (article 4.1)."""
    return _allowed(user, "record_ledger")


def can_edit_agreement(user) -> bool:
    """Only the délégant edits the convention, its amendments and annexes (article 6)."""
    return _allowed(user, "edit_agreement")


def can_change_allocation(user) -> bool:
    """Only the délégant changes an allocation, including its decision on the balance (4.2)."""
    return _allowed(user, "change_allocation")


def can_hold_committee(user) -> bool:
    """The délégant organises the investment committee (article 2)."""
    return _allowed(user, "hold_committee")


def can_decide_committee(user) -> bool:
    """The délégant records each start-up's decision and next budget (clause de revoyure)."""
    return _allowed(user, "decide_committee")


def can_comment_committee(user) -> bool:
    """The parties (DINUM, délégant, délégataire) comment a committee's reviews."""
    return _allowed(user, "comment_committee")


PREDICATES = {
    "read": can_read_finance,
    "export": can_export_ledger,
    "record_ledger": can_record_ledger,
    "edit_agreement": can_edit_agreement,
    "change_allocation": can_change_allocation,
    "hold_committee": can_hold_committee,
    "decide_committee": can_decide_committee,
    "comment_committee": can_comment_committee,
}
