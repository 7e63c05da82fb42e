"""Bounded input: integers, dates, text and JSON bodies beyond sane bounds are refused with a
4xx and a French message, never a 500; a property test throws such values at every route."""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from app.accounts.roles import Role
from app.core import bounds
from app.core.forms import BaseForm
from tests.carnet.api_factories import bearer, issue_token
from tests.carnet.coordination_factories import xlsx_bytes
from tests.carnet.factories import NotebookFactory, add_member
from tests.core.battery import all_rules, build_path, demo_clients, is_int_argument, seed_demo
from tests.factories import PASSWORD, member

NOTEBOOKS = "/seine-saint-denis/carnet/carnets"


@pytest.fixture
def professional(login_as):
    user = member(Role.PROFESSIONAL)
    login_as(user)
    return user


# Integers


@pytest.mark.parametrize("notebook_id", [2**31, 2**63, 2**64, 10**30])
def test_an_id_beyond_the_database_integer_is_a_404(client, professional, notebook_id):
    assert client.get(f"{NOTEBOOKS}/{notebook_id}").status_code == 404
    assert client.post(f"{NOTEBOOKS}/{notebook_id}/freins", data={}).status_code == 404


def test_the_largest_id_is_looked_up_and_not_found(client, professional):
    assert client.get(f"{NOTEBOOKS}/{2**31 - 1}").status_code == 404


@pytest.mark.parametrize("page", [str(2**31), str(2**63), "9" * 5000, "-5", "abc"])
def test_a_page_number_beyond_bounds_shows_the_first_page(client, professional, page):
    response = client.get(NOTEBOOKS, query_string={"page": page})
    assert response.status_code == 200


def test_query_integers_are_bounded():
    args = bounds.BoundedArgs([("page", str(2**31)), ("ok", "42"), ("neg", str(-(2**31)))])
    assert args.get("page", 1, type=int) == 1
    assert args.get("ok", type=int) == 42
    assert args.get("neg", type=int) is None
    assert args.get("ok") == "42"


# Dates


@pytest.mark.parametrize("birth_date", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_a_date_outside_the_sane_range_is_refused_in_french(client, professional, birth_date):
    response = client.post(
        f"{NOTEBOOKS}/nouveau",
        data={
            "first_name": "Camille",
            "last_name": "Martin",
            "birth_date": birth_date,
            "situation": "rsa",
        },
    )
    assert response.status_code == 422
    assert "Saisissez une date entre 01/01/1900 et 31/12/2100." in html.unescape(response.text)


def test_dates_in_a_search_query_are_bounded_too(client, professional):
    response = client.get(NOTEBOOKS, query_string={"birth_date": "0001-01-01"})
    assert response.status_code in (200, 422)
    assert "Saisissez une date entre" in html.unescape(response.text)


# Text


@pytest.mark.parametrize(
    "request_args",
    [
        {"path": NOTEBOOKS, "query_string": {"q": "Mar\x00tin"}},
        {"path": "/seine-saint-denis%00/carnet/carnets"},
        {"path": f"{NOTEBOOKS}/nouveau", "method": "POST", "data": {"first_name": "a\x00"}},
        {"path": "/connexion", "method": "POST", "data": {"email": "\x00@x.fr", "password": "x"}},
        {
            "path": "/deconnexion",
            "method": "POST",
            "data": {"nom\r": "x", "file": (io.BytesIO(b"x"), "a.csv")},
            "content_type": "multipart/form-data",
        },
    ],
)
def test_a_nul_character_is_refused_with_a_french_400(client, professional, request_args):
    response = client.open(**request_args)
    assert response.status_code == 400
    assert "caractère interdit" in html.unescape(response.text)


def test_an_untrusted_host_is_a_400_not_a_500(client):
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "hôte non reconnu" in response.text


# JSON bodies


@pytest.fixture
def api_secret():
    return issue_token("seine-saint-denis")[1]


API = "/api/v1/carnet/beneficiaries"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, 422, "imbriqué trop profondément"),
        ('{"a":' * 50 + "1" + "}" * 50, 422, "imbriqué trop profondément"),
        ('{"first_name": "\\ud800"}', 422, "caractère Unicode isolé"),
        ('{"first_name": "a\\u0000b"}', 422, "caractère nul"),
        ('{"x": "' + "a" * (300 * 1024) + '"}', 413, "ne peut pas dépasser 256 Ko"),
    ],
)
def test_json_bodies_are_bounded(client, api_secret, body, status, message):
    response = client.post(
        API, data=body, content_type="application/json", headers=bearer(api_secret)
    )
    assert response.status_code == status
    assert message in response.get_json()["detail"]


