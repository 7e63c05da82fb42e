"""Who may see and change a notebook. One place for these rules; every view goes through them."""

from __future__ import annotations

import enum

from app.accounts.roles import Role
from app.carnet.models import ConsentStatus, Notebook
from app.core.models import utcnow


class Access(enum.IntEnum):
    NONE = 0
    IDENTITY = 1  # identity and supporters' contacts only
    FULL = 2  # the whole notebook


def is_owner(user, notebook: Notebook) -> bool:
    """The person the notebook is about."""
    return notebook.beneficiary.user_id is not None and notebook.beneficiary.user_id == user.id


def active_member(user, notebook: Notebook):
    return next((m for m in notebook.members if m.user_id == user.id and m.active), None)


def has_valid_consent(user, notebook: Notebook, member=None) -> bool:
    """The person granted sharing to this professional (or to their structure), not expired."""
    member = member or active_member(user, notebook)
    now = utcnow()
    for consent in notebook.consents:
        if not consent.is_valid(now):
            continue
        if consent.user_id == user.id:
            return True
        # A consent to the whole structure (no professional named) covers its members.
        if (
            member
            and consent.user_id is None
            and consent.structure_id
            and consent.structure_id == member.structure_id
        ):
            return True
    return False


def access_level(user, notebook: Notebook, territory) -> Access:
    """The person sees everything; a professional sees the content only while an active member
    with the person's valid consent, otherwise identity and contacts; a coordinator sees identity
    and contacts (to assign referents); anyone else nothing."""
    if is_owner(user, notebook):
        return Access.FULL
    roles = user.roles_in(territory)
    if Role.PROFESSIONAL in roles:
        member = active_member(user, notebook)
        if member and has_valid_consent(user, notebook, member):
            return Access.FULL
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
    """A summary-only barrier shows its detail to the person and their referents only."""
    if barrier.visibility.value == "detail" or is_owner(user, notebook):
        return True
    member = active_member(user, notebook)
    return bool(member and member.is_referent)


def can_request_to_join(user, notebook: Notebook, territory) -> bool:
    if Role.PROFESSIONAL not in user.roles_in(territory):
        return False
    pending = any(
        c.user_id == user.id and c.status == ConsentStatus.REQUESTED for c in notebook.consents
    )
    return not pending and not (active_member(user, notebook) and has_valid_consent(user, notebook))


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
            consent.structure_id == structure_id
            or structure_of.get(consent.user_id) == structure_id
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
