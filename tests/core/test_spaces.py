"""The registry of spaces drives navigation, "Mon espace" and the landing after login."""

from app.accounts.roles import Role
from app.core import spaces
from tests.factories import UserFactory, member


def test_every_service_is_registered_once_with_its_blueprints(app):
    keys = [s.key for s in spaces.all_spaces()]
    assert len(keys) == len(set(keys))
    assert "carnet" in keys and "finance" in keys
    for space in spaces.all_spaces():
        for blueprint in space.blueprints:
            assert app.blueprints[blueprint.name] is blueprint
        assert space.entry_endpoint in app.view_functions


def test_a_person_lands_on_their_notebook(client, login_as):
    login_as(member(Role.BENEFICIARY))
    landing = client.get("/espace", follow_redirects=True)
    assert landing.request.path == "/seine-saint-denis/carnet/mon-carnet"


def test_a_coordinator_lands_on_what_awaits_them(client, login_as):
    login_as(member(Role.COORDINATOR))
    landing = client.get("/espace", follow_redirects=True)
    assert landing.request.path == "/seine-saint-denis/carnet/coordination/"


def test_several_spaces_show_one_card_per_thing_to_do_each_a_link(client, login_as):
    user = UserFactory(
        roles=[
            (Role.COORDINATOR, "seine-saint-denis"),
            (Role.PROFESSIONAL, "la-reunion"),
            (Role.FINANCE_DINUM, None),
        ]
    )
    login_as(user)
    page = client.get("/espace")
    assert page.status_code == 200
    text = page.text
    assert "Carnet de bord — Seine-Saint-Denis" in text
    assert "Carnet de bord — La Réunion" in text
    assert 'href="/seine-saint-denis/carnet/coordination/sans-referent"' in text
    assert 'href="/la-reunion/carnet/carnets"' in text
    assert 'href="/finance/"' in text
    # Navigation reads the registry too: the Ardennes run no Carnet de bord.
    assert "Carnet de bord — Ardennes" not in text


def test_the_territory_home_lists_what_awaits_the_member_there(client, login_as):
    login_as(member(Role.PROFESSIONAL))
    home = client.get("/seine-saint-denis/")
    assert "Mes carnets" in home.text
    assert 'href="/seine-saint-denis/carnet/carnets"' in home.text