def test_a_json_body_at_the_bounds_is_read(client, api_secret):
    nested = '{"first_name":' + "[" * 19 + "]" * 19 + "}"
    response = client.post(
        API, data=nested, content_type="application/json", headers=bearer(api_secret)
    )
    assert response.status_code == 422  # read, then refused by the form: not a string
    assert "chaîne de caractères" in json.dumps(response.get_json(), ensure_ascii=False)


def test_depth_is_measured_outside_strings():
    assert not bounds._json_depth_exceeds(b'{"a": "[[[[[[[[[[\\"[[["}', 3)
    assert bounds._json_depth_exceeds(b"[[[[1]]]]", 3)


# Every route, hostile values, every role: no 5xx

WORKBOOK = xlsx_bytes([["nom", "prenom", "date_naissance"], ["Moreau", "Julien", "12/04/1990"]])

EXAMPLES = int(os.environ.get("BOUNDS_FUZZ_EXAMPLES", "10"))
HOSTILE = [
    "",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    str(2**31),
    str(2**63),
    str(2**64),
    "9" * 400,
    "1e309",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "1900-02-30",
    "01/01/0001",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "é" * 300,
    "x" * 5000,
    "\ud7ff\ue000\U0010ffff",
]
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.integers().map(str))
# A path segment is never empty (an empty one would make "//host/…", another URL altogether).
path_text = hostile_text.filter(bool)
hostile_int = st.one_of(
    st.integers(min_value=1, max_value=6),
    st.sampled_from([0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**40]),
    st.integers(min_value=0),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), hostile_text),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["first_name", "birth_date", "nir"]), children, max_size=3
        )
    ),
    max_leaves=8,
)
json_bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v)),
    st.sampled_from(
        [
            "[" * 5000,
            '{"first_name": "\\ud800", "last_name": "x", "birth_date": "0001-01-01"}',
            '{"birth_date": "9999-99-99"}',
            "{",
            "1e999999",
        ]
    ),
)
# Session-ending endpoints are fuzzed with throwaway users (they would log the role clients out).
SESSION_ENDING = {"accounts.logout"}


