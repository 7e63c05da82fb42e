"""Reference data (the communes and EPCIs of the DORA territories, shipped in `data/`) and the
fictional demo offer of each DORA territory. Both idempotent."""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.roles import Role
from app.core.models import utcnow
from app.core.scoping import bound_to
from app.dora import sheets, structures
from app.dora.models import (
    Commune,
    Epci,
    MemberStatus,
    Moderation,
    Provider,
    ProviderMember,
    Service,
    ServiceStatus,
)
from app.extensions import db
from app.tenancy.models import Structure, Territory

DATA = Path(__file__).parent / "data"
DEMO_SOURCE = "demo"
STRUCTURES_PER_TERRITORY = 40
SERVICES_PER_TERRITORY = 150


def _domain(name: str) -> str:
    """A valid DNS label from a name: "Mission locale — Saint-Denis" → "mission-locale-saint-denis"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:40].strip("-")


def load_communes() -> int:
    """Upsert the communes and EPCIs of `data/communes.csv` and `data/epci.csv`."""
    existing = {c.code: c for c in db.session.scalars(select(Commune))}
    with open(DATA / "communes.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        commune = existing.get(row["code_insee"]) or Commune(code=row["code_insee"])
        commune.name = row["nom"]
        commune.department = row["departement"]
        commune.postal_codes = row["codes_postaux"]
        commune.epci = row["epci"] or None
        commune.latitude = float(row["latitude"]) if row["latitude"] else None
        commune.longitude = float(row["longitude"]) if row["longitude"] else None
        if row["code_insee"] not in existing:
            db.session.add(commune)
    epcis = {e.code: e for e in db.session.scalars(select(Epci))}
    with open(DATA / "epci.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            epci = epcis.get(row["code"]) or Epci(code=row["code"])
            epci.name, epci.departments = row["nom"], row["departements"]
            if row["code"] not in epcis:
                db.session.add(epci)
    db.session.flush()
    return len(rows)


# The demo offer

# (kind, name pattern, networks)
PROVIDERS = [
    ("ccas", "CCAS de {commune}", ["ccas-cias"]),
    ("association", "Garage solidaire de {commune}", []),
    ("association", "Auto-école sociale {commune}", []),
    ("association", "Plateforme mobilité {commune}", []),
    ("association", "Relais petite enfance {commune}", []),
    ("association", "Crèche solidaire {commune}", []),
    ("association", "Foyer de jeunes travailleurs {commune}", []),
    ("association", "Centre d'hébergement {commune}", []),
    ("mission_locale", "Mission locale de {commune}", ["mission-locale"]),
    ("france_travail", "France Travail — agence de {commune}", ["france-travail"]),
    ("caf", "Caf — accueil de {commune}", ["caf"]),
    ("association", "Centre social de {commune}", []),
    ("plie", "PLIE de {commune}", []),
    ("association", "Maison des solidarités {commune}", []),
]
# (name, summary, thematiques, type, fees, publics, reception modes)
SERVICES = [
    (
        "Location de véhicules à petit prix",
        "Voitures et scooters loués à tarif solidaire pour se rendre au travail ou en formation.",
        ["mobilite--acceder-a-un-vehicule"],
        "aide-materielle",
        "payant",
        ["demandeurs-emploi", "beneficiaires-des-minimas-sociaux"],
        ["en-presentiel"],
    ),
    (
        "Réparation solidaire de véhicules",
        "Entretien et réparation de votre véhicule au prix des pièces, main-d'œuvre solidaire.",
        ["mobilite--entretenir-reparer-son-vehicule"],
        "aide-materielle",
        "payant",
        ["beneficiaires-des-minimas-sociaux"],
        ["en-presentiel"],
    ),
    (
        "Préparation au permis B",
        "Code et conduite avec un accompagnement renforcé et un financement possible.",
        ["mobilite--preparer-un-permis"],
        "formation",
        "payant",
        ["demandeurs-emploi", "jeunes"],
        ["en-presentiel"],
    ),
    (
        "Diagnostic mobilité",
        "Un entretien pour faire le point sur vos déplacements et trouver des solutions.",
        ["mobilite--etre-accompagne-dans-son-parcours-mobilite"],
        "accompagnement",
        "gratuit",
        ["tous-publics"],
        ["en-presentiel", "a-distance"],
    ),
    (
        "Aide financière au permis",
        "Une aide pour financer une partie du permis de conduire.",
        ["mobilite--financer-ma-mobilite"],
        "aide-financiere",
        "gratuit",
        ["jeunes"],
        ["a-distance"],
    ),
    (
        "Prêt de vélos électriques",
        "Un vélo à assistance électrique prêté pour trois mois.",
        ["mobilite--mobilite-douce-partagee-collective"],
        "aide-materielle",
        "gratuit",
        ["demandeurs-emploi"],
        ["en-presentiel"],
    ),
    (
        "Places en crèche pour parents en recherche d'emploi",
        "Des places réservées aux parents qui reprennent un emploi ou une formation.",
        ["famille--garde-denfants"],
        "accompagnement",
        "payant",
        ["familles"],
        ["en-presentiel"],
    ),
    (
        "Garde d'enfants en horaires atypiques",
        "Garde à domicile tôt le matin, le soir ou le week-end.",
        ["famille--garde-denfants"],
        "aide-materielle",
        "payant",
        ["familles"],
        ["en-presentiel"],
    ),
    (
        "Soutien à la parentalité",
        "Ateliers et rencontres entre parents, avec des professionnels de l'enfance.",
        ["famille--soutien-a-la-parentalite-et-a-leducation"],
        "atelier",
        "gratuit",
        ["familles"],
        ["en-presentiel"],
    ),
    (
        "Hébergement d'urgence",
        "Mise à l'abri et orientation vers un hébergement adapté.",
        ["logement-hebergement--rechercher-une-solution-dhebergement-temporaire"],
        "accompagnement",
        "gratuit",
        ["tous-publics"],
        ["en-presentiel", "a-distance"],
    ),
    (
        "Logement jeunes travailleurs",
        "Studios meublés pour les jeunes en emploi ou en formation.",
        ["logement-hebergement--louer-un-logement"],
        "aide-materielle",
        "payant",
        ["jeunes"],
        ["en-presentiel"],
    ),
    (
        "Prévention des impayés de loyer",
        "Un accompagnement pour éviter l'expulsion et rétablir les paiements.",
        ["logement-hebergement--reduire-les-impayes-de-loyer"],
        "accompagnement",
        "gratuit",
        ["tous-publics"],
        ["en-presentiel"],
    ),
    (
        "Accès au logement social",
        "Aide à la demande de logement social et suivi du dossier.",
        ["logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement"],
        "information",
        "gratuit",
        ["tous-publics"],
        ["en-presentiel", "a-distance"],
    ),
    (
        "Maintien dans le logement",
        "Visites à domicile et médiation avec le bailleur.",
        ["logement-hebergement--se-maintenir-dans-le-logement"],
        "accompagnement",
        "gratuit",
        ["beneficiaires-des-minimas-sociaux"],
        ["en-presentiel"],
    ),
    (
        "Permanence d'accès aux droits",
        "Aide aux démarches CAF, CPAM, France Travail, sans rendez-vous.",
        ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
        "information",
        "gratuit",
        ["tous-publics"],
        ["en-presentiel"],
    ),
    (
        "Atelier numérique de base",
        "Apprendre à utiliser un ordinateur, une messagerie et les sites administratifs.",
        ["numerique--maitriser-les-fondamentaux-du-numerique"],
        "atelier",
        "gratuit",
        ["tous-publics"],
        ["en-presentiel"],
    ),
    (
        "Accès aux soins",
        "Un bilan de santé et une aide pour trouver un médecin traitant.",
        ["sante--acces-aux-soins"],
        "accompagnement",
        "gratuit",
        ["tous-publics"],
        ["en-presentiel"],
    ),
]
FIRST_NAMES = [
    "Amélie",
    "Bruno",
    "Chantal",
    "David",
    "Élodie",
    "Fabien",
    "Gaëlle",
    "Hugo",
    "Inès",
    "Jérôme",
]
LAST_NAMES = [
    "Bernard",
    "Durand",
    "Faure",
    "Garnier",
    "Henry",
    "Joly",
    "Leroy",
    "Mercier",
    "Perrin",
    "Rivière",
]


def _demo_structure_admin(territory: Territory) -> tuple[User | None, Structure | None]:
    """The demo structure administrator of accounts/seed.py and their structure."""
    email = f"structure-admin.{territory.department_code}@demo.spie.beta.gouv.fr"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        return None, None
    membership = next(
        (
            m
            for m in user.memberships
            if m.territory_id == territory.id and m.role == Role.STRUCTURE_ADMIN
        ),
        None,
    )
    return user, membership.structure if membership else None


def _phone(rng: random.Random, territory: Territory) -> str:
    if territory.department_code == "974":
        return "0262" + "".join(str(rng.randint(0, 9)) for _ in range(6))
    prefix = {"44": "02", "08": "03"}.get(territory.department_code, "01")
    return prefix + "".join(str(rng.randint(0, 9)) for _ in range(8))


def _service_data(rng, template, commune, territory, provider_email) -> dict:
    name, summary, thematiques, kind, fees, publics, modes = template
    on_site = "en-presentiel" in modes
    person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    return {
        "name": name,
        "summary": summary,
        "description": summary
        + " Prenez contact pour un premier rendez-vous : nous étudions votre situation ensemble.",
        "thematiques": thematiques,
        "type": kind,
        "fees": fees,
        "fees_details": "Tarif adapté aux ressources." if fees == "payant" else "",
        "publics": publics,
        "access_conditions": "Habiter le territoire et être accompagné·e par un·e professionnel·le de l'insertion.",
        "required_documents": "Pièce d'identité, justificatif de domicile.",
        "reception_modes": modes,
        "address": f"{rng.randint(1, 80)} rue de la République" if on_site else None,
        "code_insee": commune.code,
        "opening_hours": "Mo-Fr 09:00-12:00,14:00-17:00; PH off",
        "modes_for_professionals": ["envoyer-un-courriel", "telephoner"],
        "modes_for_people": ["se-presenter", "telephoner"] if on_site else ["telephoner"],
        "mobilisation_details": "Précisez la situation de la personne et ses disponibilités.",
        "contact_name": person,
        "contact_phone": _phone(rng, territory),
        "contact_email": provider_email,
        "contact_public": rng.random() < 0.6,
        "zone": [territory.department_code] if rng.random() < 0.5 else [commune.code],
    }


def _add_services(rng, provider, territory, commune, count, now) -> None:
    for index in range(count):
        template = SERVICES[(provider.id + index) % len(SERVICES)]
        source_id = f"{provider.source_id}-service-{index}"
        if db.session.scalar(
            select(Service.id).where(Service.source == DEMO_SOURCE, Service.source_id == source_id)
        ):
            continue
        age = rng.randint(0, 60)
        created = now - timedelta(days=age + 30)
        service = sheets.create_service(
            None,
            provider,
            _service_data(rng, template, commune, territory, provider.structure.email),
            now=created,
            source=DEMO_SOURCE,
            source_id=source_id,
        )
        state = rng.random()
        if state < 0.08:
            continue  # draft
        sheets.publish(None, service, now=created)
        if state < 0.14:
            sheets.archive(None, service)
            continue
        # Fresh (confirmed recently) or "à actualiser" (confirmed long ago).
        service.mark_confirmed(
            now - timedelta(days=rng.randint(0, 10) if state < 0.6 else age + 16)
        )


def load_demo_offer(now=None) -> int:
    """About 40 providers and 150 sheets in each DORA territory, in every state (fresh, to
    refresh, draft, archived); the demo structure administrator manages one with a few sheets."""
    now = now or utcnow()
    created = 0
    territories = [
        t for t in db.session.scalars(select(Territory).order_by(Territory.id)) if t.enables("dora")
    ]
    for territory in territories:
        rng = random.Random(f"dora-demo-{territory.slug}")  # the same offer at every run
        with bound_to(territory.id):
            communes = list(
                db.session.scalars(
                    select(Commune)
                    .where(Commune.department == territory.department_code)
                    .order_by(Commune.code)
                )
            )
            if not communes:
                raise RuntimeError("Chargez d'abord les communes : flask seed reference")
            # Larger communes first (by their number of postal codes and their code): real-looking.
            rng.shuffle(communes)
            per_provider = [
                SERVICES_PER_TERRITORY // STRUCTURES_PER_TERRITORY
            ] * STRUCTURES_PER_TERRITORY
            for i in range(SERVICES_PER_TERRITORY - sum(per_provider)):
                per_provider[i] += 1
            for index in range(STRUCTURES_PER_TERRITORY):
                kind, pattern, networks = PROVIDERS[index % len(PROVIDERS)]
                commune = communes[index % len(communes)]
                source_id = f"{territory.slug}-{index}"
                provider = db.session.scalar(
                    select(Provider).where(
                        Provider.source == DEMO_SOURCE, Provider.source_id == source_id
                    )
                )
                if provider is None:
                    slug = _domain(pattern.format(commune=commune.name))
                    provider = structures.create_provider(
                        None,
                        territory,
                        {
                            "name": pattern.format(commune=commune.name),
                            "kind": kind,
                            "short_description": f"Structure de {commune.name} qui accompagne les personnes vers l'emploi.",
                            "description": "Accueil, information et accompagnement des habitants du territoire.",
                            "networks": networks,
                            "address": f"{rng.randint(1, 120)} place de la Mairie",
                            "code_insee": commune.code,
                            "phone": _phone(rng, territory),
                            "email": f"contact@{slug}.demo.fr",
                            "opening_hours": "Mo-Fr 09:00-12:30,13:30-17:00",
                        },
                        source=DEMO_SOURCE,
                        source_id=source_id,
                    )
                    # A few wait for moderation, the others are validated.
                    provider.moderation = (
                        Moderation.TO_MODERATE if index % 13 == 5 else Moderation.VALIDATED
                    )
                    created += 1
                # A few providers have no sheet yet (the 70 % indicator is below 100 %).
                if index % 9 != 4:
                    _add_services(rng, provider, territory, commune, per_provider[index], now)
            _demo_admin_offer(rng, territory, communes[0], now)
    db.session.flush()
    return created


def _demo_admin_offer(rng, territory, commune, now) -> None:
    user, structure = _demo_structure_admin(territory)
    if user is None or structure is None:
        return
    provider = structures.attach_provider(None, structure)
    provider.moderation = Moderation.VALIDATED
    provider.source, provider.source_id = DEMO_SOURCE, f"{territory.slug}-admin"
    provider.short_description = (
        provider.short_description
        or "Association d'insertion : mobilité, garde d'enfants et logement."
    )
    provider.code_insee = provider.code_insee or commune.code
    structure.email = structure.email or "contact@tremplin.demo.fr"
    structure.commune = structure.commune or commune.name
    member = db.session.scalar(
        select(ProviderMember).where(
            ProviderMember.provider_id == provider.id, ProviderMember.user_id == user.id
        )
    )
    if member is None:
        db.session.add(
            ProviderMember(
                territory_id=territory.id,
                provider=provider,
                user=user,
                is_admin=True,
                status=MemberStatus.ACTIVE,
            )
        )
    db.session.flush()
    _add_services(rng, provider, territory, commune, 4, now)
    # One draft, so the administrator sees every state.
    if not db.session.scalar(
        select(Service.id).where(
            Service.provider_id == provider.id, Service.status == ServiceStatus.DRAFT
        )
    ):
        sheets.create_service(
            None,
            provider,
            _service_data(rng, SERVICES[6], commune, territory, structure.email),
            now=now,
            source=DEMO_SOURCE,
            source_id=f"{territory.slug}-admin-draft",
        )
