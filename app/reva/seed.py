"""REVA demo data (`flask seed demo`): the catalogue, two organisms, a certifier, and about 30
candidacies spread over every state, made through the workflow itself with back-dated
transitions. Deterministic and idempotent. Never in production."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.accounts.models import Membership, User
from app.accounts.roles import Role
from app.core.models import utcnow
from app.extensions import db
from app.reva import badges, candidacies, catalogue, files
from app.reva.models import (
    Actor,
    Candidacy,
    Certification,
    CertificationAuthority,
    CertifierPerimeter,
    Mastery,
    Organism,
    OrganismDepartment,
    OrganismMember,
    SurveyAnswer,
)

DEMO_CATALOGUE = Path(__file__).parent / "data" / "demo_catalogue.csv"
DOMAIN = "demo.spie.beta.gouv.fr"
ORGANISMS = (
    ("Parcours VAE Île-de-France", "contact@parcours-vae-idf.example", ("75", "92", "93", "94")),
    ("Association Reconnaître Ouest", "vae@reconnaitre-ouest.example", ("44", "49", "85", "35")),
)
FULL = (
    ("submit", "C"),
    ("take_in_charge", "A"),
    ("send_path", "A"),
    ("confirm_path", "C"),
    ("send_feasibility", "A"),
    ("declare_admissible", "R"),
    ("send_validation", "C"),
    ("schedule_jury", "R"),
    ("record_full_validation", "R"),
)
# (how far along the full path, then an optional ending) × days ago the candidacy started
# [× days since its last move, 10 % of its age otherwise]
SCENARIOS = [
    (0, None, 20),
    (1, None, 3),
    (1, None, 12),
    (2, None, 25),
    (3, None, 30),
    (3, None, 8),
    (4, None, 40),
    (5, None, 45, 20),  # feasibility file waiting 20 days: flagged late
    (5, None, 70, 32),
    (5, None, 50),
    (5, "mark_incomplete", 60),
    (6, None, 90),
    (6, None, 120),
    (7, None, 150),
    (8, None, 200),
    (9, None, 300),
    (9, None, 260),
    (8, "record_partial_validation", 280),
    (8, "record_failure", 240),
    (5, "declare_not_admissible", 110),
    (2, "drop_out", 100),
    (5, "drop_out", 130),
    (1, "drop_out", 40),
    (4, "mark_inactive", 150),
    (6, "mark_inactive", 400),
    (4, "archive", 200),
    (3, "mark_inactive+confirm_inactive", 420),
    (1, None, 2),
    (0, None, 75),
]
ALONE = {4, 9, 15}  # scenario indexes going without an organism
FIRST_NAMES = [
    "Amina",
    "Bruno",
    "Chloé",
    "David",
    "Emma",
    "Farid",
    "Gaëlle",
    "Hugo",
    "Inès",
    "Jules",
]
LAST_NAMES = ["Arnaud", "Bernard", "Carpentier", "Diallo", "Etienne", "Fabre", "Garcia", "Hoarau"]


def _user(email, first, last, password_hash, role=None):
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, first_name=first, last_name=last, password_hash=password_hash)
        db.session.add(user)
        db.session.flush()
    if role is not None and role not in user.national_roles():
        user.memberships.append(Membership(role=role, territory_id=None))
    return user


def load_demo_reva(password_hash: str) -> list[dict]:
    """Create the REVA demo (once); return the extra demo logins."""
    report = catalogue.import_catalogue(DEMO_CATALOGUE.read_bytes(), None, dry_run=False)
    assert report.ok, report.errors
    organisms = []
    for name, email, departments in ORGANISMS:
        organism = db.session.scalar(select(Organism).where(Organism.name == name))
        if organism is None:
            organism = Organism(name=name, email=email)
            organism.departments = [OrganismDepartment(department=d) for d in departments]
            db.session.add(organism)
        organisms.append(organism)
    db.session.flush()
    accompagnateurs = []
    for i, organism in enumerate(organisms):
        suffix = "" if i == 0 else f"-{i + 1}"
        email = f"reva-accompagnateur{suffix}@{DOMAIN}"
        first, last = [("Thomas", "Girard"), ("Léa", "Morel")][i]
        user = _user(email, first, last, password_hash, Role.REVA_ACCOMPAGNATEUR)
        if db.session.get(OrganismMember, user.id) is None:
            db.session.add(OrganismMember(user_id=user.id, organism_id=organism.id))
        accompagnateurs.append(user)
    certifier = _user(f"certifier@{DOMAIN}", "Hélène", "Dubois", password_hash, Role.CERTIFIER)
    authorities = list(db.session.scalars(select(CertificationAuthority)))
    if not db.session.scalar(
        select(CertifierPerimeter.id).where(CertifierPerimeter.user_id == certifier.id)
    ):
        for authority in authorities:
            for department in ("75", "92", "93", "94", "44", "49", "85", "35"):
                db.session.add(
                    CertifierPerimeter(
                        user_id=certifier.id, authority_id=authority.id, department=department
                    )
                )
    candidate = _user(f"candidat-vae@{DOMAIN}", "Samia", "Haddad", password_hash)
    db.session.flush()
    logins = [
        _login(accompagnateurs[1], "reva_accompagnateur"),
        _login(candidate, "reva_candidat"),
    ]
    if db.session.scalar(select(Candidacy.id).limit(1)) is not None:
        return logins
    certifications = list(db.session.scalars(select(Certification).order_by(Certification.id)))
    now = utcnow()
    for index, (steps, ending, days_ago, *waited) in enumerate(SCENARIOS):
        person = (
            candidate
            if index == 14
            else _user(
                f"candidat{index + 1:02d}@{DOMAIN}",
                FIRST_NAMES[index % len(FIRST_NAMES)],
                LAST_NAMES[index % len(LAST_NAMES)],
                password_hash,
            )
        )
        organism_index = index % 2
        department = ORGANISMS[organism_index][2][index % 4]
        organism = None if index in ALONE else organisms[organism_index]
        _make(
            person,
            certifications[index % len(certifications)],
            department,
            organism,
            steps,
            ending,
            now - timedelta(days=days_ago),
            now - timedelta(days=waited[0] if waited else days_ago * 0.1),
            accompagnateurs[organism_index],
            certifier,
        )
    return logins


def _login(user, role_label):
    from app.accounts.seed import DEMO_PASSWORD

    return {"role": role_label, "territory": None, "email": user.email, "password": DEMO_PASSWORD}


def _make(person, certification, department, organism, steps, ending, start, last, acc, certifier):
    """A candidacy made through the workflow, its moves spread evenly from `start` to `last`."""
    candidacy = candidacies.start(
        person,
        certification,
        department,
        organism,
        "Faire reconnaître mes années d'expérience et évoluer vers un poste plus qualifié.",
        [
            {
                "title": "Agent polyvalent",
                "duration_months": 36,
                "description": "Missions variées en équipe.",
            },
            {"title": "Employé·e en contrat saisonnier", "duration_months": 14, "description": ""},
        ],
    )
    candidacy.created_at = start
    path = list(FULL[:steps])
    if ending:
        path += [(name, _who(name)) for name in ending.split("+")]
    total = max(len(path), 1)
    span = last - start
    blocks = candidacy.certification.blocks
    for i, (name, who) in enumerate(path):
        at = start + span * (i + 1) / total
        actor = Actor(who)
        if organism is None and name in ("take_in_charge", "send_path"):
            continue
        if organism is None and name == "send_feasibility":
            actor = Actor.CANDIDATE
        user = {"C": person, "A": acc, "R": certifier, "N": None, "S": None}[actor.value]
        if name == "send_feasibility":
            files.save_assessments(
                candidacy,
                user,
                {
                    c.id: (Mastery.ACQUIRED if j % 3 else Mastery.PARTLY, "")
                    for j, c in enumerate(c for b in blocks for c in b.competences)
                },
            )
        if name == "send_path":
            candidacies.set_path(candidacy, 20, 10, "Atelier d'écriture du dossier de validation")
        if name == "schedule_jury":
            candidacies.set_jury(
                candidacy, (at + timedelta(days=30)).date(), "Centre d'examen, salle 2"
            )
        comment = (
            "Pièces justificatives à compléter"
            if name in ("mark_incomplete", "declare_not_admissible", "drop_out")
            else ""
        )
        if name == "record_partial_validation":
            candidacies.record_jury_result(
                candidacy, certifier, name, blocks[:1], now=at, notify=False
            )
            continue
        candidacies.apply(candidacy, name, actor, user, comment, now=at, notify=False)
    # Events get their own dates; activity follows the last one.
    candidacy.last_activity_at = candidacy.status_changed_at
    if steps >= 4 and blocks:
        skill = badges.add_skill(
            candidacy,
            person,
            "J'organise mon travail et celui d'un·e collègue",
            "Planning hebdomadaire, priorités, relais en cas d'absence.",
        )
        badges.add_skill(candidacy, person, "Je forme les nouveaux arrivants", "")
        if steps >= 6:
            badges.endorse_skill(
                candidacy, skill, blocks[0].competences[0], certifier, Actor.CERTIFIER
            )
    if steps >= 9:
        db.session.add(
            SurveyAnswer(
                candidacy_id=candidacy.id,
                recruited_thanks_to_reva=steps % 2 == 1,
                self_confidence=4,
            )
        )
    db.session.flush()


def _who(name: str) -> str:
    return {
        "mark_incomplete": "R",
        "declare_not_admissible": "R",
        "record_partial_validation": "R",
        "record_failure": "R",
        "drop_out": "C",
        "mark_inactive": "S",
        "confirm_inactive": "S",
        "archive": "N",
    }[name]
