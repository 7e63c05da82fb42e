"""Carnet de bord: N notebooks spread over the territories that run it, each with 3 supporters
(consent granted), 3 barriers and a timeline event; each professional supports about 100."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select

from bench.loaders import Account, Loaded, Loader, Page, register

PASSWORD = "bench-password-1"  # noqa: S105 (fictional accounts of a throwaway database)
THEMES = ["mobilite", "logement", "sante", "contraintes_familiales", "numerique", "emploi"]
BATCH = 5000


def load(notebooks: int, rng) -> Loaded:
    from werkzeug.security import generate_password_hash

    from app.accounts.models import Membership, User
    from app.accounts.roles import Role
    from app.carnet.models import (
        Barrier,
        Beneficiary,
        Consent,
        Notebook,
        NotebookMember,
        TimelineEvent,
    )
    from app.extensions import db
    from app.tenancy.models import Territory

    territories = [
        t
        for t in db.session.scalars(select(Territory).order_by(Territory.id))
        if t.enables("carnet")
    ]
    now = datetime.now(UTC)
    password_hash = generate_password_hash(PASSWORD, method="scrypt")
    users, memberships = [], []
    user_id = db.session.scalar(select(func.coalesce(func.max(User.id), 0)))
    first_notebook = db.session.scalar(select(func.coalesce(func.max(Notebook.id), 0))) + 1

    def add_user(email, first_name, last_name, territory_id, role) -> int:
        nonlocal user_id
        user_id += 1
        users.append(
            {
                "id": user_id,
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "password_hash": password_hash,
                "is_active": True,
                "session_token": f"bench{user_id}",
                "created_at": now,
            }
        )
        memberships.append(
            {
                "user_id": user_id,
                "territory_id": territory_id,
                "role": role.value,
                "created_at": now,
            }
        )
        return user_id

    pros_per_territory = max(10, notebooks // 100)
    pro_ids = {
        t.id: [
            add_user(f"pro.{t.slug}.{k}@bench.fr", "Pro", f"N{k}", t.id, Role.PROFESSIONAL)
            for k in range(pros_per_territory)
        ]
        for t in territories
    }
    coordinator = f"coordination.{territories[0].slug}@bench.fr"
    add_user(coordinator, "Coord", "Ination", territories[0].id, Role.COORDINATOR)
    rows: dict = {m: [] for m in (Beneficiary, Notebook, NotebookMember, Consent, Barrier)}
    rows[TimelineEvent] = []
    person_of = {}
    for n in range(first_notebook, first_notebook + notebooks):
        t = territories[n % len(territories)]
        email = f"personne{n}@bench.fr"
        person_of[n] = email
        person = add_user(email, "Personne", f"B{n}", t.id, Role.BENEFICIARY)
        rows[Beneficiary].append(
            {
                "id": n,
                "territory_id": t.id,
                "user_id": person,
                "first_name": "Personne",
                "last_name": f"Nom{n:06d}",
                "birth_date": date(1960, 1, 1) + timedelta(days=n % 15000),
                "situation": "rsa",
                "nir": f"{1850775000000 + n:013d}",
                "created_at": now,
            }
        )
        touched = now - timedelta(days=rng.randint(0, 90))
        supporters = rng.sample(pro_ids[t.id], 3)  # the first one is the referent
        rows[Notebook].append(
            {
                "id": n,
                "territory_id": t.id,
                "beneficiary_id": n,
                "diagnostic": "",
                "contract_type": "none",
                "created_at": now,
                "last_viewed_at": touched,
                "last_modified_at": touched,
                "referent_id": supporters[0],  # kept on the notebook (bulk rows skip the ORM)
            }
        )
        scoped = {"territory_id": t.id, "notebook_id": n}
        for k, pro in enumerate(supporters):
            rows[NotebookMember].append(
                {**scoped, "user_id": pro, "is_referent": k == 0, "active": True, "joined_at": now}
            )
            rows[Consent].append(
                {
                    **scoped,
                    "user_id": pro,
                    "status": "granted",
                    "decided_at": now,
                    "expires_at": now + timedelta(days=180),
                    "created_at": now,
                }
            )
        for _ in range(3):
            rows[Barrier].append(
                {
                    **scoped,
                    "theme": rng.choice(THEMES),
                    "situation": "Situation décrite",
                    "status": "identified",
                    "visibility": "detail",
                    "created_at": now,
                }
            )
        rows[TimelineEvent].append(
            {**scoped, "at": now, "kind": "notebook", "summary": "Carnet créé"}
        )
    for model, batch in ((User, users), (Membership, memberships), *rows.items()):
        for start in range(0, len(batch), BATCH):
            db.session.execute(insert(model), batch[start : start + BATCH])
    db.session.flush()

    territory = territories[0]
    # The first notebook of the first territory, its referent and its person.
    notebook = next(r["id"] for r in rows[Notebook] if r["territory_id"] == territory.id)
    referent = next(
        m["user_id"]
        for m in rows[NotebookMember]
        if m["notebook_id"] == notebook and m["is_referent"]
    )
    pro = next(u["email"] for u in users if u["id"] == referent)
    person = person_of[notebook]
    nir = db.session.scalar(select(Beneficiary.nir).where(Beneficiary.id == notebook))
    base = f"/{territory.slug}/carnet"
    return Loaded(
        accounts=[
            Account(pro, PASSWORD, Role.PROFESSIONAL.value),
            Account(person, PASSWORD, Role.BENEFICIARY.value),
            Account(coordinator, PASSWORD, Role.COORDINATOR.value),
        ],
        pages=[
            Page("mes carnets", pro, f"{base}/carnets"),
            Page(
                "liste filtrée (thème + inactifs)", pro, f"{base}/carnets?theme=logement&inactive=y"
            ),
            Page("recherche par nom", pro, f"{base}/carnets?q=nom00"),
            # The exact-match search is a POST: a NIR never travels in a URL.
            Page("retrouver par NIR (POST)", pro, f"{base}/rechercher", form={"nir": nir}),
            Page("page d'un carnet (pro)", pro, f"{base}/carnets/{notebook}"),
            Page("mon carnet (personne)", person, f"{base}/carnets/{notebook}"),
            Page("journal des accès (personne)", person, f"{base}/carnets/{notebook}/acces"),
            Page("indicateurs (coordination)", coordinator, f"{base}/coordination/indicateurs"),
            Page("sans référent (coordination)", coordinator, f"{base}/coordination/sans-referent"),
        ],
    )


register(
    Loader(
        name="carnet",
        option="notebooks",
        default=20_000,
        help="notebooks of the Carnet de bord",
        load=load,
    )
)
