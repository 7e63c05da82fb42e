"""The shared API contract: problem details (RFC 9457) for every error, the generated document."""

import pytest

from app.carnet import api as carnet_api
from app.extensions import limiter
from tests.carnet.api_factories import bearer, issue_token

URL = "/api/v1/carnet/beneficiaries"
PERSON = {"first_name": "Léa", "last_name": "Dupont", "birth_date": "1990-02-01"}


def assert_problem(response, status: int):
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    assert "<html" not in response.text
    return body


@pytest.fixture
def secret():
    return issue_token()[1]


def test_400_for_a_body_that_is_not_a_json_object(client, secret):
    response = client.post(
        URL, data="[1]", headers={**bearer(secret), "Content-Type": "application/json"}
    )
    assert_problem(response, 400)


def test_401_without_token(client):
    assert_problem(client.post(URL, json=PERSON), 401)


def test_403_where_the_carnet_is_closed(client):
    assert_problem(client.post(URL, json=PERSON, headers=bearer(issue_token("ardennes")[1])), 403)


def test_404_for_an_unknown_notebook_and_an_unknown_route(client, secret):
    assert_problem(client.get("/api/v1/carnet/notebooks/999999", headers=bearer(secret)), 404)
    assert_problem(client.get("/api/v1/nulle-part", headers=bearer(secret)), 404)


def test_405_for_a_wrong_method(client, secret):
    assert_problem(client.delete(URL, headers=bearer(secret)), 405)


def test_413_for_a_body_too_large(app, client, secret, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100)
    response = client.post(URL, json={**PERSON, "address": "x" * 500}, headers=bearer(secret))
    assert_problem(response, 413)


def test_422_names_each_field_in_french(client, secret):
    response = client.post(URL, json={"first_name": "Léa"}, headers=bearer(secret))
    body = assert_problem(response, 422)
    assert body["fields"]["birth_date"] == ["Ce champ est obligatoire."]


def test_429_when_the_token_sends_too_many_requests(client, secret):
    limiter.reset()
    for _ in range(300):
        client.get("/api/v1/carnet/notebooks/1", headers=bearer(secret))
    assert_problem(client.get("/api/v1/carnet/notebooks/1", headers=bearer(secret)), 429)


def test_500_says_nothing_of_the_failure(client, secret, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(carnet_api, "upsert_beneficiary", broken)
    body = assert_problem(client.post(URL, json=PERSON, headers=bearer(secret)), 500)
    assert "secret internals" not in body["detail"]


def test_the_document_is_generated_from_the_declared_models(client):
    doc = client.get("/api/v1/openapi.json").json
    post = doc["paths"][URL]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BeneficiaryInput"
    }
    assert post["security"] == [{"bearerAuth": []}]
    for status in ("400", "401", "409", "422", "429"):
        assert "application/problem+json" in post["responses"][status]["content"]
    notebook = doc["schemas"] if "schemas" in doc else doc["components"]["schemas"]["Notebook"]
    assert set(notebook["required"]) >= {"id", "members", "barriers", "content_shared"}
    # Only declared routes are documented: no page of the portal leaks into the API document.
    assert all(path.startswith("/api/v1/") for path in doc["paths"])


def test_any_other_http_error_of_the_api_is_a_problem_too(client, secret):
    response = client.post(URL, data="x", headers={**bearer(secret), "Content-Type": "text/plain"})
    assert response.status_code == 400  # not a JSON object
    assert response.mimetype == "application/problem+json"
    wrong_method = client.open("/api/v1/openapi.json", method="PUT")
    assert_problem(wrong_method, 405)
