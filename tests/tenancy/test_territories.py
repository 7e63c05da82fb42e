"""Adding a territory and switching services touches no code: an admin page and a command."""

from sqlalchemy import select

from app.accounts.models import Invitation, Membership
from app.accounts.roles import Role
from app.core.models import AuditEntry
from app.extensions import db
from app.tenancy.models import Territory, TerritoryService
from tests.conftest import link_in, outbox_messages
from tests.factories import member, territory


def remove_territory(slug: str) -> None:
    """Territories are reference data kept between tests: remove the one a test added."""
    row = territory(slug)
    if row is not None:
        for invitation in db.session.scalars(
            select(Invitation)
            .where(Invitation.territory_id == row.id)
            .execution_options(all_territories=True)
        ):
            db.session.delete(invitation)
        db.session.execute(AuditEntry.__table__.delete())
        db.session.execute(Membership.__table__.delete().where(Membership.territory_id == row.id))
        db.session.delete(row)
        db.session.commit()


def test_an_admin_adds_a_territory_opens_a_service_and_invites_its_coordinator(
    app, client, login_as
):
    login_as(member(Role.ADMIN, slug=None))
    try:
        page = client.get("/admin/territoires/")
        assert "Seine-Saint-Denis (93)" in page.text
        added = client.post(
            "/admin/territoires/", data={"name": "Nord", "slug": "nord", "department_code": "59"}
        )
        assert added.status_code == 303
        nord = territory("nord")
        assert nord.enabled_service_keys == set()  # every service off at first

        assert (
            client.post("/admin/territoires/nord/services/carnet", data={"enabled": "1"})
        ).status_code == 303
        invited = client.post(
            "/admin/territoires/nord/coordinateur",
            data={
                "nord-email": "claire@nord.fr",
                "nord-first_name": "Claire",
                "nord-last_name": "Leroy",
            },
        )
        assert invited.status_code == 303
        client.post("/deconnexion")

        [message] = outbox_messages(app)
        path = link_in(message).split("portail.test", 1)[1]
        assert client.post(path, data={}).status_code == 303
        # The coordinator lands in the new territory's Carnet de bord coordination.
        landing = client.get("/espace", follow_redirects=True)
        assert landing.request.path == "/nord/carnet/coordination/"
        assert client.get("/nord/carnet/coordination/sans-referent").status_code == 200
        # Another territory is none of their business.
        assert client.get("/seine-saint-denis/carnet/coordination/").status_code == 404
    finally:
        remove_territory("nord")


def test_switching_a_service_off_hides_it_and_keeps_its_data(client, login_as):
    coordinator = member(Role.COORDINATOR, slug="la-reunion")
    login_as(coordinator)
    assert client.get("/la-reunion/carnet/coordination/").status_code == 200
    admin_client = client.application.test_client()
    admin = member(Role.ADMIN, slug=None)
    admin_client.post(
        "/connexion", data={"email": admin.email, "password": "Mot-de-passe-de-test-1"}
    )
    try:
        off = admin_client.post(
            "/admin/territoires/la-reunion/services/carnet", data={"enabled": "0"}
        )
        assert off.status_code == 303
        assert client.get("/la-reunion/carnet/coordination/").status_code == 404
        assert 'href="/la-reunion/carnet/' not in client.get("/la-reunion/").text
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "disabled", AuditEntry.detail == "carnet")
        )
    finally:
        admin_client.post("/admin/territoires/la-reunion/services/carnet", data={"enabled": "1"})
    assert client.get("/la-reunion/carnet/coordination/").status_code == 200


def test_only_national_admins_administer_territories(client, login_as):
    login_as(member(Role.COORDINATOR))
    assert client.get("/admin/territoires/").status_code == 404
    assert (
        client.post("/admin/territoires/seine-saint-denis/services/carnet", data={"enabled": "0"})
    ).status_code == 404
    assert territory("seine-saint-denis").enables("carnet")


def test_bad_territory_input_gets_field_messages(client, login_as):
    login_as(member(Role.ADMIN, slug=None))
    response = client.post(
        "/admin/territoires/", data={"name": "", "slug": "Nord Est!", "department_code": "999"}
    )
    assert response.status_code == 422
    assert "Ce champ est obligatoire." in response.text
    assert "Minuscules, chiffres et tirets" in response.text
    assert "Par exemple 59, 2A ou 974." in response.text
    clash = client.post(
        "/admin/territoires/", data={"name": "Bis", "slug": "ardennes", "department_code": "59"}
    )
    assert clash.status_code == 409
    assert db.session.scalar(select(Territory).where(Territory.name == "Bis")) is None
    assert (
        client.post("/admin/territoires/inconnu/services/carnet", data={"enabled": "1"}).status_code
        == 404
    )
    assert (
        client.post(
            "/admin/territoires/ardennes/services/inconnu", data={"enabled": "1"}
        ).status_code
        == 404
    )


def test_territory_commands(app):
    runner = app.test_cli_runner()
    try:
        added = runner.invoke(
            args=[
                "territory",
                "add",
                "nord",
                "--name",
                "Nord",
                "--code",
                "59",
                "--coordinator",
                "claire@nord.fr",
            ]
        )
        assert added.exit_code == 0, added.output
        assert [m["to"] for m in outbox_messages(app)] == ["claire@nord.fr"]
        assert link_in(outbox_messages(app)[0]).startswith(app.config["PUBLIC_BASE_URL"])
        assert runner.invoke(args=["territory", "enable", "nord", "carnet"]).exit_code == 0
        db.session.expire_all()
        assert territory("nord").enables("carnet")
        listed = runner.invoke(args=["territory", "list"]).output
        assert "nord" in listed and "carnet" in listed
        assert runner.invoke(args=["territory", "disable", "nord", "carnet"]).exit_code == 0
        db.session.expire_all()
        assert not territory("nord").enables("carnet")
        assert (
            db.session.scalar(
                select(TerritoryService).where(
                    TerritoryService.service == "carnet",
                    TerritoryService.territory_id == territory("nord").id,
                )
            )
            is not None
        )
        duplicate = runner.invoke(args=["territory", "add", "nord", "--name", "N", "--code", "62"])
        assert duplicate.exit_code != 0 and "déjà" in duplicate.output
        unknown = runner.invoke(args=["territory", "enable", "nord", "inconnu"])
        assert unknown.exit_code != 0
    finally:
        remove_territory("nord")
