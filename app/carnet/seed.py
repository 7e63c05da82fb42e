"""Demo notebooks for `flask seed demo`: each Carnet territory lived in, so that a newcomer sees a
real territory and every rule can be tried by hand. Fictional, deterministic and idempotent (a
person already there is left as is).

In each territory: the demo person (Julien) supported by the demo professional with consent; a
second demo person (Amina) whom the demo professional asks to join; about thirty more notebooks
in varied states — consent pending, granted, expired, withdrawn, shared with a whole structure —,
health barriers shown in summary, several professionals in two structures, and notebooks the demo
professional does not support."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

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
from app.core.models import utcnow
from app.core.scoping import bound_to
from app.extensions import db
from app.tenancy.models import Territory


def _demo_user(role: Role, territory: Territory) -> User | None:
    from app.accounts.seed import DOMAIN

    email = f"{role.value.replace('_', '-')}.{territory.department_code}@{DOMAIN}"
    return db.session.scalar(select(User).where(User.email == email))


def load_demo_notebooks() -> list[dict]:
    """Create the demo notebooks where missing; return the logins of the extra demo accounts."""
    _load_demo_person_notebooks()
    logins = []
    for territory in _carnet_territories():
        with bound_to(territory.id):
            logins += _lived_in_territory(territory)
            db.session.flush()  # while bound to the territory its rows belong to
    return logins


def _carnet_territories() -> list[Territory]:
    territories = db.session.scalars(select(Territory).order_by(Territory.id))
    return [t for t in territories if t.enables("carnet")]


def _load_demo_person_notebooks() -> int:
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
            plans.add_action(  # an "action antérieure": done before the notebook existed
                professional,
                objective,
                title="Séances de code en ligne avec la mission locale",
                start_date=date.today() - timedelta(days=120),
                done=True,
            )
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


# The lived-in territory

FIRST_NAMES = [
    "Camille",
    "Yanis",
    "Fatou",
    "Lucas",
    "Nadia",
    "Hugo",
    "Inès",
    "Mathis",
    "Sarah",
    "Kévin",
    "Leïla",
    "Théo",
    "Aïcha",
    "Maxime",
    "Chloé",
    "Bilal",
    "Manon",
    "Rayan",
    "Julie",
    "Samir",
    "Océane",
    "Mehdi",
    "Laura",
    "Dylan",
    "Sofia",
    "Enzo",
    "Mariam",
    "Jordan",
    "Elsa",
    "Ibrahim",
]
LAST_NAMES = [
    "Bernard",
    "Traoré",
    "Dubois",
    "Nguyen",
    "Lefebvre",
    "Haddad",
    "Garcia",
    "Mercier",
    "Diallo",
    "Fontaine",
    "Roux",
    "Benkhaled",
    "Morel",
    "Payet",
    "Girard",
    "Hoarau",
    "Lambert",
    "Camara",
    "Bonnet",
    "Rivière",
    "Guérin",
    "Mendy",
    "Faure",
    "Grondin",
]
SITUATIONS = [Situation.RSA, Situation.YOUNG_NEET, Situation.LONG_TERM_JOBSEEKER, Situation.OTHER]
BARRIERS = [
    (BarrierTheme.MOBILITY, "Pas de véhicule ; le permis est à repasser."),
    (BarrierTheme.HOUSING, "Hébergé chez un proche, cherche un logement autonome."),
    (BarrierTheme.FAMILY, "Garde d'enfant à trouver pour les horaires décalés."),
    (BarrierTheme.DIGITAL, "N'a pas d'ordinateur ; démarches en ligne difficiles."),
    (BarrierTheme.FINANCIAL, "Dettes de loyer en cours d'échéancier."),
    (BarrierTheme.FRENCH, "Souhaite progresser à l'écrit en français."),
    (BarrierTheme.ADMINISTRATIVE, "Titre de séjour à renouveler."),
    (BarrierTheme.TRAINING, "Veut se former au métier d'aide-soignant·e."),
]
HEALTH = "Suivi médical régulier ; éviter le port de charges lourdes."
OBJECTIVES = [
    ("Obtenir le code de la route", "Inscription à l'auto-école sociale"),
    ("Déposer une demande de logement social", "Rendez-vous avec le CCAS"),
    ("Trouver un mode de garde", "Contact avec le relais petite enfance"),
    ("Être autonome sur les démarches en ligne", "Atelier numérique à la médiathèque"),
]
# state of the i-th notebook (i modulo 6) and who opened it
PENDING, GRANTED, EXPIRED, REVOKED, STRUCTURE, NOT_MINE = range(6)


def _extra_user(email, first_name, last_name, role, territory, structure=None) -> tuple:
    """A demo account (created once, its password never refreshed: the seed is deterministic)."""
    from app.accounts.seed import DEMO_PASSWORD, _login
    from app.accounts.services import grant, user_by_email

    user = user_by_email(email)
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    grant(user, territory, role, structure)
    return user, _login(user, role, territory.slug)


def _team(territory):
    """The demo professional, a France Travail colleague and two association professionals."""
    from app.accounts.seed import DOMAIN

    code = territory.department_code
    demo = _demo_user(Role.PROFESSIONAL, territory)
    admin = _demo_user(Role.STRUCTURE_ADMIN, territory)
    france_travail = queries.professional_structure(demo, territory)
    association = queries.professional_structure(admin, territory)
    logins = []
    people = [
        ("pro-france-travail", "Léa", "Martineau", france_travail),
        ("pro-association", "Omar", "Benyahia", association),
        ("pro-association-2", "Justine", "Carpentier", association),
    ]
    team = [demo]
    for key, first, last, structure in people:
        user, login = _extra_user(
            f"{key}.{code}@{DOMAIN}", first, last, Role.PROFESSIONAL, territory, structure
        )
        team.append(user)
        logins.append(login)
    return team, france_travail, association, logins


def _person(territory, i) -> dict:
    offset = int(territory.department_code) % 7
    return {
        "first_name": FIRST_NAMES[i % len(FIRST_NAMES)],
        "last_name": LAST_NAMES[(i * 5 + offset) % len(LAST_NAMES)],
        "birth_date": date(1962 + (i * 7) % 40, 1 + (i * 5) % 12, 1 + (i * 11) % 28),
        "postal_code": {"93": "93200", "44": "44000", "974": "97400"}.get(
            territory.department_code, "08000"
        ),
        "commune": {"93": "Saint-Denis", "44": "Nantes", "974": "Saint-Denis"}.get(
            territory.department_code, "Charleville-Mézières"
        ),
        "situation": SITUATIONS[i % len(SITUATIONS)],
    }


def _exists(data: dict) -> bool:
    return bool(
        db.session.scalar(
            select(Beneficiary.id).where(
                Beneficiary.first_name == data["first_name"],
                Beneficiary.last_name == data["last_name"],
                Beneficiary.birth_date == data["birth_date"],
            )
        )
    )


def _plan(author, notebook, i) -> None:
    """Barriers (a health one, in summary, every third notebook), an objective and an action."""
    theme, situation = BARRIERS[i % len(BARRIERS)]
    barrier = plans.add_barrier(author, notebook, theme=theme, situation=situation)
    if i % 2 == 0:
        title, action = OBJECTIVES[i % len(OBJECTIVES)]
        objective = plans.add_objective(author, barrier, title)
        step = plans.add_action(
            author, objective, title=action, start_date=date.today() + timedelta(days=i % 10)
        )
        if i % 4 == 0:
            plans.set_action_status(author, step, ActionStatus.IN_PROGRESS)
    if i % 3 == 0:
        plans.add_barrier(author, notebook, theme=BarrierTheme.HEALTH, situation=HEALTH)


def _consent_of(notebook, user) -> Consent:
    return next(c for c in notebook.consents if c.user_id == user.id)


def _notebook(territory, i, team, france_travail, association) -> None:
    """The i-th lived-in notebook of the territory, in state i modulo 6."""
    demo, colleague, assoc, assoc_2 = team
    state = i % 6
    author, structure = {
        STRUCTURE: (assoc, association),
        NOT_MINE: (colleague, france_travail),
    }.get(state, (demo, france_travail))
    notebook = notebooks.create_notebook(author, territory, _person(territory, i), structure)
    consent = _consent_of(notebook, author)
    now = utcnow()
    if state == PENDING:
        return
    consents.grant_consent(None, consent)
    _plan(author, notebook, i)
    notes.add_interview(
        author,
        notebook,
        on=date.today() - timedelta(days=3 + i),
        text="Point d'étape : démarches engagées, prochain rendez-vous fixé.",
    )
    if state == EXPIRED:
        consent.expires_at = now - timedelta(days=1 + i)  # six months have passed
    elif state == REVOKED:
        consents.revoke_consent(None, consent)
    elif state == STRUCTURE:
        consents.grant_structure_consent(None, notebook, association)
        notebooks.request_to_join(assoc_2, notebook, association)  # no request: shared
    elif state == GRANTED:
        notes.add_appointment(
            author, notebook, datetime.combine(date.today(), time(9), UTC) + timedelta(days=i)
        )
        if i % 5 == 1:  # a second supporter, from the association, with their own consent
            notebooks.request_to_join(assoc, notebook, association)
            db.session.flush()
            consents.grant_consent(None, _consent_of(notebook, assoc))


def _second_person(territory, team, france_travail, association) -> dict:
    """Amina, who can log in: supported by the association with consent; the demo professional
    asks to join her notebook (she may accept or refuse)."""
    from app.accounts.seed import DOMAIN

    demo, _, assoc, _ = team
    user, login = _extra_user(
        f"beneficiary-2.{territory.department_code}@{DOMAIN}",
        "Amina",
        "Diallo",
        Role.BENEFICIARY,
        territory,
    )
    data = {
        "first_name": "Amina",
        "last_name": "Diallo",
        "birth_date": date(1988, 9, 2),
        "email": user.email,
        "commune": _person(territory, 0)["commune"],
        "situation": Situation.LONG_TERM_JOBSEEKER,
    }
    if _exists(data):
        return login
    notebook = notebooks.create_notebook(assoc, territory, data, association)
    notebook.beneficiary.user_id = user.id
    consents.grant_consent(user, _consent_of(notebook, assoc))
    plans.add_barrier(user, notebook, theme=BarrierTheme.HEALTH, situation=HEALTH)
    _plan(assoc, notebook, 1)
    notebooks.request_to_join(demo, notebook, france_travail)
    return login


def _lived_in_territory(territory, count: int = 30) -> list[dict]:
    if _demo_user(Role.PROFESSIONAL, territory) is None:
        return []
    team, france_travail, association, logins = _team(territory)
    logins.append(_second_person(territory, team, france_travail, association))
    for i in range(count):
        if not _exists(_person(territory, i)):
            _notebook(territory, i, team, france_travail, association)
            db.session.flush()
    return logins
