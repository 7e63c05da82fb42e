"""REVA: N VAE candidacies over 20 departments, the demo catalogue, 25 organisms (one
accompagnateur each, 4 departments each) and a certifier for the largest authority in 10
departments; each candidacy has walked the workflow some way (its dated history), a few dropped
out. The certifier's queue, an accompagnateur's queue and one candidacy page are measured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bench.loaders import Account, Loaded, Loader, Page, register
from bench.loaders.people import PASSWORD, People, insert_rows

DEPARTMENTS = [
    "75", "92", "93", "94", "44", "49", "85", "35", "13", "69",
    "59", "33", "31", "67", "06", "34", "76", "62", "38", "974",
]  # fmt: skip
ORGANISMS = 25
# The workflow's main path: (transition, actor, status reached).
PATH = [
    ("submit", "C", "submitted"),
    ("take_in_charge", "A", "taken_in_charge"),
    ("send_path", "A", "path_sent"),
    ("confirm_path", "C", "path_confirmed"),
    ("send_feasibility", "A", "feasibility_sent"),
    ("declare_admissible", "R", "admissible"),
    ("send_validation", "C", "validation_sent"),
    ("schedule_jury", "R", "jury_scheduled"),
    ("record_full_validation", "R", "full_validation"),
]
STEP_WEIGHTS = [8, 10, 8, 8, 14, 10, 8, 8, 6]  # how far along the path candidacies are


def load(candidacies: int, rng) -> Loaded:
    from app.accounts.roles import Role
    from app.extensions import db
    from app.reva import catalogue
    from app.reva.models import (
        Candidacy,
        CandidacyEvent,
        Certification,
        CertifierPerimeter,
        Experience,
        Organism,
        OrganismDepartment,
        OrganismMember,
    )
    from app.reva.seed import DEMO_CATALOGUE

    report = catalogue.import_catalogue(DEMO_CATALOGUE.read_bytes(), None, dry_run=False)
    assert report.ok, report.errors
    certifications = list(db.session.execute(select(Certification.id, Certification.authority_id)))
    authority = max(
        {a for _, a in certifications}, key=lambda a: sum(1 for _, x in certifications if x == a)
    )
    now = datetime.now(UTC)
    people = People()

    first_organism = db.session.scalar(select(func.coalesce(func.max(Organism.id), 0))) + 1
    organisms, served, members, serving = [], [], [], {d: [] for d in DEPARTMENTS}
    accompagnateurs = []
    for k in range(ORGANISMS):
        organism_id = first_organism + k
        organisms.append({"id": organism_id, "name": f"Organisme VAE {k:02d}", "created_at": now})
        for j in range(4):
            department = DEPARTMENTS[(2 * k + j) % len(DEPARTMENTS)]
            served.append({"organism_id": organism_id, "department": department})
            serving[department].append(organism_id)
        email = f"accompagnateur.{k}@bench.fr"
        user = people.add(email, "Accompagnateur", f"A{k}", Role.REVA_ACCOMPAGNATEUR)
        members.append({"user_id": user, "organism_id": organism_id})
        accompagnateurs.append(email)
    certifier_email = "certificateur@bench.fr"
    certifier = people.add(certifier_email, "Certificateur", "R", Role.CERTIFIER)
    perimeter = [
        {"user_id": certifier, "authority_id": authority, "department": d} for d in DEPARTMENTS[:10]
    ]

    first = db.session.scalar(select(func.coalesce(func.max(Candidacy.id), 0))) + 1
    first_event = db.session.scalar(select(func.coalesce(func.max(CandidacyEvent.id), 0))) + 1
    rows, events, experiences = [], [], []
    of_authority = [c for c, a in certifications if a == authority]
    page_candidacy = None
    for n in range(first, first + candidacies):
        candidate = people.add(f"candidat{n}@bench.fr", "Candidat", f"C{n:05d}")
        if n == first:  # the page measured: in the organism of the first accompagnateur and in
            # the certifier's perimeter, awaiting the certifier's decision
            department, organism, certification, steps = DEPARTMENTS[0], first_organism, None, 5
            certification = of_authority[0]
        else:
            department = rng.choice(DEPARTMENTS)
            organism = rng.choice(serving[department]) if rng.random() < 0.9 else None
            certification = rng.choice(certifications)[0]
            steps = rng.choices(range(1, len(PATH) + 1), STEP_WEIGHTS)[0]
        at = now - timedelta(days=rng.randint(steps * 12, steps * 12 + 300))
        status = "project"
        history = PATH[:steps]
        if n != first and rng.random() < 0.05:
            history = [*history, ("drop_out", "C", "dropped_out")]
        for transition, actor, to_status in history:
            at += timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8))
            events.append(
                {
                    "id": first_event + len(events),
                    "candidacy_id": n,
                    "at": at,
                    "transition": transition,
                    "from_status": status,
                    "to_status": to_status,
                    "actor": actor,
                    "actor_user_id": certifier if actor == "R" else None,
                    "comment": "Abandon du parcours" if to_status == "dropped_out" else "",
                }
            )
            status = to_status
        rows.append(
            {
                "id": n,
                "public_id": f"{rng.getrandbits(96):024x}",
                "candidate_id": candidate,
                "certification_id": certification,
                "organism_id": organism,
                "department": department,
                "status": status,
                "status_changed_at": at,
                "last_activity_at": at,
                "goals": "Faire reconnaître mon expérience.",
                "created_at": at,
            }
        )
        experiences.append(
            {
                "candidacy_id": n,
                "title": "Agent·e polyvalent·e",
                "duration_months": rng.randint(12, 120),
                "description": "Accueil, entretien, accompagnement des personnes.",
            }
        )
        if n == first:
            page_candidacy = rows[-1]["public_id"]
    people.insert()
    insert_rows(Organism, organisms)
    for model, batch in (
        (OrganismDepartment, served),
        (OrganismMember, members),
        (CertifierPerimeter, perimeter),
        (Candidacy, rows),
        (CandidacyEvent, events),
        (Experience, experiences),
    ):
        insert_rows(model, batch)
    db.session.flush()

    accompagnateur = accompagnateurs[0]
    return Loaded(
        accounts=[
            Account(certifier_email, PASSWORD, Role.CERTIFIER.value),
            Account(accompagnateur, PASSWORD, Role.REVA_ACCOMPAGNATEUR.value),
        ],
        pages=[
            Page("file du certificateur (REVA)", certifier_email, "/reva/certificateur/"),
            Page("file de l'organisme (REVA)", accompagnateur, "/reva/accompagnateur/"),
            Page(
                "candidature (accompagnateur REVA)",
                accompagnateur,
                f"/reva/candidatures/{page_candidacy}",
            ),
        ],
    )


register(
    Loader(
        name="reva",
        option="candidacies",
        default=5_000,
        help="VAE candidacies of REVA",
        load=load,
    )
)
