"""The certifier API: token, perimeter, the same workflow as the pages, problem details."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.core import transaction
from app.extensions import db
from app.reva import tokens
from app.reva.models import BadgeAssertion, Candidacy, CandidacyEvent, Status
from tests.reva.factories import CertificationFactory, World, certifier


@pytest.fixture
def world():
    return World()


def _token(user) -> dict:
    with transaction.unit_of_work():
        _, secret = tokens.issue(None, user, "SI du certificateur")
    return {"Authorization": f"Bearer {secret}"}


def refetch(candidacy) -> Candidacy:
    db.session.expire_all()
    return db.session.get(Candidacy, candidacy.id)


def test_without_a_valid_token_the_api_answers_401_problem_details(client, world):
    for headers in ({}, {"Authorization": "Bearer inconnu"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/reva/candidacies", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 401
        assert "Bearer" in response.headers["WWW-Authenticate"]


def test_a_revoked_token_is_refused(client, world):
    headers = _token(world.certifier)
    row = tokens.all_tokens()[0]
    assert row.token_hash not in headers["Authorization"]  # only the hash is stored
    tokens.revoke(None, row)
    db.session.commit()
    assert client.get("/api/v1/reva/candidacies", headers=headers).status_code == 401


def test_only_certifiers_get_tokens(world):
    with pytest.raises(ValueError):
        tokens.issue(None, world.accompagnateur, "x")


def test_the_list_holds_what_awaits_the_certifier_in_their_perimeter(client, world):
    waiting = world.candidacy(status=Status.FEASIBILITY_SENT)
    jury = world.candidacy(status=Status.VALIDATION_SENT)
    world.candidacy(status=Status.SUBMITTED)  # not their move
    World().candidacy(status=Status.FEASIBILITY_SENT)  # another authority
    response = client.get("/api/v1/reva/candidacies", headers=_token(world.certifier))
    assert response.status_code == 200
    ids = {item["id"] for item in response.get_json()["items"]}
    assert ids == {waiting.public_id, jury.public_id}


def test_one_candidacy_has_its_key_data(client, world):
    candidacy = world.candidacy(status=Status.FEASIBILITY_SENT)
    response = client.get(
        f"/api/v1/reva/candidacies/{candidacy.public_id}", headers=_token(world.certifier)
    )
    body = response.get_json()
    assert response.status_code == 200
    assert body["candidate"]["email"] == candidacy.candidate.email
    assert body["certification"]["rncp_code"] == world.certification.rncp_code
    assert body["experiences"][0]["title"] == "Agent polyvalent"
    assert [b["code"] for b in body["feasibility_file"]["blocks"]] == [
        b.code for b in world.certification.blocks
    ]
    assert body["feasibility_file"]["blocks"][0]["competences"][0]["mastery"] is None


def test_outside_the_perimeter_is_a_404(client, world):
    other_department = world.candidacy(status=Status.FEASIBILITY_SENT, department="44")
    other_authority = World().candidacy(status=Status.FEASIBILITY_SENT)
    headers = _token(world.certifier)
    for candidacy in (other_department, other_authority):
        url = f"/api/v1/reva/candidacies/{candidacy.public_id}"
        assert client.get(url, headers=headers).status_code == 404
        decided = client.post(
            url + "/feasibility-decision", json={"decision": "admissible"}, headers=headers
        )
        assert decided.status_code == 404
        assert refetch(candidacy).status is Status.FEASIBILITY_SENT


def test_a_feasibility_decision_goes_through_the_workflow(client, world):
    candidacy = world.candidacy(status=Status.FEASIBILITY_SENT)
    headers = _token(world.certifier)
    url = f"/api/v1/reva/candidacies/{candidacy.public_id}/feasibility-decision"
    no_reason = client.post(url, json={"decision": "not_admissible"}, headers=headers)
    assert no_reason.status_code == 409 and "motif" in no_reason.get_json()["detail"]
    assert refetch(candidacy).status is Status.FEASIBILITY_SENT
    ok = client.post(
        url, json={"decision": "incomplete", "reason": "Attestations manquantes"}, headers=headers
    )
    assert ok.status_code == 200
    assert ok.get_json()["status"] == "feasibility_incomplete"
    event = db.session.scalar(select(CandidacyEvent).order_by(CandidacyEvent.id.desc()))
    assert (event.actor.value, event.actor_user_id, event.comment) == (
        "R",
        world.certifier.id,
        "Attestations manquantes",
    )
    again = client.post(url, json={"decision": "admissible"}, headers=headers)
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "body,status",
    [
        (None, 400),
        ("pas du json", 400),
        ({"decision": "peut-être"}, 422),
        ({"decision": "admissible", "extra": 1}, 422),
        ({"decision": "admissible", "reason": "x" * 2001}, 422),
    ],
)
def test_malformed_bodies_are_problem_details_and_change_nothing(client, world, body, status):
    candidacy = world.candidacy(status=Status.FEASIBILITY_SENT)
    url = f"/api/v1/reva/candidacies/{candidacy.public_id}/feasibility-decision"
    kwargs = {"json": body} if isinstance(body, dict) else {"data": body or ""}
    response = client.post(url, headers=_token(world.certifier), **kwargs)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    if status == 422:
        assert response.get_json()["errors"]
    assert refetch(candidacy).status is Status.FEASIBILITY_SENT


def test_jury_then_partial_result_by_api(client, world):
    candidacy = world.candidacy(status=Status.VALIDATION_SENT)
    headers = _token(world.certifier)
    base = f"/api/v1/reva/candidacies/{candidacy.public_id}"
    past = client.post(
        base + "/jury", json={"jury_date": "2020-01-01", "jury_place": "Lyon"}, headers=headers
    )
    assert past.status_code == 422
    future = (date.today() + timedelta(days=20)).isoformat()
    scheduled = client.post(
        base + "/jury", json={"jury_date": future, "jury_place": "Lyon"}, headers=headers
    )
    assert scheduled.status_code == 200 and scheduled.get_json()["jury_place"] == "Lyon"
    block = world.certification.blocks[0]
    unknown = client.post(
        base + "/jury-result",
        json={"result": "partial_validation", "validated_blocks": ["RNCP0BC09"]},
        headers=headers,
    )
    assert unknown.status_code == 422
    result = client.post(
        base + "/jury-result",
        json={"result": "partial_validation", "validated_blocks": [block.code]},
        headers=headers,
    )
    assert result.status_code == 200 and result.get_json()["status"] == "partial_validation"
    assert db.session.scalar(select(BadgeAssertion.block_id)) == block.id


def test_a_certifier_of_several_authorities_sees_each(client, world):
    both = certifier(world.certification.authority, ("93",))
    from app.reva.models import CertifierPerimeter

    other = CertificationFactory()
    db.session.add(
        CertifierPerimeter(user_id=both.id, authority_id=other.authority_id, department="93")
    )
    db.session.commit()
    mine = world.candidacy(status=Status.FEASIBILITY_SENT)
    theirs = World().candidacy(status=Status.FEASIBILITY_SENT)
    theirs.certification = other
    db.session.commit()
    ids = {
        i["id"]
        for i in client.get("/api/v1/reva/candidacies", headers=_token(both)).get_json()["items"]
    }
    assert ids == {mine.public_id, theirs.public_id}


def test_the_openapi_document_describes_the_reva_api(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/reva/candidacies/{public_id}/feasibility-decision" in doc["paths"]
    schemas = doc["components"]["schemas"]
    assert {"FeasibilityDecision", "CandidacyDetail", "Problem"} <= set(schemas)
    assert set(schemas["FeasibilityDecision"]["properties"]["decision"]["enum"]) == {
        "admissible",
        "not_admissible",
        "incomplete",
    }
