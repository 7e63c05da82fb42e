"""Demo notebooks for `flask seed demo`: the demo person of each Carnet territory, supported by the
demo professional with consent, with a few barriers. Fictional and idempotent."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.roles import Role
from app.carnet import consents, notebooks, notes, plans, queries
from app.carnet.models import (
    ActionStatus,
    BarrierStatus,
    BarrierTheme,
    Beneficiary,
    Consent,
    Situation,
)
from app.core.scoping import bound_to
from app.extensions import db
from app.tenancy.models import Territory


def _demo_user(role: Role, territory: Territory) -> User | None:
    from app.accounts.seed import DOMAIN

    email = f"{role.value.replace('_', '-')}.{territory.department_code}@{DOMAIN}"
    return db.session.scalar(select(User).where(User.email == email))


def load_demo_notebooks() -> int:
    created = 0
    for territory in [t for t in db.session.scalars(select(Territory)) if t.enables("carnet")]:
        with bound_to(territory.id):
            person = _demo_user(Role.BENEFICIARY, territory)
            professional = _demo_user(Role.PROFESSIONAL, territory)
            if person is None or professional is None:
                continue
            if db.session.scalar(select(Beneficiary).where(Beneficiary.user_id == person.id)):
                continue
            notebook = notebooks.create_notebook(
                professional,
                territory,
                {
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "birth_date": date(1991, 3, 14),
                    "email": person.email,
                    "mobile": "0612345678",
                    "postal_code": {"93": "93200", "44": "44000", "974": "97400"}.get(
                        territory.department_code, "08000"
                    ),
                    "commune": {"93": "Saint-Denis", "44": "Nantes", "974": "Saint-Denis"}.get(
                        territory.department_code, "Charleville-Mézières"
                    ),
                    "situation": Situation.RSA,
                },
                queries.professional_structure(professional, territory),
            )
            notebook.beneficiary.user_id = person.id
            consent = db.session.scalar(select(Consent).where(Consent.notebook_id == notebook.id))
            consents.grant_consent(person, consent)
            mobility = plans.add_barrier(
                professional,
                notebook,
                theme=BarrierTheme.MOBILITY,
                situation="Pas de permis de conduire ; les entretiens en zone d'activité sont à 1 h 30 "
                "en transports en commun.",
            )
            plans.update_barrier(
                professional,
                mobility,
                situation=mobility.situation,
                status=BarrierStatus.IN_PROGRESS,
            )
            objective = plans.add_objective(professional, mobility, "Obtenir le code de la route")
            action = plans.add_action(
                professional,
                objective,
                title="Inscription à l'auto-école sociale",
                start_date=date.today() + timedelta(days=7),
            )
            plans.set_action_status(professional, action, ActionStatus.IN_PROGRESS)
            plans.add_barrier(
                professional,
                notebook,
                theme=BarrierTheme.FAMILY,
                situation="Garde de deux enfants de 3 et 6 ans le mercredi.",
            )
            plans.add_barrier(
                person,
                notebook,
                theme=BarrierTheme.HEALTH,
                situation="Rendez-vous médicaux réguliers.",
            )
            notes.add_interview(
                professional,
                notebook,
                on=date.today() - timedelta(days=3),
                text="Premier entretien : point sur la mobilité et la garde d'enfants. "
                "Julien souhaite travailler dans la logistique.",
            )
            db.session.flush()  # while bound to the territory its rows belong to
            created += 1
    return created
