"""The Carnet's key pages run as many SQL statements with 1 000 rows as with 10: lists select the
columns they show, the notebook page loads one screenful of history, the access log one page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import insert, text

from app.accounts.roles import Role
from app.carnet.models import (
    Barrier,
    Beneficiary,
    Consent,
    Notebook,
    NotebookMember,
    TimelineEvent,
)
from app.core.models import AuditEntry, utcnow
from app.core.querycount import count_queries
from app.extensions import db
from tests.carnet.factories import NotebookFactory, _territory_id, add_barrier, add_member
from tests.factories import member

SSD = "/seine-saint-denis/carnet"


def grow(size: int, pro, focus: Notebook) -> None:
    """Add `size` notebooks the professional supports (every other one without a referent, each
    with two barriers and an event), and `size` events and reads to the focus notebook's
    history. Bulk inserts, as the benchmark's loader does."""
    territory_id = _territory_id()
    now = utcnow()
    scoped = {"territory_id": territory_id}
    people = db.session.scalars(
        insert(Beneficiary).returning(Beneficiary.id, sort_by_parameter_order=True),
        [
            {
                **scoped,
                "first_name": "Personne",
                "last_name": f"Nom{k:06d}",
                "birth_date": date(1970, 1, 1) + timedelta(days=k),
                "situation": "rsa",
                "created_at": now,
            }
            for k in range(size)
        ],
    ).all()
    notebooks = db.session.scalars(
        insert(Notebook).returning(Notebook.id, sort_by_parameter_order=True),
        [
            {
                **scoped,
                "beneficiary_id": b,
                "diagnostic": "",
                "contract_type": "none",
                "created_at": now,
                "last_viewed_at": now - timedelta(days=k % 60),
                "last_modified_at": now - timedelta(days=k % 45),
                # Bulk rows skip the ORM, which keeps the referent on the notebook: set here.
                "referent_id": pro.id if k % 2 == 0 else None,
            }
            for k, b in enumerate(people)
        ],
    ).all()
    rows: dict = {m: [] for m in (NotebookMember, Consent, Barrier, TimelineEvent)}
    for k, n in enumerate(notebooks):
        of_notebook = {**scoped, "notebook_id": n}
        rows[NotebookMember].append(
            {
                **of_notebook,
                "user_id": pro.id,
                "is_referent": k % 2 == 0,
                "active": True,
                "joined_at": now,
            }
        )
        rows[Consent].append(
            {
                **of_notebook,
                "user_id": pro.id,
                "status": "granted",
                "decided_at": now,
                "expires_at": now + timedelta(days=180),
                "created_at": now,
            }
        )
        for theme in ("logement", "mobilite"):
            rows[Barrier].append(
                {
                    **of_notebook,
                    "theme": theme,
                    "situation": "Situation décrite",
                    "status": "identified",
                    "visibility": "detail",
                    "created_at": now,
                }
            )
        rows[TimelineEvent].append(
            {**of_notebook, "at": now, "kind": "notebook", "summary": "Créé"}
        )
        rows[TimelineEvent].append(
            {**scoped, "notebook_id": focus.id, "at": now, "kind": "note", "summary": f"É{k}"}
        )
    reads = [
        {
            "territory_id": territory_id,
            "at": now - timedelta(minutes=k),
            "actor_id": pro.id,
            "action": "viewed",
            "object_type": "notebook",
            "object_id": focus.id,
            "detail": "page",
        }
        for k in range(size)
    ]
    for model, batch in (*rows.items(), (AuditEntry, reads)):
        db.session.execute(insert(model), batch)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # A server analyses tables as they grow; without statistics PostgreSQL's planner takes
        # the professional's 1 000 memberships for one and picks nested loops that never end.
        db.session.execute(text("ANALYZE"))
        db.session.commit()


@pytest.fixture
def people():
    pro = member(Role.PROFESSIONAL)
    person = member(Role.BENEFICIARY)
    coordinator = member(Role.COORDINATOR)
    focus = NotebookFactory(beneficiary__user_id=person.id)
    add_member(focus, pro, referent=True)
    add_barrier(focus, with_children=True)
    return {"pro": pro, "person": person, "coordinator": coordinator, "focus": focus}


def pages(people) -> list[tuple[str, object, str]]:
    focus = people["focus"].id
    return [
        ("mes carnets", people["pro"], f"{SSD}/carnets"),
        ("filtered list", people["pro"], f"{SSD}/carnets?theme=logement&inactive=y"),
        ("without referent filter", people["pro"], f"{SSD}/carnets?without_referent=y"),
        ("name search", people["pro"], f"{SSD}/carnets?q=nom00"),
        ("list fragment", people["pro"], f"{SSD}/carnets?q=nom&page=2"),
        ("notebook (professional)", people["pro"], f"{SSD}/carnets/{focus}"),
        ("notebook (person)", people["person"], f"{SSD}/carnets/{focus}"),
        ("access log", people["person"], f"{SSD}/carnets/{focus}/acces"),
        ("coordination home", people["coordinator"], f"{SSD}/coordination/"),
        ("without referent", people["coordinator"], f"{SSD}/coordination/sans-referent"),
        ("indicators", people["coordinator"], f"{SSD}/coordination/indicateurs"),
    ]


def statements(client, login_as, people) -> dict[str, int]:
    counted = {}
    for name, user, path in pages(people):
        login_as(user)
        assert client.get(path).status_code == 200, name  # a first read is logged once
        with count_queries() as run:
            assert client.get(path).status_code == 200, name
        counted[name] = len(run)
    return counted


def test_key_pages_run_as_many_statements_with_1000_rows_as_with_10(client, login_as, people):
    grow(10, people["pro"], people["focus"])
    few = statements(client, login_as, people)
    grow(990, people["pro"], people["focus"])
    many = statements(client, login_as, people)
    assert many == few


def test_the_list_shows_one_page_of_the_columns_and_the_total(client, login_as, people):
    grow(120, people["pro"], people["focus"])
    login_as(people["pro"])
    text = client.get(f"{SSD}/carnets?page=2", headers={"HX-Request": "true"}).text
    assert "121 carnets — page 2" in text
    assert text.count("<tr>") == 1 + 50  # the header and one page
    without = client.get(f"{SSD}/carnets?without_referent=y").text
    assert "60 carnets — page 1" in without
    focus = people["focus"]
    found = client.get(f"{SSD}/carnets?q={focus.beneficiary.last_name}").text
    assert f'href="{SSD}/carnets/{focus.id}"' in found  # content shared: the notebook page
    pending = NotebookFactory()
    add_member(pending, people["pro"], consent=False)
    found = client.get(f"{SSD}/carnets?q={pending.beneficiary.last_name}").text
    assert f'href="{SSD}/carnets/{pending.id}/fiche"' in found  # not yet: the identity page


def test_the_notebook_page_shows_one_screenful_of_history_newest_first(client, login_as, people):
    grow(100, people["pro"], people["focus"])
    login_as(people["person"])
    text = client.get(f"{SSD}/carnets/{people['focus'].id}").text
    start = text.index('id="section-timeline"')
    history = text[start : text.index("</section>", start)]
    assert history.count("<li>") == 30
