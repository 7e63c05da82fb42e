"""Providers (the DORA profile of a structure of the territory's directory) and their members.

Each function states its rule, records the change in the audit log, flushes and never commits.
"""

from __future__ import annotations

from flask import render_template

from app.accounts.models import User
from app.accounts.roles import Role
from app.accounts.services import add_membership, normalize_email, user_by_email
from app.core import audit, mail
from app.core.models import utcnow
from app.core.urls import external_url
from app.dora import perms, queries
from app.dora.models import MemberStatus, Moderation, Provider, ProviderMember
from app.extensions import db
from app.tenancy.models import Structure

STRUCTURE_FIELDS = ("name", "kind", "siret", "phone", "email", "postal_code")
PROVIDER_FIELDS = (
    "short_description",
    "description",
    "networks",
    "address",
    "address_complement",
    "code_insee",
    "latitude",
    "longitude",
    "website",
    "opening_hours",
    "accessibility_url",
)


class DuplicateSiret(Exception):  # noqa: N818 (a domain outcome shown to the user)
    """Another structure of the territory has this SIRET: join it rather than create it."""

    def __init__(self, provider: Provider | None, structure: Structure):
        super().__init__(structure.name)
        self.provider = provider
        self.structure = structure


def _apply(structure: Structure, provider: Provider, data: dict) -> None:
    for name in STRUCTURE_FIELDS:
        if name in data:
            setattr(structure, name, data[name] or (None if name != "name" else structure.name))
    for name in PROVIDER_FIELDS:
        if name in data:
            setattr(provider, name, data[name] if data[name] is not None else _empty(name))
    commune = queries.commune(provider.code_insee)
    if commune is not None:
        structure.commune = commune.name
        if not structure.postal_code and commune.postal_code_list:
            structure.postal_code = commune.postal_code_list[0]
        if provider.latitude is None or provider.longitude is None:
            provider.latitude, provider.longitude = commune.latitude, commune.longitude


def _empty(name: str):
    return (
        [] if name == "networks" else ("" if name in ("short_description", "description") else None)
    )


def create_provider(
    actor, territory, data: dict, *, source: str = "dora", source_id=None
) -> Provider:
    """A new structure of the directory with its DORA profile; its creator becomes its first
    administrator, and it waits for a coordinator's moderation (a coordinator's own creations,
    made for the structure, are validated at once and have no member)."""
    siret = data.get("siret")
    if siret:
        existing = queries.structure_by_siret(siret)
        if existing is not None:
            raise DuplicateSiret(queries.provider_of_structure(existing.id), existing)
    structure = Structure(
        territory_id=territory.id, name=data["name"], kind=data.get("kind") or "autre"
    )
    provider = Provider(
        territory_id=territory.id,
        structure=structure,
        source=source,
        source_id=source_id,
        networks=[],
    )
    with db.session.no_autoflush:
        _apply(structure, provider, data)
    db.session.add_all([structure, provider])
    by_coordinator = perms.is_coordinator(actor, territory.id) if actor is not None else True
    provider.moderation = Moderation.VALIDATED if by_coordinator else Moderation.TO_MODERATE
    db.session.flush()
    if not by_coordinator:
        _add_member(provider, actor, is_admin=True, status=MemberStatus.ACTIVE, by=actor)
    audit.record(actor, "created", "dora_provider", provider.id, structure.name)
    return provider


def attach_provider(actor, structure: Structure) -> Provider:
    """The DORA profile of a structure already in the directory (e.g. a Carnet de bord one)."""
    provider = queries.provider_of_structure(structure.id)
    if provider is None:
        provider = Provider(territory_id=structure.territory_id, structure=structure, networks=[])
        db.session.add(provider)
        db.session.flush()
        audit.record(actor, "created", "dora_provider", provider.id, structure.name)
    return provider


def update_provider(actor, provider: Provider, data: dict) -> None:
    """Members and coordinators edit the structure's directory record and its DORA profile."""
    siret = data.get("siret")
    if siret and siret != provider.structure.siret:
        existing = queries.structure_by_siret(siret)
        if existing is not None and existing.id != provider.structure_id:
            raise DuplicateSiret(queries.provider_of_structure(existing.id), existing)
    _apply(provider.structure, provider, data)
    provider.modified_at = utcnow()
    db.session.flush()
    audit.record(actor, "updated", "dora_provider", provider.id)


