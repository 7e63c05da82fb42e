"""Coordinators invite people into their territory."""

from sqlalchemy import select

from app.accounts.models import Invitation, User
from app.accounts.roles import Role
from app.extensions import db
from tests.conftest import link_in, outbox_messages
from tests.factories import StructureFactory, member, territory


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


# Issue #6.6: a role from an invitation is active only once accepted; a second invitation replaces
# the first; accepting ends the account's other sessions.


def invitation_path(app, index=-1) -> str:
    return link_in(outbox_messages(app)[index]).split("portail.test", 1)[1]


def test_an_existing_account_gets_the_invited_role_only_on_acceptance(app, client, login_as):
    existing = member(Role.PROFESSIONAL, "loire-atlantique", email="pro@exemple.fr")
    login_as(member(Role.COORDINATOR))
    assert invite(client, email="pro@exemple.fr").status_code == 303
    client.post("/deconnexion")
    db.session.expire_all()
    assert not db.session.get(User, existing.id).is_member_of(territory("seine-saint-denis"))

    login_as(existing)
    assert client.get("/seine-saint-denis/carnet/").status_code == 404  # not a member yet
    path = invitation_path(app)
    accepted = client.post(path, data={"password": "", "confirm": ""})
    assert accepted.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, existing.id).has_role(
        Role.PROFESSIONAL, territory("seine-saint-denis")
    )


def test_a_second_invitation_to_the_same_address_replaces_the_first(app, client, login_as):
    login_as(member(Role.COORDINATOR))
    invite(client, role="coordinator")
    first = invitation_path(app)
    invite(client, role="professional")
    second = invitation_path(app)
    client.post("/deconnexion")
    assert client.get(first).status_code == 410
    assert db.session.scalar(select(Invitation).where(Invitation.role == Role.COORDINATOR)) is None
    password = {"password": "un-long-mot-de-passe", "confirm": "un-long-mot-de-passe"}
    assert client.post(first, data=password).status_code == 410
    assert client.post(second, data=password).status_code == 303
    user = db.session.scalar(select(User).where(User.email == "nouvelle.pro@exemple.fr"))
    db.session.refresh(user)
    assert user.roles_in(territory("seine-saint-denis")) == {Role.PROFESSIONAL}


def test_accepting_an_invitation_ends_the_accounts_other_sessions(app, client, login_as):
    existing = member(Role.PROFESSIONAL, "loire-atlantique", email="pro@exemple.fr")
    login_as(member(Role.COORDINATOR))
    invite(client, email="pro@exemple.fr")
    client.post("/deconnexion")
    other_device = app.test_client()
    other_device.post(
        "/connexion", data={"email": existing.email, "password": "Mot-de-passe-de-test-1"}
    )
    assert other_device.get("/loire-atlantique/carnet/").status_code in (200, 302)

    client.post(invitation_path(app), data={"password": "", "confirm": ""})
    after = other_device.get("/loire-atlantique/carnet/")
    assert after.status_code == 302 and "/connexion" in after.headers["Location"]
