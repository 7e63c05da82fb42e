"""Issue #6.2: erasure leaves nothing of the person, and an erased notebook's id and history never
pass to someone else (on SQLite as on PostgreSQL)."""

from __future__ import annotations

import html
from datetime import date

from sqlalchemy import String, Text, func, or_, select

from app.accounts.models import Invitation, LoginToken, User
from app.accounts.roles import Role
from app.carnet.models import Barrier, Notebook
from app.core import mail
from app.core.models import AuditEntry, OutgoingMail
from app.extensions import db
from tests.carnet.factories import NotebookFactory, add_member
from tests.factories import member

SSD = "/seine-saint-denis/carnet"
PASSWORD = "Mot-de-passe-de-test-1"
SECRET = "ZZSECRET"  # typed about the person in every free-text field


def as_user(client, user):
    client.post("/deconnexion")
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303
    return client


def lived_in_notebook(client, person, professional):
    """A notebook of `person`, enriched by `professional` through the pages, with SECRET in every
    text they typed; `person` asked for its deletion."""
    notebook = NotebookFactory(
        beneficiary__first_name="Zoé",
        beneficiary__last_name="Quasimodo",
        beneficiary__email=person.email,
        beneficiary__birth_date=date(1980, 5, 5),
        beneficiary__user_id=person.id,
    )
    add_member(notebook, professional, referent=True)
    as_user(client, professional)
    base = f"{SSD}/carnets/{notebook.id}"
    assert client.get(base).status_code == 200
    client.post(f"{base}/freins", data={"theme": "sante", "situation": f"{SECRET} situation"})
    barrier = db.session.scalar(select(Barrier).where(Barrier.notebook_id == notebook.id))
    client.post(f"{base}/freins/{barrier.id}/objectifs", data={"title": f"{SECRET} objectif"})
    client.post(f"{base}/entretiens", data={"date": "2026-01-05", "text": f"{SECRET} entretien"})
    as_user(client, person)
    assert client.get(base).status_code == 200
    client.post(f"{base}/suppression")
    return notebook


def erase(client, notebook):
    as_user(client, member(Role.COORDINATOR))
    response = client.post(f"{SSD}/coordination/suppressions/{notebook.beneficiary_id}")
    assert response.status_code == 303
    client.post("/deconnexion")


def rows_mentioning(*needles: str) -> list[tuple[str, str]]:
    """(table, column) of every stored text that contains one of `needles`."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text):
                continue
            clause = or_(*(func.lower(column).contains(n.lower()) for n in needles))
            count = db.session.execute(
                select(func.count()).select_from(table).where(clause)
            ).scalar()
            if count:
                found.append((table.name, column.name))
    return found


def test_erasure_leaves_no_row_about_the_person(app, client):
    person = member(Role.BENEFICIARY, first_name="Zoé", last_name="Quasimodo")
    professional = member(Role.PROFESSIONAL)
    notebook = lived_in_notebook(client, person, professional)
    with app.test_request_context():
        mail.queue(person.email, "Votre carnet", f"Bonjour Zoé Quasimodo, {SECRET}")
    db.session.commit()
    assert rows_mentioning("Quasimodo", person.email, SECRET)  # the scan sees them before

    erase(client, notebook)

    db.session.expire_all()
    assert rows_mentioning("Quasimodo", person.email, SECRET) == []
    account = db.session.get(User, person.id)
    assert account.password_hash is None and account.phone is None
    assert not account.is_active and account.memberships == []
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    assert db.session.scalar(select(func.count(LoginToken.id))) == 0
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 0
    # The audit log keeps what happened and to which record.
    entries = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.object_type == "notebook", AuditEntry.object_id == notebook.id
        )
    ).all()
    assert {"viewed", "modified", "deleted"} <= {e.action for e in entries}
    # The person can no longer log in, by password or link.
    response = client.post("/connexion", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 401


def test_the_audit_log_never_stores_text_typed_about_the_person(client):
    person = member(Role.BENEFICIARY)
    lived_in_notebook(client, person, member(Role.PROFESSIONAL))
    details = db.session.scalars(select(AuditEntry.detail)).all()
    assert details and not [d for d in details if SECRET in d]


def test_a_new_notebook_never_gets_an_erased_ones_id_nor_its_history(app, client):
    """On SQLite, without AUTOINCREMENT, the next notebook took the highest erased id and its
    owner read the erased person's history in "who viewed or changed my notebook"."""
    snoop = member(Role.PROFESSIONAL, first_name="Gaspard", last_name="Fouineur")
    erased = lived_in_notebook(client, member(Role.BENEFICIARY), snoop)
    erased_id = erased.id
    # Someone probes the id after the next one: their refusal is not the next notebook's history.
    as_user(client, snoop)
    assert client.get(f"{SSD}/carnets/{erased_id + 1}").status_code == 404
    erase(client, erased)

    newcomer = member(Role.BENEFICIARY)
    fresh = NotebookFactory(beneficiary__user_id=newcomer.id)
    after = NotebookFactory()
    assert erased_id not in (fresh.id, after.id)
    assert db.session.get(Notebook, erased_id) is None

    as_user(client, newcomer)
    for notebook in (fresh,):
        log = html.unescape(client.get(f"{SSD}/carnets/{notebook.id}/acces").text)
        assert "Fouineur" not in log
    db.session.execute(db.text("SELECT 1"))  # the session is still usable
    as_user(client, snoop)
    client.get(f"{SSD}/carnets/{after.id}")  # refused: not a member
    owner = member(Role.BENEFICIARY)
    stored = db.session.get(Notebook, after.id)
    stored.beneficiary.user_id = owner.id
    db.session.commit()
    as_user(client, owner)
    log = html.unescape(client.get(f"{SSD}/carnets/{after.id}/acces").text)
    assert log.count("Fouineur") == 1  # their refusal now, not the probe before it existed