def validate_provider(actor, provider: Provider) -> None:
    """A coordinator validates a new provider: it then appears in the open data."""
    provider.moderation = Moderation.VALIDATED
    provider.modified_at = utcnow()
    db.session.flush()
    audit.record(actor, "validated", "dora_provider", provider.id)


# Members


def _add_member(provider, user, *, is_admin: bool, status: MemberStatus, by) -> ProviderMember:
    member = ProviderMember(
        territory_id=provider.territory_id,
        provider=provider,
        user=user,
        is_admin=is_admin,
        status=status,
        decided_at=utcnow() if status == MemberStatus.ACTIVE else None,
        decided_by_id=getattr(by, "id", None) if status == MemberStatus.ACTIVE else None,
    )
    db.session.add(member)
    db.session.flush()
    queries.forget_membership(user, provider)
    return member


def request_to_join(actor, provider: Provider) -> ProviderMember:
    """A caseworker asks to become a member; an administrator of the provider decides, or a
    coordinator when the provider has no administrator yet. Asking twice changes nothing."""
    existing = queries.membership_of(actor, provider)
    if existing is not None:
        return existing
    member = _add_member(provider, actor, is_admin=False, status=MemberStatus.REQUESTED, by=None)
    audit.record(actor, "requested", "dora_provider_member", member.id, provider.name)
    return member


def has_administrator(provider: Provider) -> bool:
    return any(m.is_admin and m.status == MemberStatus.ACTIVE for m in queries.members_of(provider))


def accept_member(actor, member: ProviderMember) -> None:
    """Accepting a join request makes the person an editor of this provider in DORA only (never
    a Carnet de bord professional of the structure); the first member becomes its administrator."""
    first = not has_administrator(member.provider)
    member.status = MemberStatus.ACTIVE
    member.is_admin = member.is_admin or first
    member.decided_at = utcnow()
    member.decided_by_id = actor.id
    db.session.flush()
    audit.record(actor, "accepted", "dora_provider_member", member.id, member.user.email)


def refuse_member(actor, member: ProviderMember) -> None:
    """A refused request (or a removed member) leaves no trace but the audit entry."""
    audit.record(actor, "refused", "dora_provider_member", member.id, member.user.email)
    queries.forget_membership(member.user, member.provider)
    db.session.delete(member)
    db.session.flush()


def invite_member(
    actor, provider: Provider, *, email: str, first_name: str, last_name: str, is_admin: bool
) -> ProviderMember:
    """An administrator invites someone (their account is created if needed, with access to the
    territory as a structure administrator); they join once they accept in DORA."""
    email = normalize_email(email)
    user = user_by_email(email)
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name)
        db.session.add(user)
    add_membership(user, provider_territory(provider), Role.STRUCTURE_ADMIN)
    db.session.flush()
    member = queries.membership_of(user, provider)
    if member is None:
        member = _add_member(
            provider, user, is_admin=is_admin, status=MemberStatus.INVITED, by=actor
        )
    elif member.status == MemberStatus.REQUESTED:
        accept_member(actor, member)
    audit.record(actor, "invited", "dora_provider_member", member.id, email)
    mail.queue(
        email,
        f"Invitation à rejoindre {provider.name} sur DORA",
        render_template(
            "dora/mail/invitation.txt",
            provider=provider,
            inviter=actor,
            link=external_url(
                "dora.provider", slug=provider.slug, territory=provider_territory(provider).slug
            ),
        ),
    )
    return member


def accept_invitation(user, member: ProviderMember) -> None:
    """The invited person accepts: they become an active member."""
    member.status = MemberStatus.ACTIVE
    member.decided_at = utcnow()
    member.decided_by_id = user.id
    db.session.flush()
    audit.record(user, "accepted", "dora_provider_member", member.id)


def provider_territory(provider: Provider):
    from app.tenancy.models import Territory

    return db.session.get(Territory, provider.territory_id)
