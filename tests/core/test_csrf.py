"""CSRF and methods battery, from the URL map: every state-changing endpoint refuses a request
without a valid CSRF token (as every demo role), and refuses GET."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from app import create_app
from app.extensions import csrf, db
from tests.conftest import PortalClient, portal_test_config
from tests.core.battery import all_rules, build_path, is_int_argument, seed_demo

CSRF_REFUSAL = "Session expirée"

# Endpoints that answer GET and POST: GET shows the form, only POST acts. Reviewed one by one:
# a new endpoint of this kind fails the test below until it is added here.
PAGE_WITH_FORM = {
    "accounts.login",
    "accounts.magic_link",  # GET shows a button (mail previewers); POST consumes the link
    "accounts.invitation",
    "carnet.create",
    "carnet.search",  # GET shows the exact-match form; POST searches (names stay out of URLs)
    "carnet.coordination_import",
    "carnet.coordination_tokens",
    "carnet.survey",
    "dora.orient",  # DORA search: the orientation form
    "dora.orientation_link",  # GET shows the orientation; its buttons POST
    "dora.feedback",  # "je n'ai pas trouvé de solution" / "je connais une solution"
}


@pytest.fixture
def csrf_app(app, tmp_path):
    config = portal_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    config["WTF_CSRF_ENABLED"] = True
    application = create_app(config)
    application.test_client_class = PortalClient
    return application


def page_token(client, path="/connexion") -> str:
    text = client.get(path).text
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text) or re.search(
        r'"X-CSRFToken": "([^"]+)"', text
    )
    return match.group(1)


def csrf_clients(application, logins):
    """anonymous, then one client per demo role, logged in through the real (CSRF) login form."""
    clients = {"anonymous": application.test_client()}
    for login in logins:
        if login["role"] in clients:
            continue
        client = application.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.2.0.{len(clients)}"
        response = client.post(
            "/connexion",
            data={
                "email": login["email"],
                "password": login["password"],
                "csrf_token": page_token(client),
            },
        )
        assert response.status_code == 303
        clients[login["role"]] = client
    return clients


def exempt(application, rule) -> bool:
    blueprint = rule.endpoint.rpartition(".")[0]
    if application.blueprints.get(blueprint) in csrf._exempt_blueprints:
        return True
    view = application.view_functions[rule.endpoint]
    return f"{view.__module__}.{view.__name__}" in csrf._exempt_views


def paths(rule, territories) -> list[str]:
    """The rule's path in every territory (a service runs in some only), with id 1."""
    values = {n: 1 if is_int_argument(rule, n) else "jeton" for n in rule.arguments}
    if "territory" not in rule.arguments:
        return [build_path(rule, values)]
    return [build_path(rule, {**values, "territory": t}) for t in territories]


def row_counts() -> dict[str, int]:
    db.session.rollback()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name != "audit_entry"  # reads are audited: a GET may append to it
    }


def test_every_post_refuses_a_missing_or_invalid_token_as_every_role(app, csrf_app):
    logins = seed_demo(app)
    territories = sorted({login["territory"] for login in logins if login["territory"]})
    clients = csrf_clients(csrf_app, logins)
    one_member = clients[next(role for role in clients if role != "anonymous")]
    foreign = page_token(csrf_app.test_client())  # valid, but another session's
    before = row_counts()
    checked = set()
    for rule in all_rules(csrf_app):
        if "POST" not in rule.methods or exempt(csrf_app, rule):
            continue
        # A service runs in some territories only: elsewhere its URLs are 404s before any check.
        path = next(
            (
                p
                for p in paths(rule, territories)
                if clients["anonymous"].post(p).status_code != 404
            ),
            None,
        )
        assert path is not None, rule.endpoint
        # No token: anonymous, and each demo role in turn (all of them across the rules).
        roles = sorted(clients)
        attempts = [(clients["anonymous"], {}), (clients[roles[len(checked) % len(roles)]], {})]
        attempts += [
            (clients["anonymous"], {"headers": {"HX-Request": "true"}}),
            (one_member, {"data": {"csrf_token": "faux"}}),
            (one_member, {"data": {"csrf_token": foreign}}),
            (one_member, {"headers": {"HX-Request": "true", "X-CSRFToken": foreign}}),
        ]
        for client, kwargs in attempts:
            response = client.post(path, **kwargs)
            assert response.status_code == 400, (rule.endpoint, path, kwargs)
            assert CSRF_REFUSAL in response.text
        checked.add(rule.endpoint)
    assert checked
    assert row_counts() == before


def test_csrf_exempt_endpoints_are_api_routes_that_ignore_the_session(app, csrf_app):
    logins = seed_demo(app)
    clients = csrf_clients(csrf_app, logins)
    exempted = [r for r in all_rules(csrf_app) if exempt(csrf_app, r)]
    assert exempted, "the JSON API is exempt: it authenticates by bearer token"
    for rule in exempted:
        assert rule.rule.startswith("/api/"), rule.rule
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            for client in clients.values():  # a session cookie is no credential here
                response = client.open(build_path(rule, {}), method=method, json={})
                assert response.status_code == 401, (rule.endpoint, method)


def test_get_never_reaches_a_state_changing_endpoint(csrf_app):
    """Matched against the URL map: a GET on a POST-only endpoint's path is a 405, or goes to
    another (reading) endpoint, never to it."""
    adapter = csrf_app.url_map.bind("portail.test")
    both = set()
    for rule in all_rules(csrf_app):
        if "POST" not in rule.methods:
            continue
        if "GET" in rule.methods:
            both.add(rule.endpoint)
            continue
        for path in paths(rule, ["seine-saint-denis"]):
            try:
                endpoint, _ = adapter.match(path, method="GET")
            except (MethodNotAllowed, NotFound, RequestRedirect):
                continue
            assert endpoint != rule.endpoint, path
    assert both == PAGE_WITH_FORM


def test_pages_with_a_form_change_nothing_on_get(app, csrf_app):
    """GET with every form field in the query string, as every role: no row appears or goes."""
    logins = seed_demo(app)
    territories = sorted({login["territory"] for login in logins if login["territory"]})
    clients = csrf_clients(csrf_app, logins)
    query = {
        "email": logins[0]["email"],
        "password": logins[0]["password"],
        "first_name": "Camille",
        "last_name": "Martin",
        "birth_date": "1985-07-14",
        "situation": "rsa",
        "name": "SI",
        "kind": "beneficiaries",
        "confirm": "1",
        "skip": "1",
    }
    before = row_counts()
    for rule in all_rules(csrf_app):
        if rule.endpoint not in PAGE_WITH_FORM:
            continue
        for client in clients.values():
            for path in paths(rule, territories):
                assert client.get(path, query_string=query).status_code < 500
    assert row_counts() == before
