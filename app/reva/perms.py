"""Named predicates of REVA, each rule written once (lists use the same rule in queries.py)."""

from __future__ import annotations

from app.accounts.roles import Role
from app.reva import queries
from app.reva.models import Actor, Candidacy, Status


def actors_for(user, candidacy: Candidacy) -> frozenset[Actor]:
    """Which parties `user` is on this candidacy: its candidate (C); a member of its organism (A);
    a certifier of its certification's authority in its department (R); a national administrator
    (N). Staff see a candidacy only once it is submitted. Empty: the candidacy does not exist for
    them (a 404)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    actors = set()
    if candidacy.candidate_id == user.id:
        actors.add(Actor.CANDIDATE)
    national = user.national_roles()
    if Role.ADMIN in national:
        actors.add(Actor.ADMIN)
    if candidacy.status is not Status.PROJECT:
        if (
            Role.REVA_ACCOMPAGNATEUR in national
            and candidacy.organism_id is not None
            and queries.is_organism_member(user, candidacy.organism_id)
        ):
            actors.add(Actor.ACCOMPAGNATEUR)
        if Role.CERTIFIER in national and any(
            p.authority_id == candidacy.certification.authority_id
            and p.department == candidacy.department
            for p in queries.perimeters_of(user)
        ):
            actors.add(Actor.CERTIFIER)
    return frozenset(actors)


def can_view_candidacy(user, candidacy: Candidacy) -> bool:
    """Any party of the candidacy may see it."""
    return bool(actors_for(user, candidacy))


FILE_EDITABLE = frozenset(
    {
        Status.SUBMITTED,
        Status.TAKEN_IN_CHARGE,
        Status.PATH_SENT,
        Status.PATH_CONFIRMED,
        Status.FEASIBILITY_INCOMPLETE,
    }
)


def can_edit_file(actors: frozenset[Actor], candidacy: Candidacy) -> bool:
    """Whoever sends the feasibility file fills it — the accompagnateur, or the candidate going
    alone — until it is sent (and again when the certifier finds it incomplete)."""
    writer = Actor.CANDIDATE if candidacy.is_alone else Actor.ACCOMPAGNATEUR
    return writer in actors and candidacy.status in FILE_EDITABLE


def can_write_skills(actors: frozenset[Actor], candidacy: Candidacy) -> bool:
    """The candidate writes skills into their file as they become aware of them, at any stage
    but a deleted project."""
    return Actor.CANDIDATE in actors


def can_endorse_skill(actors: frozenset[Actor]) -> bool:
    """The candidacy's accompagnateur or certifier endorses a skill (which issues a badge)."""
    return bool(actors & {Actor.ACCOMPAGNATEUR, Actor.CERTIFIER})


def can_share(actors: frozenset[Actor]) -> bool:
    """Only the candidate shares their skills."""
    return Actor.CANDIDATE in actors


def can_manage_catalogue(user) -> bool:
    """National administrators maintain the catalogue."""
    return Role.ADMIN in user.national_roles()
