"""Issue #6.6: nobody new reads a notebook without the person being told — a coordinator changing
the referent (the current referent sees it too), a new professional in a shared structure."""

from __future__ import annotations

import html

from sqlalchemy import select

from app.accounts.roles import Role
from app.accounts.services import grant
from app.carnet.models import Consent, ConsentStatus, NotebookMember, TimelineEvent
from app.core.models import utcnow
from app.extensions import db
from tests.carnet.factories import NotebookFactory, add_member
from tests.conftest import link_in, outbox_messages
from tests.factories import StructureFactory, UserFactory, member, territory

SSD = "/seine-saint-denis"
PASSWORD = "Mot-de-passe-de-test-1"


def log_in(client, user):
    client.post("/deconnexion")
    assert client.post("/connexion", data={"email": user.email, "password": PASSWORD}).status_code
    return client


def person_notebook(**kwargs):
    person = member(Role.BENEFICIARY, first_name="Inès")
    notebook = NotebookFactory(beneficiary__user_id=person.id, **kwargs)
    return person, notebook


def mails_to(app, address):
    return [m for m in outbox_messages(app) if m["to"] == address]


def test_a_coordinator_changing_the_referent_tells_the_person_and_the_current_referent(app, client):
    person, notebook = person_notebook()
    current = member(Role.PROFESSIONAL, first_name="Ana", last_name="Ancienne")
    newcomer = member(Role.PROFESSIONAL, first_name="Noé", last_name="Nouveau")
    add_member(notebook, current, referent=True)
    add_member(notebook, newcomer)
    new_member = db.session.scalar(
        select(NotebookMember.id).where(NotebookMember.user_id == newcomer.id)
    )
    log_in(client, member(Role.COORDINATOR, first_name="Cora", last_name="Coord"))
    response = client.post(
        f"{SSD}/carnet/coordination/carnets/{notebook.id}/referent",
        data={"member_id": new_member},
    )
    assert response.status_code == 303

    [told] = mails_to(app, person.email)
    assert "Noé Nouveau" in told["body"] and "Ana Ancienne" in told["body"]
    assert "/seine-saint-denis/carnet/mon-carnet" in link_in(told)
    [replaced] = mails_to(app, current.email)
    assert "Noé Nouveau" in replaced["body"]
    # Both read it in the notebook's history.
    for reader in (person, current):
        page = html.unescape(log_in(client, reader).get(f"{SSD}/carnet/carnets/{notebook.id}").text)
        assert "a désigné Noé Nouveau comme référent·e" in page, reader


def test_a_new_professional_in_a_shared_structure_is_told_to_the_person(app, client):
    structure = StructureFactory(name="CCAS de Bobigny")
    person, notebook = person_notebook()
    now = utcnow()
    db.session.add(
        Consent(
            notebook_id=notebook.id,
            territory_id=notebook.territory_id,
            structure_id=structure.id,
            status=ConsentStatus.GRANTED,
            decided_at=now,
        )
    )
    unshared_person, unshared = person_notebook()
    db.session.commit()

    log_in(client, member(Role.COORDINATOR))
    client.post(
        f"{SSD}/equipe/inviter",
        data={
            "email": "recrue@exemple.fr",
            "first_name": "Rémi",
            "last_name": "Recrue",
            "phone": "",
            "role": "professional",
            "structure_id": str(structure.id),
        },
    )
    client.post("/deconnexion")
    assert mails_to(app, person.email) == []  # nothing until the role is active
    [invitation] = mails_to(app, "recrue@exemple.fr")
    path = link_in(invitation).split("portail.test", 1)[1]
    password = {"password": "un-long-mot-de-passe", "confirm": "un-long-mot-de-passe"}
    assert client.post(path, data=password).status_code == 303

    [told] = mails_to(app, person.email)
    assert "Rémi Recrue" in told["body"] and "CCAS de Bobigny" in told["body"]
    assert mails_to(app, unshared_person.email) == []
    events = db.session.scalars(
        select(TimelineEvent.summary).where(TimelineEvent.notebook_id == notebook.id)
    ).all()
    assert any("Rémi Recrue travaille désormais à CCAS de Bobigny" in e for e in events)


def test_joining_through_the_structure_sharing_is_told_to_the_person(app, client):
    structure = StructureFactory(name="Mission locale")
    person, notebook = person_notebook()
    colleague = UserFactory(roles=[], first_name="Paul", last_name="Collègue")
    grant(colleague, territory("seine-saint-denis"), Role.PROFESSIONAL, structure)
    db.session.add(
        Consent(
            notebook_id=notebook.id,
            territory_id=notebook.territory_id,
            structure_id=structure.id,
            status=ConsentStatus.GRANTED,
            decided_at=utcnow(),
        )
    )
    db.session.commit()
    from app.carnet import notebooks
    from app.core import transaction
    from app.core.scoping import bound_to

    with bound_to(notebook.territory_id), transaction.unit_of_work():
        notebooks.request_to_join(colleague, notebook, structure)
    [told] = mails_to(app, person.email)
    assert "Paul Collègue (Mission locale) a rejoint votre carnet" in told["body"]
