"""The candidacy state machine, exhaustively: every transition × state × party × mode.

EXPECTED restates the issue's lifecycle independently of `app/reva/candidacies.py`; the test
walks every combination and checks that exactly these are allowed, with these targets.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import transaction
from app.core.models import AuditEntry, utcnow
from app.extensions import db
from app.reva import candidacies
from app.reva.models import Actor, Candidacy, CandidacyEvent, Status
from tests.reva.factories import World

C, A, R, N, S = "C", "A", "R", "N", "S"
ACC, ALONE = "accompanied", "alone"
BOTH = (ACC, ALONE)
ST = Status
OPEN = [
    ST.PROJECT, ST.SUBMITTED, ST.TAKEN_IN_CHARGE, ST.PATH_SENT, ST.PATH_CONFIRMED,
    ST.FEASIBILITY_SENT, ST.FEASIBILITY_INCOMPLETE, ST.ADMISSIBLE, ST.VALIDATION_SENT,
    ST.JURY_SCHEDULED, ST.INACTIVE_PENDING,
]  # fmt: skip
ACTIVE = [s for s in OPEN if s not in (ST.PROJECT, ST.INACTIVE_PENDING)]
BACK = "back"  # to the state it left when it became inactive


def rows(name, states, actors, modes, target):
    return {
        (name, state, actor, mode): target for state in states for actor in actors for mode in modes
    }


EXPECTED = {
    **rows("submit", [ST.PROJECT], C, BOTH, ST.SUBMITTED),
    **rows("take_in_charge", [ST.SUBMITTED], A, [ACC], ST.TAKEN_IN_CHARGE),
    **rows("send_path", [ST.TAKEN_IN_CHARGE], A, [ACC], ST.PATH_SENT),
    **rows("confirm_path", [ST.PATH_SENT], C, [ACC], ST.PATH_CONFIRMED),
    **rows("confirm_path", [ST.SUBMITTED], C, [ALONE], ST.PATH_CONFIRMED),
    **rows("send_feasibility", [ST.PATH_CONFIRMED, ST.FEASIBILITY_INCOMPLETE], A, [ACC], ST.FEASIBILITY_SENT),
    **rows("send_feasibility", [ST.PATH_CONFIRMED, ST.FEASIBILITY_INCOMPLETE], C, [ALONE], ST.FEASIBILITY_SENT),
    **rows("mark_incomplete", [ST.FEASIBILITY_SENT], R, BOTH, ST.FEASIBILITY_INCOMPLETE),
    **rows("declare_admissible", [ST.FEASIBILITY_SENT], R, BOTH, ST.ADMISSIBLE),
    **rows("declare_not_admissible", [ST.FEASIBILITY_SENT], R, BOTH, ST.NOT_ADMISSIBLE),
    **rows("send_validation", [ST.ADMISSIBLE], C, BOTH, ST.VALIDATION_SENT),
    **rows("send_validation", [ST.ADMISSIBLE], A, [ACC], ST.VALIDATION_SENT),
    **rows("schedule_jury", [ST.VALIDATION_SENT], R, BOTH, ST.JURY_SCHEDULED),
    **rows("record_full_validation", [ST.JURY_SCHEDULED], R, BOTH, ST.FULL_VALIDATION),
    **rows("record_partial_validation", [ST.JURY_SCHEDULED], R, BOTH, ST.PARTIAL_VALIDATION),
    **rows("record_failure", [ST.JURY_SCHEDULED], R, BOTH, ST.FAILURE),
    **rows("drop_out", OPEN, C, BOTH, ST.DROPPED_OUT),
    **rows("drop_out", OPEN, A, [ACC], ST.DROPPED_OUT),
    **rows("archive", OPEN, N, BOTH, ST.ARCHIVED),
    **rows("delete_project", [ST.PROJECT], S, BOTH, ST.DELETED),
    **rows("mark_inactive", ACTIVE, S, BOTH, ST.INACTIVE_PENDING),
    **rows("confirm_activity", [ST.INACTIVE_PENDING], C, BOTH, BACK),
    **rows("confirm_inactive", [ST.INACTIVE_PENDING], S, BOTH, ST.INACTIVE_CONFIRMED),
    **rows("reopen", [ST.INACTIVE_CONFIRMED], N, BOTH, BACK),
}  # fmt: skip
REASON_REQUIRED = {("mark_incomplete", R), ("declare_not_admissible", R), ("drop_out", A)}
NAMES = sorted({key[0] for key in EXPECTED})
STORED_STATES = [s for s in Status if s is not Status.DELETED]


def test_the_declared_table_names_exactly_the_expected_transitions():
    assert set(NAMES) == candidacies.NAMES


@pytest.mark.parametrize("name", NAMES)
def test_every_party_state_and_mode_is_allowed_or_refused_as_the_issue_says(name):
    """For one transition, every state × party × mode (pure: no database)."""
    mismatches = []
    for state, actor, mode in itertools.product(STORED_STATES, "CARNS", BOTH):
        candidacy = Candidacy(status=state, organism_id=None if mode == ALONE else 1)
        found = candidacies.find(candidacy, name, Actor(actor))
        expected = EXPECTED.get((name, state, actor, mode))
        if (found is not None) != (expected is not None):
            mismatches.append((state.value, actor, mode, expected))
        elif found is not None and expected is not BACK and found.target is not expected:
            mismatches.append((state.value, actor, mode, found.target))
    assert mismatches == []


@pytest.mark.parametrize(
    "name,state,actor,mode",
    [k for k in EXPECTED if EXPECTED[k] is not ST.DELETED],
    ids=lambda v: getattr(v, "value", v),
)
def test_each_allowed_transition_is_stored_with_its_history(name, state, actor, mode):
    world = World()
    candidacy = world.candidacy(status=state, alone=mode == ALONE)
    if EXPECTED[(name, state, actor, mode)] is BACK:
        candidacy.status_before_inactive = ST.PATH_CONFIRMED
    user = {
        C: candidacy.candidate,
        A: world.accompagnateur,
        R: world.certifier,
        N: world.admin,
    }.get(actor)
    candidacies.apply(candidacy, name, Actor(actor), user, "Motif précis", notify=False)
    db.session.commit()
    expected = EXPECTED[(name, state, actor, mode)]
    assert candidacy.status is (ST.PATH_CONFIRMED if expected is BACK else expected)
    event = db.session.scalar(
        select(CandidacyEvent).where(CandidacyEvent.candidacy_id == candidacy.id)
    )
    assert (event.from_status, event.to_status, event.actor.value) == (
        state,
        candidacy.status,
        actor,
    )
    assert event.comment == "Motif précis"
    assert event.actor_user_id == getattr(user, "id", None)
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == f"reva_{name}"))
    assert audit.object_id == candidacy.id


def test_a_project_deleted_by_the_system_is_gone():
    candidacy = World().candidacy(status=ST.PROJECT)
    candidacy_id = candidacy.id
    candidacies.apply(candidacy, "delete_project", Actor.SYSTEM)
    db.session.commit()
    assert db.session.get(Candidacy, candidacy_id) is None


@pytest.mark.parametrize("name,actor", sorted(REASON_REQUIRED))
def test_a_decision_without_its_reason_is_refused_and_nothing_changes(name, actor):
    state = ST.FEASIBILITY_SENT
    candidacy = World().candidacy(status=state)
    with pytest.raises(candidacies.TransitionRefusedError, match="motif"):
        candidacies.apply(candidacy, name, Actor(actor), None, "   ")
    assert candidacy.status is state
    assert db.session.scalar(select(CandidacyEvent.id)) is None


def test_an_illegal_transition_is_refused_with_the_current_step_named():
    candidacy = World().candidacy(status=ST.SUBMITTED)
    with pytest.raises(candidacies.TransitionRefusedError) as refused:
        candidacies.apply(candidacy, "declare_admissible", Actor.CERTIFIER)
    assert "« Candidature envoyée »" in str(refused.value)
    with pytest.raises(candidacies.TransitionRefusedError, match="n'existe pas"):
        candidacies.apply(candidacy, "teleport", Actor.ADMIN)


def test_inactivity_keeps_the_state_left_and_the_candidate_brings_it_back():
    world = World()
    candidacy = world.candidacy(status=ST.FEASIBILITY_INCOMPLETE)
    candidacies.apply(candidacy, "mark_inactive", Actor.SYSTEM)
    assert (candidacy.status, candidacy.status_before_inactive) == (
        ST.INACTIVE_PENDING,
        ST.FEASIBILITY_INCOMPLETE,
    )
    candidacies.apply(candidacy, "confirm_activity", Actor.CANDIDATE, candidacy.candidate)
    assert candidacy.status is ST.FEASIBILITY_INCOMPLETE
    assert candidacy.status_before_inactive is None


def test_an_inactive_confirmed_candidacy_reopens_where_it_was():
    candidacy = World().candidacy(status=ST.ADMISSIBLE)
    for name in ("mark_inactive", "confirm_inactive"):
        candidacies.apply(candidacy, name, Actor.SYSTEM)
    assert candidacy.status is ST.INACTIVE_CONFIRMED
    candidacies.apply(candidacy, "reopen", Actor.ADMIN)
    assert candidacy.status is ST.ADMISSIBLE


def test_next_step_names_the_party_whose_turn_it_is():
    world = World()
    accompanied = world.candidacy(status=ST.SUBMITTED)
    alone = world.candidacy(status=ST.SUBMITTED, alone=True)
    assert [(t.name, a) for t, a in [candidacies.next_step(accompanied)]] == [
        ("take_in_charge", Actor.ACCOMPAGNATEUR)
    ]
    assert candidacies.next_step(alone)[0].name == "confirm_path"
    assert candidacies.next_step(alone)[1] is Actor.CANDIDATE
    assert candidacies.next_step(world.candidacy(status=ST.FEASIBILITY_SENT))[1] is Actor.CERTIFIER
    assert candidacies.next_step(world.candidacy(status=ST.FULL_VALIDATION)) is None


def test_each_transition_mails_the_party_whose_turn_comes(app):
    from tests.conftest import outbox_messages

    world = World()
    candidacy = world.candidacy(status=ST.PROJECT)
    with transaction.unit_of_work():  # mail leaves after the commit
        candidacies.apply(candidacy, "submit", Actor.CANDIDATE, candidacy.candidate)
        candidacies.apply(candidacy, "take_in_charge", Actor.ACCOMPAGNATEUR, world.accompagnateur)
    sent = [(m["to"], m["subject"]) for m in outbox_messages(app)]
    # submitted → the organism's turn; taken in charge → still the organism's (send the path)
    assert [to for to, _ in sent] == [world.accompagnateur.email, world.accompagnateur.email]
    with transaction.unit_of_work():
        candidacies.apply(candidacy, "send_path", Actor.ACCOMPAGNATEUR, world.accompagnateur)
    last = outbox_messages(app)[-1]
    assert last["to"] == candidacy.candidate.email
    assert "C'est à vous : confirmer mon parcours" in last["body"]
    assert f"/reva/candidatures/{candidacy.public_id}" in last["body"]


@pytest.mark.parametrize(
    "state,idle_days,expected",
    [
        (ST.PROJECT, 61, "delete_project"),
        (ST.PROJECT, 59, None),
        (ST.SUBMITTED, 61, "mark_inactive"),
        (ST.FEASIBILITY_SENT, 59, None),
        (ST.ADMISSIBLE, 100, None),
        (ST.ADMISSIBLE, 166, "mark_inactive"),
        (ST.JURY_SCHEDULED, 166, "mark_inactive"),
        (ST.INACTIVE_PENDING, 181, "confirm_inactive"),
        (ST.INACTIVE_PENDING, 179, None),
        (ST.FULL_VALIDATION, 1000, None),
        (ST.DROPPED_OUT, 1000, None),
    ],
)
def test_the_inactivity_job(app, state, idle_days, expected):
    from tests.conftest import outbox_messages

    candidacy = World().candidacy(status=state)
    past = utcnow() - timedelta(days=idle_days)
    candidacy.created_at = candidacy.last_activity_at = candidacy.status_changed_at = past
    candidacy.status_before_inactive = ST.SUBMITTED if state is ST.INACTIVE_PENDING else None
    db.session.commit()
    public_id = candidacy.public_id
    assert candidacies.sweep_inactivity(dry_run=True) == (
        [(public_id, expected)] if expected else []
    )
    db.session.rollback()
    assert db.session.get(Candidacy, candidacy.id).status is state  # the dry run changed nothing
    with transaction.unit_of_work():
        candidacies.sweep_inactivity()
    if expected == "mark_inactive":
        assert candidacy.status is ST.INACTIVE_PENDING
        assert outbox_messages(app)[-1]["to"] == candidacy.candidate.email


def test_the_inactivity_job_is_run_by_the_platform_scheduler():
    from app.core import jobs

    job = next(j for j in jobs.all_jobs() if j.name == "reva.inactivity")
    candidacy = World().candidacy(status=ST.SUBMITTED)
    candidacy.last_activity_at = utcnow() - timedelta(days=61)
    db.session.commit()
    with transaction.unit_of_work():
        assert job.run() == "1 candidature(s) traitée(s)"
    assert candidacy.status is ST.INACTIVE_PENDING
