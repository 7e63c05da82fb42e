"""Who may see and change a notebook: one predicate per decision, for one record.

Each rule has its list counterpart in `queries.py`, named after the same rule
(`access_level` ↔ `notebooks_visible_to` / `notebooks_listed_for`, `consent_covers` ↔
`covering_consent_clause`, `can_see_barrier_detail` ↔ `barriers_detailed_for`,
`can_write_professional_notes` ↔ `notebooks_noted_by`, `can_request_to_join` ↔
`notebooks_joinable_by`); `tests/carnet/test_perms.py` proves, on a role × consent state ×
membership × territory table, that each pair agrees. Views, fragments, the API and templates
use these and never restate them.
"""

from __future__ import annotations

import enum

from app.accounts.roles import Role
from app.carnet.models import ConsentStatus, Notebook, Visibility
from app.core.models import utcnow


class Access(enum.IntEnum):
    NONE = 0  # not even listed: the notebook does not exist for this user (404)
    IDENTITY = 1  # identity and supporters' contacts only
    FULL = 2  # the whole notebook


def is_owner(user, notebook: Notebook) -> bool:
    """The person the notebook is about."""
    return notebook.beneficiary.user_id is not None and notebook.beneficiary.user_id == user.id


def active_member(user, notebook: Notebook):
    """The user's active membership of the notebook (None if they do not support the person)."""
    return next((m for m in notebook.members if m.user_id == user.id and m.active), None)


def consent_covers(consent, user_id: int, member_structure_id: int | None, now=None) -> bool:
    """A consent covers a supporter while granted and not expired, when it names them, or when it
    names no one but the structure they support the person for (a structure-wide share)."""
    if not consent.is_valid(now or utcnow()):
        return False
    if consent.user_id is not None:
        return consent.user_id == user_id
    return consent.structure_id is not None and consent.structure_id == member_structure_id


def has_valid_consent(user, notebook: Notebook, member=None) -> bool:
    """The person's sharing covers this professional as one of their supporters."""
    member = member or active_member(user, notebook)
    if member is None:
        return False
    now = utcnow()
    return any(consent_covers(c, user.id, member.structure_id, now) for c in notebook.consents)


def member_is_covered(member, notebook: Notebook) -> bool:
    """Whether a supporter's access is covered by the person's consent (shown on their card)."""
    now = utcnow()
    return any(
        consent_covers(c, member.user_id, member.structure_id, now) for c in notebook.consents
    )


def may_extend_to_structure(consent, notebook: Notebook) -> bool:
    """The person may extend a sharing granted to one professional to that professional's whole
    structure, unless the structure already has it."""
    if consent.user_id is None or consent.structure_id is None:
        return False
    if consent.status != ConsentStatus.GRANTED:
        return False
    now = utcnow()
    return not any(
        c.user_id is None and c.structure_id == consent.structure_id and c.is_valid(now)
        for c in notebook.consents
    )


def access_level(user, notebook: Notebook, territory, *, granted: bool = False) -> Access:
    """The person sees everything. A professional of the territory who actively supports the
    person sees the content while their consent covers them, identity and contacts otherwise; one
    who does not support them sees nothing, unless an exact-match search `granted` them the
    identity (to ask to join). A coordinator sees identity and contacts (to assign referents).
    Anyone else: nothing."""
    if is_owner(user, notebook):
        return Access.FULL
    roles = user.roles_in(territory)
    if Role.PROFESSIONAL in roles:
        member = active_member(user, notebook)
        if member is not None:
            return Access.FULL if has_valid_consent(user, notebook, member) else Access.IDENTITY
        if granted:
            return Access.IDENTITY
    if Role.COORDINATOR in roles:
        return Access.IDENTITY
    return Access.NONE


def can_edit_notebook(user, notebook: Notebook, territory) -> bool:
    """Whoever sees the whole notebook may enrich it (the seed: professionals and the person)."""
    return access_level(user, notebook, territory) == Access.FULL


def can_write_professional_notes(user, notebook: Notebook, territory) -> bool:
    """Interview summaries and the shared diagnostic are written by the supporting
    professionals (with consent) and read by the person."""
    return not is_owner(user, notebook) and can_edit_notebook(user, notebook, territory)


def can_see_barrier_detail(user, notebook: Notebook, barrier) -> bool:
    """A barrier shared in detail shows its situation, objectives, actions and history to whoever
    sees the notebook's content; one shared in summary only (health by default) shows them to the
    person and their referent only — the others see its theme and status."""
    if barrier.visibility == Visibility.DETAIL or is_owner(user, notebook):
        return True
    member = active_member(user, notebook)
    return bool(member and member.is_referent)


def has_pending_request(user, notebook: Notebook) -> bool:
    """The professional asked to join and the person has not answered yet."""
    return any(
        c.user_id == user.id and c.status == ConsentStatus.REQUESTED for c in notebook.consents
    )


def can_request_to_join(user, notebook: Notebook, territory) -> bool:
    """A professional of the territory may ask to join unless a request of theirs awaits the
    person's answer or they already see the content (their own notebook included)."""
    if Role.PROFESSIONAL not in user.roles_in(territory):
        return False
    if has_pending_request(user, notebook):
        return False
    return access_level(user, notebook, territory) != Access.FULL


def structure_may_read(structure_id: int | None, notebook: Notebook) -> bool:
    """An information system reads a notebook's content only for a structure the person shares
    it with: a valid consent to that structure, or to one of its professionals in the notebook.
    A token bound to no structure reads identity and contacts only."""
    if structure_id is None:
        return False
    now = utcnow()
    structure_of = {m.user_id: m.structure_id for m in notebook.members if m.active}
    return any(
        consent.is_valid(now)
        and (
            (consent.user_id is None and consent.structure_id == structure_id)
            or (consent.user_id is not None and structure_of.get(consent.user_id) == structure_id)
        )
        for consent in notebook.consents
    )


def administered_structures(user, territory) -> list:
    """The structures of `territory` that `user` administers (Role.STRUCTURE_ADMIN)."""
    return [
        m.structure
        for m in user.memberships
        if m.role == Role.STRUCTURE_ADMIN and m.territory_id == territory.id and m.structure
    ]


def may_issue_token(user, territory, structure_id: int | None) -> bool:
    """A token bound to a structure (it reads what people share with the structure) is issued
    only by an administrator of that structure; a token bound to none (identity and contacts) by
    a coordinator."""
    if structure_id is None:
        return Role.COORDINATOR in user.roles_in(territory)
    return any(s.id == structure_id for s in administered_structures(user, territory))


def coverage_lapses_on(member, notebook: Notebook, within_days: int = 30):
    """When a supporter's access to the content ends, if within `within_days` and not renewed
    (the latest expiry among the consents covering them); None otherwise."""
    from datetime import timedelta

    now = utcnow()
    ends = [
        c.expires_at
        for c in notebook.consents
        if consent_covers(c, member.user_id, member.structure_id, now)
    ]
    if not ends or any(end is None for end in ends):
        return None
    end = max(ends)
    return end if end <= now + timedelta(days=within_days) else None
