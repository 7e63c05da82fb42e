"""Coordinators invite people into their territory."""

from sqlalchemy import select

from app.accounts.models import Invitation, Membership, User
from app.accounts.roles import Role
from app.extensions import db
from tests.conftest import link_in, outbox_messages
from tests.factories import PASSWORD, StructureFactory, member, territory


def invite(client, **overrides):
    data = {
        "email": "Nouvelle.Pro@Exemple.fr",
        "first_name": "Léa",
        "last_name": "Durand",
        "phone": "06 12 34 56 78",
        "role": "professional",
        "structure_id": "",
    }
    data.update(overrides)
    return client.post("/seine-saint-denis/equipe/inviter", data=data)


def test_coordinator_invites_and_the_person_sets_a_password(app, client, login_as):
    structure = StructureFactory(name="Mission locale de Bondy")
    login_as(member(Role.COORDINATOR))
    response = invite(client, structure_id=str(structure.id))
    assert response.status_code == 303
    team = client.get("/seine-saint-denis/equipe/")
    assert "nouvelle.pro@exemple.fr" in team.text
    assert "Mission locale de Bondy" in team.text
    client.post("/deconnexion")

    [message] = outbox_messages(app)
    assert message["to"] == "nouvelle.pro@exemple.fr"
    path = link_in(message).split("portail.test", 1)[1]
    page = client.get(path)
    assert "Bienvenue Léa" in page.text

    mismatch = client.post(path, data={"password": "un-long-mot-de-passe", "confirm": "autre"})
    assert mismatch.status_code == 422
    assert "ne sont pas identiques" in mismatch.text

    accepted = client.post(
        path, data={"password": "un-long-mot-de-passe", "confirm": "un-long-mot-de-passe"}
    )
    assert accepted.status_code == 303
    home = client.get("/seine-saint-denis/")
    assert "accompagnateur·rice" in home.text
    user = db.session.scalar(select(User).where(User.email == "nouvelle.pro@exemple.fr"))
    assert user.check_password("un-long-mot-de-passe")
    assert user.phone == "0612345678"
    assert client.post(path, data={}).status_code == 410


def test_invitation_form_errors_are_field_level_and_nothing_is_saved(client, login_as):
    login_as(member(Role.COORDINATOR))
    response = invite(client, email="pas-une-adresse", first_name="", phone="123", role="admin")
    assert response.status_code == 422
    assert "Saisissez une adresse électronique valide" in response.text
    assert "Ce champ est obligatoire." in response.text
    assert "numéro de téléphone valide" in response.text
    assert "Choix non valide" in response.text or "choix" in response.text.lower()
    assert db.session.scalar(select(Invitation)) is None


def test_a_coordinator_cannot_pick_another_territorys_structure(client, login_as):
    elsewhere = StructureFactory(territory_id=territory("loire-atlantique").id)
    login_as(member(Role.COORDINATOR))
    response = invite(client, structure_id=str(elsewhere.id))
    assert response.status_code == 422
    assert db.session.scalar(select(Invitation)) is None


def test_professionals_cannot_invite(client, login_as):
    login_as(member(Role.PROFESSIONAL))
    assert invite(client).status_code == 403
    assert db.session.scalar(select(Invitation)) is None


def roles_of(user, slug) -> set:
    return set(
        db.session.scalars(
            select(Membership.role).where(
                Membership.user_id == user.id, Membership.territory_id == territory(slug).id
            )
        )
    )


def test_an_invited_existing_account_gets_the_role_only_once_it_accepts(app, client, login_as):
    existing = member(Role.PROFESSIONAL, slug="loire-atlantique", email="karim@exemple.fr")
    login_as(member(Role.COORDINATOR))
    assert invite(client, email="karim@exemple.fr").status_code == 303
    assert roles_of(existing, "seine-saint-denis") == set()
    client.post("/deconnexion")

    # Still logged in elsewhere, the invited account cannot enter the territory yet.
    other_device = app.test_client()
    other_device.post("/connexion", data={"email": "karim@exemple.fr", "password": PASSWORD})
    assert other_device.get("/seine-saint-denis/").status_code == 404

    [message] = outbox_messages(app)
    path = link_in(message).split("portail.test", 1)[1]
    accepted = client.post(path, data={})
    assert accepted.status_code == 303, accepted.text
    assert roles_of(existing, "seine-saint-denis") == {Role.PROFESSIONAL}
    # Accepting ends the account's other sessions.
    assert other_device.get("/seine-saint-denis/").status_code == 302


def test_a_second_invitation_replaces_the_first(app, client, login_as):
    login_as(member(Role.COORDINATOR))
    invite(client, role="professional")
    invite(client, role="structure_admin")
    first, second = (link_in(m).split("portail.test", 1)[1] for m in outbox_messages(app))
    [pending] = db.session.scalars(select(Invitation)).all()
    assert pending.role == Role.STRUCTURE_ADMIN
    client.post("/deconnexion")
    assert client.post(first, data={}).status_code == 410
    assert client.post(second, data={}).status_code == 303
