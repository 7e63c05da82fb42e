"""REVA indicators on known data: delays between milestones, drop-outs, late certifiers."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from app.core.models import utcnow
from app.core.querycount import count_queries
from app.extensions import db
from app.indicators import reva as indicators
from app.reva import candidacies
from app.reva.models import Actor, Status, SurveyAnswer
from tests.reva.factories import World

C, A, R = Actor.CANDIDATE, Actor.ACCOMPAGNATEUR, Actor.CERTIFIER


def play(candidacy, start, *moves):
    """Apply (day offset, transition, actor) from `start`, each dated."""
    for day, name, actor in moves:
        comment = "Motif" if name in ("mark_incomplete", "drop_out") else ""
        candidacies.apply(
            candidacy, name, actor, None, comment, now=start + timedelta(days=day), notify=False
        )


@pytest.fixture
def known():
    world = World()
    t0 = utcnow() - timedelta(days=100)
    for days in (2, 4, 10):
        play(
            world.candidacy(status=Status.PROJECT),
            t0,
            (0, "submit", C),
            (days, "take_in_charge", A),
        )
    play(
        world.candidacy(status=Status.PATH_CONFIRMED), t0,
        (0, "send_feasibility", A), (20, "declare_admissible", R),
        (25, "send_validation", C), (40, "schedule_jury", R),
    )  # fmt: skip
    play(
        world.candidacy(status=Status.PATH_CONFIRMED), t0,
        (0, "send_feasibility", A), (5, "mark_incomplete", R),
        (6, "send_feasibility", A), (9, "declare_admissible", R),
    )  # fmt: skip
    play(
        world.candidacy(status=Status.PATH_CONFIRMED),
        utcnow() - timedelta(days=30),
        (0, "send_feasibility", A),
    )
    play(world.candidacy(status=Status.PATH_SENT), t0, (3, "drop_out", C))
    project = world.candidacy(status=Status.PROJECT)  # never submitted: not counted as such
    db.session.add_all(
        [
            SurveyAnswer(candidacy_id=project.id, recruited_thanks_to_reva=True, self_confidence=5),
            SurveyAnswer(
                candidacy_id=project.id, recruited_thanks_to_reva=False, self_confidence=3
            ),
        ]
    )
    db.session.commit()
    return world


def test_delays_between_milestones(known):
    data = indicators.compute()
    delays = {d.key: d for d in data["delays"]}
    taken = delays["submitted_to_taken"]
    assert (taken.count, taken.median, round(taken.p80, 1)) == (3, 4.0, 7.6)
    decision = delays["feasibility_to_decision"]
    assert decision.count == 3 and decision.median == 5.0  # 20, 5 and 3 days
    jury = delays["admissible_to_jury"]
    assert (jury.count, jury.median) == (1, 20.0)  # the second admissible has no jury yet


def test_drop_outs_and_late_certifiers(known):
    data = indicators.compute()
    assert data["submitted"] == 7 and data["total"] == 8
    assert data["dropped"] == 1 and data["dropout_rate"] == 14.3
    assert data["dropped_from"] == [(Status.PATH_SENT, 1)]
    assert (data["decisions"], data["late_decisions"], data["late_decision_rate"]) == (3, 1, 33.3)
    assert data["pending_late_decisions"] == 1
    assert (data["survey_answers"], data["recruited_rate"], data["self_confidence"]) == (
        2,
        50.0,
        4.0,
    )


def test_percentile_interpolates_and_handles_no_values():
    assert indicators.percentile([], 50) is None
    assert indicators.percentile([7], 80) == 7
    assert indicators.percentile([1, 2, 3, 4], 50) == 2.5


def test_the_admin_page_shows_them_in_a_constant_number_of_queries(client, login_as, known):
    login_as(known.admin)
    with count_queries() as few:
        page = html.unescape(client.get("/reva/admin/").text)
    assert "Abandons : 14.3 %" in page
    assert "1 dossier en attente depuis plus de 15 jours" in page
    play(
        known.candidacy(status=Status.PROJECT), utcnow(), (0, "submit", C), (1, "take_in_charge", A)
    )
    db.session.commit()
    with count_queries() as many:
        client.get("/reva/admin/")
    assert len(many) == len(few)