def form_field_names() -> list[str]:
    names, pending = set(), [BaseForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        names.update(n for n in dir(cls) if isinstance(getattr(cls, n, None), UnboundField))
    return sorted(names | {"page", "next", "q", "confirm", "skip"} | query_parameter_names())


def query_parameter_names() -> set[str]:
    """Every name the views read from the query string or the form by hand."""
    read = re.compile(r"request\.(?:args|form|values)\.(?:get|getlist)\(\s*\"(\w+)\"")
    return {
        name
        for path in Path("app").rglob("*.py")
        for name in read.findall(path.read_text(encoding="utf-8"))
    }


def test_no_route_answers_5xx_to_hostile_values(app):
    logins = seed_demo(app)
    notebook = NotebookFactory()
    add_member(notebook, member(Role.PROFESSIONAL))
    secret = issue_token("seine-saint-denis")[1]
    clients = demo_clients(app, logins)
    territories = sorted({login["territory"] for login in logins if login["territory"]})
    fields = form_field_names()
    queries = st.dictionaries(
        st.sampled_from(fields) | st.text(max_size=5), hostile_text, max_size=4
    )
    failures = {}

    for rule in all_rules(app):
        attack_route(app, rule, clients, secret, territories, queries, failures)
    assert failures == {}, "\n".join(f"{e}: {f!r}"[:800] for e, f in failures.items())


def attack_route(app, rule, clients, secret, territories, queries, failures):
    """Hypothesis: hostile URL values, query strings, forms and JSON bodies on `rule`."""
    throwaways = []
    methods = sorted(rule.methods & {"GET", "POST"})
    arguments = {
        name: hostile_int
        if is_int_argument(rule, name)
        else st.sampled_from(territories) | path_text
        if name == "territory"
        else path_text
        for name in rule.arguments
    }

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        role=st.sampled_from(sorted(clients)),
        method=st.sampled_from(methods),
        values=st.fixed_dictionaries(arguments),
        query=queries,
        form=queries,
        body=json_bodies,
        htmx=st.booleans(),
        upload=st.none()
        | st.tuples(
            st.binary(max_size=600) | st.just(WORKBOOK), st.sampled_from(["a.csv", "a.xlsx"])
        ),
    )
    def attack(role, method, values, query, form, body, htmx, upload):
        client = clients[role]
        if rule.endpoint in SESSION_ENDING:
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = (
                f"10.1.{len(throwaways) // 250}.{len(throwaways) % 250}"
            )
            throwaways.append(member(Role.PROFESSIONAL))
            client.post("/connexion", data={"email": throwaways[-1].email, "password": PASSWORD})
        path = build_path(rule, values)
        headers = {"HX-Request": "true"} if htmx else {}
        kwargs = {"query_string": query}
        if path.startswith("/api/"):
            headers.update(bearer(secret))
            if method == "POST":
                kwargs.update(data=body.encode("utf-8", "surrogatepass"))
                kwargs.update(content_type="application/json")
        elif method == "POST":
            kwargs["data"] = dict(form)
            if upload is not None:  # multipart, with a file
                kwargs["data"]["file"] = (io.BytesIO(upload[0]), upload[1])
                kwargs["content_type"] = "multipart/form-data"
        response = client.open(path, method=method, headers=headers, **kwargs)
        if response.status_code >= 500:
            failures.setdefault(
                rule.endpoint, (role, method, path, query, form, upload, response.text[-300:])
            )
        assert response.status_code < 500, (rule.endpoint, role, method, path)

    with contextlib.suppress(AssertionError):  # collected in `failures`
        attack()


def test_pydantic_bodies_get_the_same_bounds():
    from datetime import date

    from pydantic import BaseModel, ValidationError

    class Body(BaseModel):
        birth_date: bounds.SaneDate
        notebook_id: bounds.DbInt
        name: bounds.SafeText

    assert Body(birth_date="1985-07-14", notebook_id=12, name="Zoé").birth_date == date(1985, 7, 14)
    for bad in (
        {"birth_date": "0001-01-01"},
        {"notebook_id": 2**31},
        {"name": "a\x00b"},
        {"name": "\ud800"},
    ):
        with pytest.raises(ValidationError):
            Body(**{"birth_date": "1985-07-14", "notebook_id": 1, "name": "x", **bad})


def _flipped(content: bytes, flips) -> bytes:
    data = bytearray(content)
    for position, value in flips:
        data[position % len(data)] = value
    return bytes(data)


@settings(max_examples=150, deadline=None, database=None)
@given(
    content=st.one_of(
        st.binary(max_size=2000),
        st.lists(st.tuples(st.integers(0), st.integers(0, 255)), min_size=1, max_size=8).map(
            lambda flips: _flipped(WORKBOOK, flips)
        ),
        st.lists(st.lists(hostile_text, max_size=6), max_size=30).map(
            lambda rows: "\n".join(
                ";".join(r) for r in [["nom", "prenom", "date_naissance"], *rows]
            ).encode("utf-8", "surrogatepass")
        ),
    ),
    filename=st.sampled_from(["p.csv", "p.xlsx", "p.txt", "p", ".csv"]),
)
def test_reading_any_file_gives_rows_or_a_french_refusal(content, filename):
    from app.carnet import imports

    try:
        table = imports.read_table(filename, content, imports.BENEFICIARIES)
    except imports.FileRefused as refusal:
        assert str(refusal)[0].isupper()
        return
    assert len(table) <= imports.MAX_ROWS
    assert all(set(row) <= set(imports.COLUMNS[imports.BENEFICIARIES]) for _, row in table)
