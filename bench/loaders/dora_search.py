"""DORA's search: N published sheets (and N/5 structures) over the territories that run DORA,
with thematiques, eligibility zones (commune, EPCI, department, a few national) and the full-text
index; a professional of Loire-Atlantique searches by commune and theme, with questions and with
keywords. Registered in `bench/loaders/__init__.py` with `from bench.loaders import dora_search`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, text

from bench.loaders import Account, Loaded, Loader, Page, register

PASSWORD = "bench-password-1"  # noqa: S105 (fictional accounts of a throwaway database)
BATCH = 5000
WORDS = [
    (
        "Location de voitures",
        "Des voitures à petit prix pour aller travailler.",
        "mobilite--acceder-a-un-vehicule",
    ),
    (
        "Auto-école sociale",
        "Code et conduite avec un accompagnement renforcé.",
        "mobilite--preparer-un-permis",
    ),
    (
        "Garage solidaire",
        "Réparations à prix solidaire.",
        "mobilite--entretenir-reparer-son-vehicule",
    ),
    (
        "Crèche à vocation d'insertion",
        "Des places en crèche pour les parents en reprise d'emploi.",
        "famille--garde-denfants",
    ),
    (
        "Hébergement temporaire",
        "Une solution d'hébergement pour quelques semaines.",
        "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
    ),
    (
        "Aide aux impayés de loyer",
        "Un accompagnement pour résorber les impayés.",
        "logement-hebergement--reduire-les-impayes-de-loyer",
    ),
    (
        "Atelier numérique",
        "Apprendre à utiliser un ordinateur.",
        "numerique--prendre-en-main-un-ordinateur",
    ),
    ("Bilan de santé", "Un bilan gratuit avec un médecin.", "sante--acces-aux-soins"),
]


def load(sheets: int, rng) -> Loaded:
    from werkzeug.security import generate_password_hash

    from app.accounts.models import Membership, User
    from app.accounts.roles import Role
    from app.dora.models import (
        Commune,
        Provider,
        SearchLog,
        Service,
        ServiceThematique,
        ServiceZone,
        Thematique,
    )
    from app.dora.search import rebuild, reorder
    from app.extensions import db
    from app.tenancy.models import Structure, Territory

    if not db.session.scalar(select(func.count()).select_from(Commune)):
        from app.dora.seed import load_communes

        load_communes()
    known = {t.value for t in Thematique}
    words = [w if w[2] in known else (w[0], w[1], "mobilite--financer-ma-mobilite") for w in WORDS]
    territories = [
        t for t in db.session.scalars(select(Territory).order_by(Territory.id)) if t.enables("dora")
    ]
    now = datetime.now(UTC)
    communes = {
        t.id: db.session.scalars(
            select(Commune).where(Commune.department == t.department_code)
        ).all()
        for t in territories
    }
    structure_id = db.session.scalar(select(func.coalesce(func.max(Structure.id), 0)))
    provider_id = db.session.scalar(select(func.coalesce(func.max(Provider.id), 0)))
    service_id = db.session.scalar(select(func.coalesce(func.max(Service.id), 0)))
    structures, providers, services, thematiques, zones = [], [], [], [], []
    provider_count = max(1, sheets // 5)
    provider_rows = []
    for index in range(provider_count):
        territory = territories[index % len(territories)]
        commune = rng.choice(communes[territory.id])
        structure_id += 1
        provider_id += 1
        structures.append(
            {
                "id": structure_id,
                "territory_id": territory.id,
                "name": f"Structure {index:05d} de {commune.name}",
                "kind": "association",
                "commune": commune.name,
                "postal_code": commune.postal_code_list[0],
                "email": f"contact{index}@bench.fr",
            }
        )
        providers.append(
            {
                "id": provider_id,
                "territory_id": territory.id,
                "structure_id": structure_id,
                "slug": f"b{provider_id:09d}",
                "short_description": "",
                "description": "",
                "networks": [],
                "code_insee": commune.code,
                "latitude": commune.latitude,
                "longitude": commune.longitude,
                "source": "bench",
                "moderation": "validated",
                "created_at": now,
                "modified_at": now,
            }
        )
        provider_rows.append((provider_id, territory, commune))
    for index in range(sheets):
        provider, territory, commune = provider_rows[index % provider_count]
        name, summary, thematique = words[index % len(words)]
        service_id += 1
        confirmed = now - timedelta(days=rng.randint(0, 40))
        services.append(
            {
                "id": service_id,
                "public_id": f"s{service_id:011d}",
                "territory_id": territory.id,
                "provider_id": provider,
                "name": f"{name} {index:05d}",
                "summary": summary,
                "description": f"Service {index} proposé à {commune.name}.",
                "type": rng.choice(["aide-materielle", "accompagnement", "formation"]),
                "fees": rng.choice(["gratuit", "payant"]),
                "fees_details": "",
                "publics": rng.choice([[], ["tous-publics"], ["jeunes"], ["demandeurs-emploi"]]),
                "publics_details": "",
                "access_conditions": "",
                "required_documents": "",
                "reception_modes": ["en-presentiel"],
                "commune": commune.name,
                "code_insee": commune.code,
                "latitude": commune.latitude,
                "longitude": commune.longitude,
                "modes_for_professionals": ["telephoner"],
                "modes_for_people": [],
                "mobilisation_details": "",
                "contact_email": f"contact{provider}@bench.fr",
                "contact_public": False,
                "status": "published",
                "source": "bench",
                "created_at": now,
                "modified_at": now,
                "published_at": now,
                "last_confirmed_at": confirmed,
                "update_frequency_days": 15,
                "due_at": confirmed + timedelta(days=15),
            }
        )
        thematiques.append({"service_id": service_id, "thematique": thematique})
        kind = index % 20
        code = (
            "france"
            if kind == 0
            else territory.department_code
            if kind < 8
            else commune.epci
            if kind < 14 and commune.epci
            else commune.code
        )
        zones.append({"service_id": service_id, "code": code})
    for model, rows in (
        (Structure, structures),
        (Provider, providers),
        (Service, services),
        (ServiceThematique, thematiques),
        (ServiceZone, zones),
    ):
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(model), rows[start : start + BATCH])
    rebuild(db.session.connection())
    reorder(db.session.connection())  # the table was empty: nothing replaced to keep
    # Statistics, as autovacuum (PostgreSQL) or a maintenance ANALYZE would have them: without
    # them the planner believes the bulk-loaded tables are empty and nests loops over 50,000 rows.
    db.session.execute(text("ANALYZE"))

    la = next(t for t in territories if t.slug == "loire-atlantique")
    pro = "pro.dora@bench.fr"
    user = User(
        email=pro,
        first_name="Prune",
        last_name="Bench",
        password_hash=generate_password_hash(PASSWORD, method="scrypt"),
    )
    user.memberships.append(Membership(role=Role.PROFESSIONAL, territory_id=la.id))
    db.session.add(user)
    # The searches the pages repeat (a search refined within 30 minutes stays the same search).
    logs = {
        key: SearchLog(
            public_id=f"bench{key}",
            territory_id=la.id,
            commune_code="44109",
            theme=theme,
            answers=answers,
            filters={"types": [], "fees": None, "modes": []},
            with_keywords=key == "mots",
            created_at=now,
        )
        for key, theme, answers in (
            ("theme", "mobilite", {}),
            ("questions", "mobilite", {"permis": ["non"], "payer": ["non"]}),
            ("mots", "mobilite", {}),
            ("garde", "famille--garde-denfants", {}),
        )
    }
    db.session.add_all(logs.values())
    db.session.flush()
    base = "/loire-atlantique/dora/recherche?commune=Nantes+%2844000%29"
    opened = next(s["public_id"] for s in services if s["territory_id"] == la.id)
    return Loaded(
        accounts=[Account(pro, PASSWORD, Role.PROFESSIONAL.value)],
        pages=[
            Page("recherche commune + thème", pro, f"{base}&theme=mobilite&sid=benchtheme"),
            Page(
                "recherche + questions",
                pro,
                f"{base}&theme=mobilite&permis=non&payer=non&sid=benchquestions",
            ),
            Page(
                "recherche + mots-clés",
                pro,
                f"{base}&theme=mobilite&mots=voitures+prix&sid=benchmots",
            ),
            Page(
                "recherche garde d'enfant",
                pro,
                f"{base}&theme=famille--garde-denfants&sid=benchgarde",
            ),
            Page(
                "fiche ouverte depuis la recherche",
                pro,
                f"/loire-atlantique/dora/recherche/fiches/{opened}?sid=benchtheme",
            ),
        ],
    )


register(Loader("dora-search", "sheets", 50000, "fiches publiées (DORA, recherche)", load))
