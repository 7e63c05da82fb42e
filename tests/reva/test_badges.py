"""Open Badges 2.0, hosted verification: Issuer, BadgeClass and Assertion served at their ids."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from app.extensions import db
from app.reva import badges, candidacies
from app.reva.models import Actor, BadgeAssertion, Status
from tests.reva.factories import World

# Required properties (Open Badges 2.0 specification, "Data Classes").
ASSERTION_REQUIRED = {"@context", "type", "id", "recipient", "badge", "verification", "issuedOn"}
BADGECLASS_REQUIRED = {
    "@context",
    "type",
    "id",
    "name",
    "description",
    "image",
    "criteria",
    "issuer",
}
ISSUER_REQUIRED = {"@context", "type", "id", "name", "url"}


def _endorsed():
    world = World()
    candidacy = world.candidacy(status=Status.FEASIBILITY_SENT)
    skill = badges.add_skill(candidacy, candidacy.candidate, "Je planifie les tournées", "")
    competence = world.certification.blocks[1].competences[0]
    assertion = badges.endorse_skill(candidacy, skill, competence, world.certifier, Actor.CERTIFIER)
    db.session.commit()
    return world, candidacy, assertion, competence


def test_assertion_badge_class_and_issuer_are_served_at_their_ids(client):
    world, candidacy, assertion, competence = _endorsed()
    response = client.get(f"/reva/badges/{assertion.public_id}")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    doc = response.get_json()
    assert set(doc) >= ASSERTION_REQUIRED
    assert doc["@context"] == "https://w3id.org/openbadges/v2"
    assert doc["type"] == "Assertion" and doc["verification"] == {"type": "HostedBadge"}
    assert doc["id"].endswith(f"/reva/badges/{assertion.public_id}")
    assert "Je planifie les tournées" in doc["evidence"][0]["narrative"]

    # the recipient is hashed: sha256(email + salt) verifies, the email itself is not there
    recipient = doc["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True
    digest = hashlib.sha256((candidacy.candidate.email + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == "sha256$" + digest
    assert candidacy.candidate.email not in response.text

    badge_class = client.get("/" + doc["badge"].split("/", 3)[3]).get_json()
    assert set(badge_class) >= BADGECLASS_REQUIRED
    assert badge_class["id"] == doc["badge"]
    assert badge_class["name"] == competence.label
    [alignment] = badge_class["alignment"]
    block = world.certification.blocks[1]
    assert alignment["targetCode"] == block.code
    assert world.certification.rncp_code in alignment["targetFramework"]
    assert alignment["targetUrl"].startswith("https://www.francecompetences.fr/recherche/rncp/")

    issuer = client.get("/" + badge_class["issuer"].split("/", 3)[3]).get_json()
    assert set(issuer) >= ISSUER_REQUIRED and issuer["type"] == "Issuer"
    assert issuer["id"] == badge_class["issuer"]


def test_a_revoked_badge_answers_410_gone(client):
    _, _, assertion, _ = _endorsed()
    badges.revoke(assertion, None, "Erreur de saisie")
    db.session.commit()
    response = client.get(f"/reva/badges/{assertion.public_id}")
    assert response.status_code == 410
    assert response.get_json()["revoked"] is True
    assert response.get_json()["revocationReason"] == "Erreur de saisie"
    assert client.get("/reva/badges/inconnu").status_code == 404


def test_assertion_ids_are_not_guessable():
    _, _, assertion, _ = _endorsed()
    assert len(assertion.public_id) >= 22 and not assertion.public_id.isdigit()


def test_a_skill_is_endorsed_once_and_only_against_its_certification():
    world, candidacy, assertion, _ = _endorsed()
    other = World().certification.blocks[0].competences[0]
    skill = badges.add_skill(candidacy, candidacy.candidate, "Autre", "")
    with pytest.raises(ValueError, match="certification visée"):
        badges.endorse_skill(candidacy, skill, other, world.certifier, Actor.CERTIFIER)
    competence = world.certification.blocks[0].competences[0]
    with pytest.raises(ValueError, match="déjà"):
        badges.endorse_skill(
            candidacy, assertion.skill, competence, world.certifier, Actor.CERTIFIER
        )


def test_a_partial_validation_issues_a_badge_per_validated_block(client):
    world = World()
    candidacy = world.candidacy(status=Status.JURY_SCHEDULED)
    first, second = world.certification.blocks
    candidacies.record_jury_result(
        candidacy, world.certifier, "record_partial_validation", [second], "", notify=False
    )
    db.session.commit()
    assert candidacy.status is Status.PARTIAL_VALIDATION
    [assertion] = db.session.scalars(select(BadgeAssertion)).all()
    assert assertion.block_id == second.id
    assert second.code in candidacy.events[-1].comment
    doc = client.get(f"/reva/badges/{assertion.public_id}").get_json()
    block_class = client.get("/" + doc["badge"].split("/", 3)[3]).get_json()
    assert block_class["name"] == second.label
    assert block_class["alignment"][0]["targetCode"] == second.code
    assert first.code not in str(block_class)


def test_a_partial_validation_without_blocks_is_refused():
    world = World()
    candidacy = world.candidacy(status=Status.JURY_SCHEDULED)
    with pytest.raises(candidacies.TransitionRefusedError, match="blocs"):
        candidacies.record_jury_result(candidacy, world.certifier, "record_partial_validation", [])
    assert candidacy.status is Status.JURY_SCHEDULED
