"""API fuzzing: the OpenAPI document covers every API route, and schemathesis, generating
requests from it (valid and invalid) with a valid token, finds no 5xx and no answer that breaks
the document (every check but "schema-valid data is accepted": a NIR's key, an email's syntax or
a date in the future are refused with a documented 422 the schema cannot express). Examples per operation: API_FUZZ_EXAMPLES (15 by default, about 30 s in all)."""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.generation import GenerationMode

from app.core import api as core_api
from app.core import transaction
from app.reva import tokens as reva_tokens
from app.reva.models import Status
from tests.carnet.api_factories import issue_token
from tests.carnet.factories import NotebookFactory, add_barrier
from tests.reva.factories import World

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_the_document_covers_every_api_route(app):
    document = core_api.document(app)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = _openapi_path(rule.rule)
        assert path in document["paths"], f"{rule.rule} ({rule.endpoint}) n'est pas documentée"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], f"{method} {rule.rule}"


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def secrets():
    """A Carnet token (with a notebook it manages) and a REVA certifier token (with a
    candidacy in its perimeter): fuzzed requests reach the code behind authentication."""
    _, carnet = issue_token()
    notebook = NotebookFactory()
    add_barrier(notebook)
    world = World()
    world.candidacy(status=Status.SUBMITTED)
    with transaction.unit_of_work():
        _, reva = reva_tokens.issue(None, world.certifier, "SI du certificateur")
    return {"carnet": carnet, "reva": reva}


def _fuzzer(operation, mode: GenerationMode, secret: str):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def fuzz(case):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {secret}"},
            excluded_checks=[positive_data_acceptance],
        )

    return fuzz


def test_no_5xx_and_every_answer_matches_the_document(app, secrets):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:
        reva = operation.path.startswith("/api/v1/reva")
        secret = secrets["reva"] if reva else secrets["carnet"]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzzer(operation, mode, secret)()
            except Exception as error:  # every operation is tried; all failures reported at once
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)


def test_found_by_fuzzing_a_blank_optional_text_is_cleared_not_a_500(client):
    from tests.carnet.api_factories import bearer

    _, secret = issue_token()
    person = {"first_name": "Léa", "last_name": "Dupont", "birth_date": "1990-02-01"}
    response = client.post(
        "/api/v1/carnet/beneficiaries",
        json={**person, "address": " ", "work_situation": "\x1c"},
        headers=bearer(secret),
    )
    assert response.status_code == 201, response.text
