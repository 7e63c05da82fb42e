"""Who may do what in DORA: one named predicate per rule, used by views, fragments and templates.

Lists use the scoped queries of `queries.py` named after the same rules.
"""

from __future__ import annotations

from app.accounts.roles import Role
from app.dora import carnet_link, queries
from app.dora.models import MemberStatus, Provider, ProviderMember, Service, ServiceStatus

CASEWORKER_ROLES = frozenset({Role.PROFESSIONAL, Role.STRUCTURE_ADMIN, Role.COORDINATOR})


def _roles(user, territory_id: int) -> frozenset[Role]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(m.role for m in user.memberships if m.territory_id == territory_id)


def is_coordinator(user, territory_id: int) -> bool:
    """A coordinator of the territory manages every provider there."""
    return Role.COORDINATOR in _roles(user, territory_id)


def is_caseworker(user, territory_id: int) -> bool:
    """Caseworkers, providers and coordinators of the territory read its published sheets."""
    return bool(_roles(user, territory_id) & CASEWORKER_ROLES)


def can_edit_provider(user, provider: Provider) -> bool:
    """Only active members of a provider edit it and its sheets; a coordinator of the territory
    edits any provider there."""
    if is_coordinator(user, provider.territory_id):
        return True
    return queries.active_membership(user, provider) is not None


def can_manage_members(user, provider: Provider) -> bool:
    """Administrators of the provider invite and accept members; so does a coordinator (who
    accepts the first member of a provider that has no administrator yet)."""
    if is_coordinator(user, provider.territory_id):
        return True
    membership = queries.active_membership(user, provider)
    return membership is not None and membership.is_admin


def can_request_to_join(user, provider: Provider) -> bool:
    """A caseworker of the territory who is not (and has not asked to be) a member may ask."""
    return (
        is_caseworker(user, provider.territory_id) and queries.membership_of(user, provider) is None
    )


def can_accept_invitation(user, member: ProviderMember) -> bool:
    return member.user_id == user.id and member.status == MemberStatus.INVITED


def can_view_service(user, service: Service) -> bool:
    """A published sheet is readable by every caseworker of the territory; a draft or an
    archived sheet only by those who edit its provider."""
    if service.status == ServiceStatus.PUBLISHED and is_caseworker(user, service.territory_id):
        return True
    return can_edit_provider(user, service.provider)


def can_edit_service(user, service: Service) -> bool:
    return can_edit_provider(user, service.provider)


def is_public(service: Service) -> bool:
    """Published sheets of validated providers have a public page and are open data."""
    return service.status == ServiceStatus.PUBLISHED


def can_suggest(user, service: Service) -> bool:
    """Any caseworker of the territory may report an error on a published sheet."""
    return service.status == ServiceStatus.PUBLISHED and is_caseworker(user, service.territory_id)


def can_moderate(user, territory_id: int) -> bool:
    """Coordinators validate new providers, import files and follow the indicators."""
    return is_coordinator(user, territory_id)


# Orientations (the search side)


def can_orient(user, territory_id: int) -> bool:
    """Caseworkers of the territory (professionals, structure members, coordinators) orient."""
    return is_caseworker(user, territory_id)


def can_view_orientation(user, orientation) -> bool:
    """A person's details in an orientation are seen by the caseworker who made it, by the
    members of the structure it was sent to and, when it was made from a notebook's barrier, by
    the person's supporters there with consent who read that barrier's detail — nobody else."""
    if not getattr(user, "is_authenticated", False):
        return False
    if orientation.created_by_id == user.id:
        return True
    if queries.active_membership(user, orientation.service.provider) is not None:
        return True
    return carnet_link.supported_notebook(user, orientation) is not None
