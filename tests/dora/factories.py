"""DORA factories: providers (with their shared structure), members, sheets with traits."""

from __future__ import annotations

from datetime import timedelta

import factory

from app.accounts.roles import Role
from app.core.models import utcnow
from app.dora.models import (
    MemberStatus,
    Moderation,
    Provider,
    ProviderMember,
    Service,
    ServiceStatus,
)
from app.extensions import db
from app.tenancy.models import Structure
from tests.factories import BaseFactory, UserFactory, territory

NANTES = "44109"


def _la():
    return territory("loire-atlantique").id


class DoraStructureFactory(BaseFactory):
    class Meta:
        model = Structure

    territory_id = factory.LazyFunction(_la)
    name = factory.Sequence(lambda n: f"Garage solidaire {n}")
    kind = "association"
    email = factory.Sequence(lambda n: f"contact{n}@structure.fr")
    phone = "0240123456"
    commune = "Nantes"
    postal_code = "44000"


class ProviderFactory(BaseFactory):
    class Meta:
        model = Provider

    territory_id = factory.LazyFunction(_la)
    structure = factory.SubFactory(
        DoraStructureFactory, territory_id=factory.SelfAttribute("..territory_id")
    )
    short_description = "Réparation et location de véhicules à prix solidaire."
    networks = factory.LazyFunction(list)
    code_insee = NANTES
    moderation = Moderation.VALIDATED

    class Params:
        to_moderate = factory.Trait(moderation=Moderation.TO_MODERATE)


class ServiceFactory(BaseFactory):
    """A complete sheet (publishable); traits: published, due (à actualiser), archived."""

    class Meta:
        model = Service

    provider = factory.SubFactory(ProviderFactory)
    territory_id = factory.SelfAttribute("provider.territory_id")
    name = factory.Sequence(lambda n: f"Location de voitures {n}")
    summary = "Des voitures louées à petit prix pour aller travailler."
    description = "Location à la journée ou à la semaine, avec une caution réduite."
    type = "aide-materielle"
    fees = "payant"
    publics = factory.LazyFunction(lambda: ["demandeurs-emploi"])
    reception_modes = factory.LazyFunction(lambda: ["en-presentiel"])
    address = "12 rue de la Paix"
    postal_code = "44000"
    commune = "Nantes"
    code_insee = NANTES
    modes_for_professionals = factory.LazyFunction(lambda: ["telephoner"])
    modes_for_people = factory.LazyFunction(lambda: ["se-presenter"])
    contact_name = "Agnès Durand"
    contact_phone = "0240987654"
    contact_email = "agnes.durand@structure.fr"
    contact_public = False
    status = ServiceStatus.DRAFT
    update_frequency_days = 15
    last_confirmed_at = factory.LazyFunction(utcnow)
    due_at = factory.LazyAttribute(
        lambda o: o.last_confirmed_at + timedelta(days=o.update_frequency_days)
    )

    class Params:
        published = factory.Trait(
            status=ServiceStatus.PUBLISHED, published_at=factory.LazyFunction(utcnow)
        )
        due = factory.Trait(
            status=ServiceStatus.PUBLISHED,
            last_confirmed_at=factory.LazyFunction(lambda: utcnow() - timedelta(days=20)),
            modified_at=factory.LazyAttribute(lambda o: o.last_confirmed_at),
        )
        archived = factory.Trait(status=ServiceStatus.ARCHIVED)

    @factory.post_generation
    def thematiques(self, create, extracted, **kwargs):
        self.thematiques = (
            extracted if extracted is not None else ["mobilite--acceder-a-un-vehicule"]
        )
        if create:
            db.session.commit()

    @factory.post_generation
    def zone(self, create, extracted, **kwargs):
        self.zone = extracted if extracted is not None else ["44"]
        if create:
            db.session.commit()


def provider_member(
    provider, user=None, *, admin=True, status=MemberStatus.ACTIVE, role=Role.STRUCTURE_ADMIN
):
    """`user` (created with a territory membership if None) as a member of `provider`."""
    if user is None:
        user = UserFactory(roles=[(role, _slug(provider))])
    member = ProviderMember(
        territory_id=provider.territory_id,
        provider_id=provider.id,
        user_id=user.id,
        is_admin=admin,
        status=status,
    )
    db.session.add(member)
    db.session.commit()
    return user


def _slug(provider) -> str:
    from app.tenancy.models import Territory

    return db.session.get(Territory, provider.territory_id).slug


def reload(obj):
    """The row as stored now (requests run in their own session)."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)
