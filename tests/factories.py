"""factory_boy factories for every model, with traits for the common roles."""

from __future__ import annotations

import factory
from sqlalchemy import select

from app.accounts.models import Membership, User
from app.accounts.roles import Role
from app.extensions import db
from app.tenancy.models import Structure, Territory

PASSWORD = "Mot-de-passe-de-test-1"


def territory(slug: str) -> Territory:
    return db.session.scalar(select(Territory).where(Territory.slug == slug))


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class StructureFactory(BaseFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Structure d'insertion {n}")
    kind = "association"
    territory_id = factory.LazyFunction(lambda: territory("seine-saint-denis").id)


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password_hash = factory.LazyFunction(lambda: _password_hash())

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """UserFactory(roles=[(Role.PROFESSIONAL, "seine-saint-denis"), (Role.ADMIN, None)])"""
        for role, slug in extracted or []:
            self.memberships.append(
                Membership(role=role, territory_id=territory(slug).id if slug else None)
            )
        if create and extracted:
            db.session.commit()


_HASH: list[str] = []


def _password_hash() -> str:
    # scrypt is slow on purpose; hash the shared test password once.
    if not _HASH:
        user = User()
        user.set_password(PASSWORD)
        _HASH.append(user.password_hash)
    return _HASH[0]


def member(role: Role, slug: str | None = "seine-saint-denis", **kwargs) -> User:
    return UserFactory(roles=[(role, slug)], **kwargs)
