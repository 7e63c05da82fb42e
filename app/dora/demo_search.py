"""Demo data of the search side, so that the indicators are not empty: searches over the last two
months (some ending on a sheet, some leading to an orientation, some without result),
orientations in every state made by the demo professional, "no solution" / "I know one"
reports and answers to the time-saved question. Fictional people; idempotent."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.roles import Role
from app.core.models import utcnow
from app.core.scoping import bound_to
from app.dora import orientations
from app.dora.models import (
    ContactPreference,
    FeedbackKind,
    Orientation,
    SearchFeedback,
    SearchLog,
    Service,
    ServiceStatus,
    TimeSavedAnswer,
)
from app.dora.questions import FIRST_THEMES
from app.dora.search_form import places_of
from app.extensions import db
from app.tenancy.models import Territory

DOMAIN = "demo.spie.beta.gouv.fr"
SEARCHES_PER_TERRITORY = 80
PEOPLE = [
    ("Julie", "Fabre"),
    ("Mehdi", "Saïd"),
    ("Paul", "Rivière"),
    ("Awa", "Diallo"),
    ("Lucas", "Morel"),
    ("Inès", "Caron"),
]
# (final state, days ago) of the demo orientations: every state of the workflow.
ORIENTATIONS = [
    ("open", 2),
    ("open", 12),  # reminded
    ("accepted", 20),
    ("started", 25),
    ("started", 40),
    ("refused", 15),
    ("expired", 45),
]


def _demo_user(territory: Territory, role: Role) -> User | None:
    email = f"{role.value.replace('_', '-')}.{territory.department_code}@{DOMAIN}"
    return db.session.scalar(select(User).where(User.email == email))


def load_demo_searches(now=None) -> int:
    """Searches, orientations, reports and answers in each DORA territory (once)."""
    now = now or utcnow()
    made = 0
    territories = [
        t for t in db.session.scalars(select(Territory).order_by(Territory.id)) if t.enables("dora")
    ]
    for territory in territories:
        rng = random.Random(f"dora-search-demo-{territory.slug}")
        with bound_to(territory.id):
            if db.session.scalar(select(func.count(SearchLog.id))):
                continue
            places = places_of(territory.department_code)
            services = db.session.scalars(
                select(Service)
                .where(Service.status == ServiceStatus.PUBLISHED)
                .order_by(Service.id)
                .limit(40)
            ).all()
            if not places or not services:
                continue
            logs = _searches(rng, places, now)
            _orientations(rng, territory, services, [log for log in logs if log.oriented_at], now)
            _reports(rng, territory, places, now)
            db.session.flush()  # while bound: new rows take this territory
            made += len(logs)
    db.session.flush()
    return made


def _searches(rng, places, now) -> list[SearchLog]:
    logs = []
    for i in range(SEARCHES_PER_TERRITORY):
        created = now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
        place = rng.choice(places[:30])
        theme = FIRST_THEMES[i % len(FIRST_THEMES)] if i % 5 else "sante"
        count = 0 if i % 11 == 3 else rng.randint(1, 12)
        opened = count and rng.random() < 0.6
        log = SearchLog(
            commune_code=place.code,
            theme=theme,
            answers={"permis": ["non"]} if theme == "mobilite" and i % 2 else {},
            filters={"types": [], "fees": None, "modes": []},
            with_keywords=i % 7 == 0,
            result_count=count,
            by_caseworker=True,
            created_at=created,
            sheet_opened_at=created + timedelta(minutes=rng.randint(1, 20)) if opened else None,
        )
        if opened and rng.random() < 0.55:
            log.oriented_at = log.sheet_opened_at + timedelta(minutes=rng.randint(2, 9))
        db.session.add(log)
        logs.append(log)
    db.session.flush()
    return logs


def _orientations(rng, territory, services, oriented_logs, now) -> None:
    caseworker = _demo_user(territory, Role.PROFESSIONAL)
    if caseworker is None:
        return
    for index, (state, days_ago) in enumerate(ORIENTATIONS):
        first, last = PEOPLE[index % len(PEOPLE)]
        service = services[index % len(services)]
        created = now - timedelta(days=days_ago)
        log = oriented_logs[index] if index < len(oriented_logs) else None
        orientation = Orientation(
            service=service,
            service_id=service.id,
            search_id=log.id if log else None,
            created_by_id=caseworker.id,
            first_name=first,
            last_name=last,
            phone=f"06{rng.randint(10000000, 99999999)}",
            contact_preference=ContactPreference.PHONE,
            situation="Personne fictive de démonstration.",
            criteria=["La personne a-t-elle le permis de conduire ? Non"] if index % 2 else [],
            reason="Démonstration : orientation vers ce service.",
            person_agreed=True,
            created_at=created,
        )
        db.session.add(orientation)
        db.session.flush()
        orientations.apply(orientation, "create", caseworker, at=created)
        if days_ago >= orientations.REMIND_AFTER_DAYS and state in ("open", "expired"):
            orientation.reminded_at = created + timedelta(days=orientations.REMIND_AFTER_DAYS)
            orientations.apply(orientation, "remind", at=orientation.reminded_at)
        if state in ("accepted", "started"):
            orientations.apply(orientation, "accept", at=created + timedelta(days=2))
        if state == "started":
            orientation.started_on = (created + timedelta(days=rng.randint(5, 12))).date()
            orientations.apply(orientation, "start", at=created + timedelta(days=4))
        if state == "refused":
            orientation.refusal_reason = "Plus de place ce mois-ci (démonstration)."
            orientations.apply(orientation, "refuse", at=created + timedelta(days=3))
        if state == "expired":
            orientations.apply(
                orientation, "expire", at=created + timedelta(days=orientations.EXPIRE_AFTER_DAYS)
            )


def _reports(rng, territory, places, now) -> None:
    for index, (kind, theme, need) in enumerate(
        [
            (FeedbackKind.NO_SOLUTION, "famille--garde-denfants", "Garde d'enfant le samedi matin"),
            (FeedbackKind.NO_SOLUTION, "famille--garde-denfants", "Crèche à horaires décalés"),
            (FeedbackKind.NO_SOLUTION, "mobilite", "Location de scooter à la semaine"),
            (FeedbackKind.KNOWN_SOLUTION, "mobilite", ""),
        ]
    ):
        db.session.add(
            SearchFeedback(
                kind=kind,
                commune_code=places[index % 3].code,
                theme=theme,
                need=need,
                structure_name="Garage associatif du quartier"
                if kind == FeedbackKind.KNOWN_SOLUTION
                else "",
                service_name="Prêt de mobylettes" if kind == FeedbackKind.KNOWN_SOLUTION else "",
                created_at=now - timedelta(days=rng.randint(1, 20)),
            )
        )
    for role in (Role.PROFESSIONAL, Role.STRUCTURE_ADMIN, Role.COORDINATOR):
        user = _demo_user(territory, role)
        if user is not None:
            db.session.add(
                TimeSavedAnswer(
                    user_id=user.id,
                    saved_time=role != Role.STRUCTURE_ADMIN,
                    at=now - timedelta(days=40),
                )
            )
