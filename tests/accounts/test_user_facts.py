"""Facts about the logged-in user that every page reads (REVA in a candidate's header, DORA's
monthly question) come with the user, in the statement that loads them: no statement each."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

from app.accounts.roles import Role
from app.core.models import utcnow
from app.core.querycount import count_queries
from app.dora.models import TimeSavedAnswer
from app.extensions import db
from tests.factories import UserFactory, member, territory
from tests.reva.factories import CandidacyFactory

REVA_LINK = "REVA — VAE"


def test_a_candidate_sees_reva_in_their_header_once_they_have_a_candidacy(login_as):
    person = UserFactory()
    client = login_as(person)
    assert REVA_LINK not in unescape(client.get("/mentions-legales").text)
    CandidacyFactory(candidate=person)
    with count_queries() as statements:
        page = unescape(client.get("/mentions-legales").text)
    assert REVA_LINK in page
    assert len(statements) == 1  # the user, their memberships and their facts


def test_the_monthly_question_is_read_with_the_user_and_counts_every_territory(login_as):
    user = member(Role.PROFESSIONAL, "loire-atlantique")
    client = login_as(user)
    search = "/loire-atlantique/dora/orientations/"
    with count_queries() as statements:
        assert "gagné du temps" in unescape(client.get(search).text)
    assert len([s for s in statements if "dora_time_saved_answer" in s]) == 1  # the user's
    # Answered (skipped) in another territory this month: not asked here either.
    db.session.add(
        TimeSavedAnswer(
            territory_id=territory("ardennes").id, user_id=user.id, at=utcnow() - timedelta(days=2)
        )
    )
    db.session.commit()
    assert "gagné du temps" not in unescape(client.get(search).text)


def test_a_fact_registered_after_the_first_request_is_read_with_the_user(login_as, monkeypatch):
    from sqlalchemy import literal

    from app.accounts import auth

    user = member(Role.PROFESSIONAL, "loire-atlantique")
    login_as(user).get("/mentions-legales")  # the user's statement is built (once per process)
    monkeypatch.setitem(auth._facts, "test.answer", lambda: literal(42))
    with count_queries() as statements:
        loaded = auth.load_user(f"{user.id}:{user.session_token}")
    assert auth.fact(loaded, "test.answer", lambda: None) == 42
    assert len(statements) == 1
