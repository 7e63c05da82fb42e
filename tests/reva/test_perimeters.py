"""Who sees which candidacy: the list query and the one-record predicate agree on every case,
and the pages answer 404 outside one's perimeter."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.models import AuditEntry
from app.extensions import db
from app.reva import perms, queries
from app.reva.models import Actor, Status
from tests.factories import UserFactory
from tests.reva.factories import (
    CertificationFactory,
    OrganismFactory,
    World,
    accompagnateur,
    certifier,
)


def people(world):
    other_organism = OrganismFactory(departments=[world.department])
    return {
        "candidate": None,  # filled with the candidacy's own candidate
        "another candidate": UserFactory(),
        "accompagnateur": world.accompagnateur,
        "accompagnateur of another organism": accompagnateur(other_organism),
        "certifier": world.certifier,
        "certifier of another department": certifier(world.certification.authority, ("44",)),
        "certifier of another authority": certifier(CertificationFactory().authority, ("93",)),
        "admin": world.admin,
    }


# person → (actors on a project, actors on a submitted candidacy)
EXPECTED = {
    "candidate": ({Actor.CANDIDATE}, {Actor.CANDIDATE}),
    "another candidate": (set(), set()),
    "accompagnateur": (set(), {Actor.ACCOMPAGNATEUR}),
    "accompagnateur of another organism": (set(), set()),
    "certifier": (set(), {Actor.CERTIFIER}),
    "certifier of another department": (set(), set()),
    "certifier of another authority": (set(), set()),
    "admin": ({Actor.ADMIN}, {Actor.ADMIN}),
}


@pytest.mark.parametrize("status", [Status.PROJECT, Status.SUBMITTED, Status.FULL_VALIDATION])
def test_query_and_predicate_agree_with_the_rule(status):
    world = World()
    candidacy = world.candidacy(status=status)
    others = [world.candidacy(status=status) for _ in range(2)]  # noise in the same perimeter
    table = people(world)
    table["candidate"] = candidacy.candidate
    for name, user in table.items():
        expected = EXPECTED[name][0 if status is Status.PROJECT else 1]
        assert set(perms.actors_for(user, candidacy)) == expected, name
        listed = set(db.session.scalars(queries.candidacies_visible_to(user)))
        assert (candidacy in listed) == bool(expected), name
        for other in listed:
            assert perms.can_view_candidacy(user, other), (name, other.id)
    assert others


def test_a_candidacy_going_alone_has_no_accompagnateur():
    world = World()
    candidacy = world.candidacy(alone=True)
    assert perms.actors_for(world.accompagnateur, candidacy) == frozenset()


@pytest.mark.parametrize("name", list(EXPECTED))
def test_pages_answer_404_outside_the_perimeter(client, login_as, name):
    world = World()
    candidacy = world.candidacy(status=Status.FEASIBILITY_SENT)
    table = people(world)
    table["candidate"] = candidacy.candidate
    login_as(table[name])
    url = f"/reva/candidatures/{candidacy.public_id}"
    expected = 200 if EXPECTED[name][1] else 404
    assert client.get(url).status_code == expected
    assert client.post(url + "/actions/declare_admissible").status_code in (
        (303, 409, 403) if expected == 200 else (404,)
    )
    assert client.get("/reva/candidatures/inexistant").status_code == 404
    # every refused attempt stays in the audit log, although its request rolled back
    refused = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "refused", AuditEntry.actor_id == table[name].id
        )
    ).all()
    assert len(refused) == (1 if expected == 200 else 3)


def test_the_certifier_acts_only_as_certifier(client, login_as):
    world = World()
    candidacy = world.candidacy(status=Status.FEASIBILITY_SENT)
    login_as(world.accompagnateur)
    response = client.post(f"/reva/candidatures/{candidacy.public_id}/actions/declare_admissible")
    assert response.status_code == 409
    assert "pas possible : la candidature est à l" in response.text
    assert db.session.get(type(candidacy), candidacy.id).status is Status.FEASIBILITY_SENT


@pytest.mark.parametrize(
    "status,alone,who,expected",
    [
        (Status.PATH_CONFIRMED, False, "accompagnateur", True),
        (Status.PATH_CONFIRMED, False, "candidate", False),
        (Status.PATH_CONFIRMED, True, "candidate", True),
        (Status.FEASIBILITY_INCOMPLETE, False, "accompagnateur", True),
        (Status.FEASIBILITY_SENT, False, "accompagnateur", False),
        (Status.ADMISSIBLE, True, "candidate", False),
        (Status.FEASIBILITY_INCOMPLETE, False, "certifier", False),
    ],
)
def test_who_fills_the_feasibility_file(client, login_as, status, alone, who, expected):
    world = World()
    candidacy = world.candidacy(status=status, alone=alone)
    user = {
        "accompagnateur": world.accompagnateur,
        "candidate": candidacy.candidate,
        "certifier": world.certifier,
    }[who]
    assert perms.can_edit_file(perms.actors_for(user, candidacy), candidacy) is expected
    login_as(user)
    competence = world.certification.blocks[0].competences[0]
    response = client.post(
        f"/reva/candidatures/{candidacy.public_id}/dossier",
        data={f"mastery-{competence.id}": "acquired"},
    )
    assert response.status_code == (303 if expected else 403)
