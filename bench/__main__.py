"""Carnet de bord at scale: tens of thousands of notebooks, timed through the real app.

Builds a fresh database (SQLite in a temporary folder, or BENCH_DATABASE_URL), migrates it, bulk-loads
N notebooks over the territories (with members, consents, barriers, timeline), then times the pages a
professional and a person use, at two sizes, and prints figures, SQL query counts and the ratio
between sizes. Nothing here asserts a duration: these are measurements to read.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from app import create_app
from app.core.querycount import count_queries
from app.extensions import db

PASSWORD = "bench-password-1"  # noqa: S105 (fictional accounts of a throwaway database)
THEMES = ["mobilite", "logement", "sante", "contraintes_familiales", "numerique", "emploi"]


def load(app, notebooks: int, seed: int = 7) -> dict:
    """Bulk-load `notebooks` notebooks; return the ids the timings use."""
    from flask_migrate import upgrade

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
    from app.finance.seed import load_reference
    from app.tenancy.models import Territory
    from app.tenancy.seed import load_territories

    rng = random.Random(seed)
    with app.app_context():
        upgrade()
        load_territories()
        load_reference()
        territories = [t for t in db.session.scalars(select(Territory)) if t.enables("carnet")]
        now = datetime.now(UTC)
        from werkzeug.security import generate_password_hash

        pro_hash = generate_password_hash(PASSWORD, method="scrypt")
        users, memberships = [], []

        def add_user(user_id, email, first_name, last_name, territory_id, role):
            users.append(
                {
                    "id": user_id,
                    "email": email,
                    "first_name": first_name,
                    "last_name": last_name,
                    "password_hash": pro_hash,
                    "is_active": True,
                    "session_token": f"t{user_id}",
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

        pros_per_territory = max(10, notebooks // 100)
        user_id = 0
        pro_ids = {}
        for t in territories:
            pro_ids[t.id] = []
            for _ in range(pros_per_territory):
                user_id += 1
                add_user(
                    user_id, f"pro{user_id}@bench.fr", "Pro", f"N{user_id}", t.id, Role.PROFESSIONAL
                )
                pro_ids[t.id].append(user_id)
        user_id += 1
        coordinator = user_id
        add_user(
            user_id,
            "coordination@bench.fr",
            "Coord",
            "Ination",
            territories[0].id,
            Role.COORDINATOR,
        )
        beneficiaries, notebook_rows, members, consents, barriers, events = [], [], [], [], [], []
        for i in range(1, notebooks + 1):
            t = territories[i % len(territories)]
            user_id += 1
            add_user(user_id, f"p{i}@bench.fr", "Personne", f"B{i}", t.id, Role.BENEFICIARY)
            beneficiaries.append(
                {
                    "id": i,
                    "territory_id": t.id,
                    "user_id": user_id,
                    "first_name": "Personne",
                    "last_name": f"Nom{i:06d}",
                    "birth_date": date(1960, 1, 1) + timedelta(days=i % 15000),
                    "situation": "rsa",
                    "nir": f"{1850775000000 + i:013d}",
                    "created_at": now,
                }
            )
            touched = now - timedelta(days=rng.randint(0, 90))
            notebook_rows.append(
                {
                    "id": i,
                    "territory_id": t.id,
                    "beneficiary_id": i,
                    "diagnostic": "",
                    "contract_type": "none",
                    "created_at": now,
                    "last_viewed_at": touched,
                    "last_modified_at": touched,
                }
            )
            for k, pro in enumerate(rng.sample(pro_ids[t.id], 3)):
                members.append(
                    {
                        "territory_id": t.id,
                        "notebook_id": i,
                        "user_id": pro,
                        "is_referent": k == 0,
                        "active": True,
                        "joined_at": now,
                    }
                )
                consents.append(
                    {
                        "territory_id": t.id,
                        "notebook_id": i,
                        "user_id": pro,
                        "status": "granted",
                        "decided_at": now,
                        "expires_at": now + timedelta(days=180),
                        "created_at": now,
                    }
                )
            for _ in range(3):
                barriers.append(
                    {
                        "territory_id": t.id,
                        "notebook_id": i,
                        "theme": rng.choice(THEMES),
                        "situation": "Situation décrite",
                        "status": "identified",
                        "visibility": "detail",
                        "created_at": now,
                    }
                )
            events.append(
                {
                    "territory_id": t.id,
                    "notebook_id": i,
                    "at": now,
                    "kind": "notebook",
                    "summary": "Carnet créé",
                }
            )
        for model, rows in (
            (User, users),
            (Membership, memberships),
            (Beneficiary, beneficiaries),
            (Notebook, notebook_rows),
            (NotebookMember, members),
            (Consent, consents),
            (Barrier, barriers),
            (TimelineEvent, events),
        ):
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(model), rows[start : start + 5000])
        db.session.commit()
        first_territory = territories[0]
        busiest = pro_ids[first_territory.id][0]
        own = db.session.scalar(
            select(NotebookMember.notebook_id).where(NotebookMember.user_id == busiest).limit(1)
        )
        person = db.session.scalar(select(Beneficiary.user_id).where(Beneficiary.id == own))
        return {
            "territory": first_territory.slug,
            "coordinator": coordinator,
            "pro": busiest,
            "notebook": own,
            "person": person,
            "nir": db.session.scalar(select(Beneficiary.nir).where(Beneficiary.id == own)),
        }


def login(client, user_id):
    from app.accounts.models import User

    email = db.session.get(User, user_id).email
    response = client.post("/connexion", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303, response.status_code


def time_get(app, user_id, path, repeat, data=None):
    """Median time of GET `path` (POST `data` to it when given) as `user_id`."""
    client = app.test_client()
    with app.app_context():
        login(client, user_id)
    timings, queries = [], 0
    for _ in range(repeat):
        with app.app_context(), count_queries() as statements:
            start = time.perf_counter()
            response = client.post(path, data=data) if data else client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            queries = len(statements)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(timings), queries


def run(size: int, repeat: int) -> dict:
    folder = tempfile.mkdtemp(prefix="bench-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "MAIL_OUTBOX_PATH": f"{folder}/outbox.jsonl",
            "PUBLIC_BASE_URL": "http://localhost",
        }
    )
    started = time.perf_counter()
    ids = load(app, size)
    load_seconds = time.perf_counter() - started
    t = ids["territory"]
    pages = {
        "liste « mes carnets »": (ids["pro"], f"/{t}/carnet/carnets"),
        "liste filtrée (thème + inactifs)": (
            ids["pro"],
            f"/{t}/carnet/carnets?theme=logement&inactive=y",
        ),
        "recherche par nom": (ids["pro"], f"/{t}/carnet/carnets?q=nom00"),
        # The exact-match search is a POST: a NIR never travels in a URL.
        "retrouver par NIR": (ids["pro"], f"/{t}/carnet/rechercher", {"nir": ids["nir"]}),
        "page d'un carnet": (ids["pro"], f"/{t}/carnet/carnets/{ids['notebook']}"),
        "mon carnet (personne)": (ids["person"], f"/{t}/carnet/carnets/{ids['notebook']}"),
        "journal des accès": (ids["person"], f"/{t}/carnet/carnets/{ids['notebook']}/acces"),
    }
    pages["indicateurs (coordination)"] = (
        ids["coordinator"],
        f"/{t}/carnet/coordination/indicateurs",
    )
    pages["carnets sans référent (coordination)"] = (
        ids["coordinator"],
        f"/{t}/carnet/coordination/sans-referent",
    )
    results = {
        name: time_get(app, target[0], target[1], repeat, *target[2:])
        for name, target in pages.items()
    }
    return {"size": size, "load_seconds": load_seconds, "results": results}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notebooks", type=int, default=20000)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    small = run(args.small, args.repeat)
    large = run(args.notebooks, args.repeat)
    print(
        f"\nCarnet de bord — {small['size']} vs {large['size']} carnets "
        f"(chargement : {small['load_seconds']:.1f} s / {large['load_seconds']:.1f} s)\n"
    )
    print(
        f"| page | {small['size']} carnets (ms, requêtes SQL) | {large['size']} carnets (ms, requêtes SQL) | ratio |"
    )
    print("|---|---|---|---|")
    for name, (large_ms, large_q) in large["results"].items():
        small_ms, small_q = small["results"][name]
        print(
            f"| {name} | {small_ms:.1f} ms, {small_q} | {large_ms:.1f} ms, {large_q} | ×{large_ms / small_ms:.2f} |"
        )


if __name__ == "__main__":
    main()
