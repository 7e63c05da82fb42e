"""Deny by default: walk the URL map; a forgotten guard fails closed."""

import re

import pytest
from flask import Blueprint
from werkzeug.routing import IntegerConverter

from app import create_app
from app.accounts.roles import Role
from app.core import access, spaces
from app.extensions import db
from app.tenancy import territorial_blueprint
from tests.conftest import PortalClient, portal_test_config
from tests.factories import PASSWORD, UserFactory, member, territory

# Endpoints anyone may reach. Anything else must refuse an anonymous visitor.
PUBLIC = {
    "static",
    "core.home",
    "core.healthz",
    "core.legal",
    "core.accessibility",
    "core.privacy",
    "accounts.login",
    "accounts.request_magic_link",
    "accounts.magic_link_sent",
    "accounts.magic_link",
    "accounts.invitation",
    # ProConnect: the button, the provider's returns, the first link's confirmation (404s unless
    # configured; tests/accounts/test_proconnect.py).
    "accounts.proconnect_login",
    "accounts.proconnect_callback",
    "accounts.proconnect_link",
    "accounts.proconnect_logged_out",
    "api.openapi",
}


def public_endpoints() -> set[str]:
    """The core's public pages, and those each registered service declares (open data, API
    guarded by a bearer token instead of the session, tested in each service's API tests)."""
    return PUBLIC | {e for space in spaces.all_spaces() for e in space.public_endpoints}


def concrete_url(rule) -> str:
    """A URL for `rule` with plausible values: a real territory running the rule's space, id 1,
    a dummy token."""
    values = {}
    space = spaces.get(rule.endpoint.split(".")[0])
    for name in rule.arguments:
        if name == "territory":
            values[name] = (
                space.default_territories[0]
                if space and space.default_territories
                else "seine-saint-denis"
            )
        elif isinstance(rule._converters[name], IntegerConverter):
            values[name] = 1
        else:
            values[name] = "x"
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^>:]+:)?{name}>", str(value), path)
    return path


def all_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def test_every_endpoint_declares_an_access_rule(app):
    with app.test_request_context():
        missing = [r.endpoint for r in all_rules(app) if access.rule_for(r.endpoint) is None]
    assert missing == []


def test_public_allow_list_is_exactly_the_public_endpoints(app):
    with app.test_request_context():
        public = {r.endpoint for r in all_rules(app) if access.rule_for(r.endpoint).public}
    assert public == public_endpoints() - {"static"}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_is_refused_everywhere_but_the_public_pages(app, client, method):
    checked = 0
    for rule in all_rules(app):
        if rule.endpoint in public_endpoints() or method not in rule.methods:
            continue
        response = client.open(concrete_url(rule), method=method)
        with app.test_request_context():
            debug_only = access.rule_for(rule.endpoint).debug_only
        expected = (404,) if debug_only else (302, 401)  # debug pages do not exist here
        assert response.status_code in expected, (rule.rule, response.status_code)
        if response.status_code == 302:
            assert "/connexion" in response.headers["Location"]
        checked += 1
    assert checked > 0


def test_a_beneficiary_is_refused_every_staff_endpoint(app, client, login_as):
    """Each non-public endpoint, reached by a user without its role: 403 (or 404 if unknown id)."""
    login_as(member(Role.BENEFICIARY))
    for rule in all_rules(app):
        if rule.endpoint in public_endpoints():
            continue
        with app.test_request_context():
            rule_ = access.rule_for(rule.endpoint)
        if rule_.roles is None or Role.BENEFICIARY in rule_.roles:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(concrete_url(rule), method=method)
        assert response.status_code in (403, 404), (rule.rule, response.status_code)


def app_with(app, blueprint, tmp_path):
    """A second app on the same (migrated) database, with one more blueprint."""
    application = create_app(portal_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path))
    application.register_blueprint(blueprint)
    application.test_client_class = PortalClient
    return application


def login(client, user):
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303


def test_an_unguarded_route_is_refused_even_to_a_logged_in_admin(app, tmp_path):
    careless = Blueprint("careless", __name__)

    @careless.get("/oubli")
    def forgot_the_guard():
        return "données sensibles"

    client = app_with(app, careless, tmp_path).test_client()
    anonymous = client.get("/oubli")
    assert anonymous.status_code == 403
    assert "données sensibles" not in anonymous.text

    login(client, member(Role.ADMIN, None))
    admin = client.get("/oubli")
    assert admin.status_code == 403
    assert "données sensibles" not in admin.text


def test_a_territory_the_user_does_not_belong_to_is_a_404(client, login_as):
    login_as(member(Role.COORDINATOR, "seine-saint-denis"))
    assert client.get("/seine-saint-denis/").status_code == 200
    assert client.get("/loire-atlantique/").status_code == 404
    assert client.get("/loire-atlantique/equipe/").status_code == 404


def test_an_unknown_territory_is_a_404(client, login_as):
    login_as(member(Role.COORDINATOR))
    assert client.get("/atlantide/").status_code == 404
    assert client.get("/atlantide/equipe/").status_code == 404


def test_a_missing_right_inside_the_territory_is_a_403(client, login_as):
    login_as(member(Role.PROFESSIONAL))
    response = client.get("/seine-saint-denis/equipe/")
    assert response.status_code == 403
    assert "Accès refusé" in response.text


def test_a_service_disabled_in_a_territory_is_a_404(app, tmp_path):
    service_bp = territorial_blueprint("fake_service", __name__, service="fake")

    @service_bp.get("/")
    @access.authenticated
    def index():
        return "service ouvert"

    client = app_with(app, service_bp, tmp_path).test_client()
    user = UserFactory(
        roles=[(Role.PROFESSIONAL, "ardennes"), (Role.PROFESSIONAL, "seine-saint-denis")]
    )
    ardennes = territory("ardennes")
    ardennes.switch("fake", True)
    db.session.commit()
    try:
        login(client, user)
        assert client.get("/ardennes/fake/").text == "service ouvert"
        # The database's switch is the one source of truth: no switch, no service.
        assert client.get("/seine-saint-denis/fake/").status_code == 404
        # The Ardennes do not run the Carnet de bord (reference data).
        assert client.get("/ardennes/carnet/carnets").status_code == 404
        assert client.get("/seine-saint-denis/carnet/carnets").status_code == 200
        # Switched off, the service is hidden at the next request.
        territory("ardennes").switch("fake", False)
        db.session.commit()
        assert client.get("/ardennes/fake/").status_code == 404
    finally:
        for row in list(territory("ardennes").services):
            if row.service == "fake":
                db.session.delete(row)
        db.session.commit()


def test_national_roles_are_checked_on_national_memberships(client, login_as):
    # A territorial role holds no national role: national spaces do not exist for it (404).
    login_as(member(Role.COORDINATOR))
    assert client.get("/finance/").status_code == 404
    assert client.get("/reva/admin/").status_code == 404
    assert client.get("/reva/certificateur/").status_code == 404
