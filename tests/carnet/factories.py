"""Carnet de bord factories."""

from __future__ import annotations

from datetime import date, timedelta

import factory

from app.carnet.models import (
    Action,
    Barrier,
    BarrierTheme,
    Beneficiary,
    Consent,
    ConsentStatus,
    Interview,
    Notebook,
    NotebookMember,
    Objective,
    Visibility,
)
from app.core.models import utcnow
from app.extensions import db
from tests.factories import BaseFactory, territory

VALID_NIR = "185077512345608"


def _territory_id():
    return territory("seine-saint-denis").id


class BeneficiaryFactory(BaseFactory):
    class Meta:
        model = Beneficiary

    territory_id = factory.LazyFunction(_territory_id)
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    birth_date = factory.Sequence(lambda n: date(1980, 1, 1) + timedelta(days=n * 37))


class NotebookFactory(BaseFactory):
    class Meta:
        model = Notebook

    territory_id = factory.LazyFunction(_territory_id)
    beneficiary = factory.SubFactory(
        BeneficiaryFactory, territory_id=factory.SelfAttribute("..territory_id")
    )


def add_member(
    notebook, user, *, consent=True, referent=False, structure=None, expires_in_days=180
):
    """Make `user` an active member, with a granted consent unless `consent` is False."""
    db.session.add(
        NotebookMember(
            notebook_id=notebook.id,
            user_id=user.id,
            territory_id=notebook.territory_id,
            is_referent=referent,
            structure_id=structure.id if structure else None,
        )
    )
    status = ConsentStatus.GRANTED if consent else ConsentStatus.REQUESTED
    db.session.add(
        Consent(
            notebook_id=notebook.id,
            user_id=user.id,
            territory_id=notebook.territory_id,
            status=status,
            structure_id=structure.id if structure else None,
            decided_at=utcnow() if consent else None,
            expires_at=utcnow() + timedelta(days=expires_in_days) if consent else None,
        )
    )
    db.session.commit()


def add_barrier(
    notebook,
    theme=BarrierTheme.MOBILITY,
    situation="Pas de permis de conduire",
    visibility=Visibility.DETAIL,
    with_children=False,
):
    barrier = Barrier(
        notebook_id=notebook.id,
        territory_id=notebook.territory_id,
        theme=theme,
        situation=situation,
        visibility=visibility,
    )
    db.session.add(barrier)
    if with_children:
        objective = Objective(
            barrier=barrier, title="Passer le code", territory_id=notebook.territory_id
        )
        db.session.add(objective)
        db.session.add(
            Action(
                objective=objective,
                title="S'inscrire à l'auto-école sociale",
                territory_id=notebook.territory_id,
            )
        )
        db.session.add(
            Interview(
                notebook_id=notebook.id,
                territory_id=notebook.territory_id,
                date=date.today(),
                text="Premier entretien",
            )
        )
    db.session.commit()
    return barrier
