"""REVA factories: a certification with blocks, organisms, certifiers, candidacies in any state."""

from __future__ import annotations

import factory

from app.accounts.roles import Role
from app.extensions import db
from app.reva.models import (
    Candidacy,
    Certification,
    CertificationAuthority,
    CertifierPerimeter,
    Competence,
    CompetenceBlock,
    Experience,
    Organism,
    OrganismDepartment,
    OrganismMember,
    Status,
)
from tests.factories import BaseFactory, UserFactory


class AuthorityFactory(BaseFactory):
    class Meta:
        model = CertificationAuthority

    name = factory.Sequence(lambda n: f"Ministère n°{n}")


class CertificationFactory(BaseFactory):
    class Meta:
        model = Certification

    rncp_code = factory.Sequence(lambda n: f"RNCP{30000 + n}")
    label = factory.Sequence(lambda n: f"Titre professionnel Métier {n}")
    level = 4
    authority = factory.SubFactory(AuthorityFactory)
    keywords = ""

    @factory.post_generation
    def blocks(self, create, extracted, **kwargs):
        """Two blocks of two competences unless `blocks=0`."""
        count = 2 if extracted is None else extracted
        for b in range(count):
            block = CompetenceBlock(
                code=f"{self.rncp_code}BC0{b + 1}", label=f"Bloc {b + 1}", position=b
            )
            block.competences = [
                Competence(label=f"Compétence {b + 1}.{c + 1}", position=c) for c in range(2)
            ]
            self.blocks.append(block)
        if create:
            db.session.commit()


class OrganismFactory(BaseFactory):
    class Meta:
        model = Organism

    name = factory.Sequence(lambda n: f"Organisme VAE {n}")
    email = factory.Sequence(lambda n: f"organisme{n}@exemple.fr")

    @factory.post_generation
    def departments(self, create, extracted, **kwargs):
        for code in extracted if extracted is not None else ["93"]:
            self.departments.append(OrganismDepartment(department=code))
        if create:
            db.session.commit()


def accompagnateur(organism) -> object:
    user = UserFactory(roles=[(Role.REVA_ACCOMPAGNATEUR, None)])
    db.session.add(OrganismMember(user_id=user.id, organism_id=organism.id))
    db.session.commit()
    return user


def certifier(authority, departments=("93",)) -> object:
    user = UserFactory(roles=[(Role.CERTIFIER, None)])
    for code in departments:
        db.session.add(
            CertifierPerimeter(user_id=user.id, authority_id=authority.id, department=code)
        )
    db.session.commit()
    return user


def admin():
    return UserFactory(roles=[(Role.ADMIN, None)])


class CandidacyFactory(BaseFactory):
    """A candidacy put straight into `status` (tests of the workflow start from any state)."""

    class Meta:
        model = Candidacy

    candidate = factory.SubFactory(UserFactory)
    certification = factory.SubFactory(CertificationFactory)
    organism = factory.SubFactory(OrganismFactory)
    department = "93"
    status = Status.SUBMITTED
    goals = "Évoluer vers un poste d'encadrement."

    class Params:
        alone = factory.Trait(organism=None)

    @factory.post_generation
    def experiences(self, create, extracted, **kwargs):
        self.experiences.append(Experience(title="Agent polyvalent", duration_months=24))
        if create:
            db.session.commit()


class World:
    """One certification, its organism and certifier, and their people, for perimeter tests."""

    def __init__(self, department="93"):
        self.certification = CertificationFactory()
        self.organism = OrganismFactory(departments=[department])
        self.accompagnateur = accompagnateur(self.organism)
        self.certifier = certifier(self.certification.authority, (department,))
        self.admin = admin()
        self.department = department

    def candidacy(self, status=Status.SUBMITTED, alone=False, **kwargs) -> Candidacy:
        values = {
            "certification": self.certification,
            "organism": None if alone else self.organism,
            "department": self.department,
            "status": status,
        }
        return CandidacyFactory(**{**values, **kwargs})
