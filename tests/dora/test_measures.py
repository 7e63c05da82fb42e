"""No solution / I know one, the coordinator's queue, the time-saved question, and the search
indicators and tension on known data."""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from app.accounts.roles import Role
from app.core.models import utcnow
from app.core.scoping import bound_to
from app.dora.models import (
    FeedbackKind,
    Orientation,
    SearchFeedback,
    SearchLog,
    Service,
    ServiceStatus,
    SuggestionStatus,
    TimeSavedAnswer,
)
from app.extensions import db
from app.indicators.dora_search import search_indicators
from tests.dora.factories import ProviderFactory, ServiceFactory, reload, territory
from tests.factories import member

LA = "loire-atlantique"
BASE = f"/{LA}/dora"
SEARCH = {"commune": "44109", "theme": "mobilite"}


def test_a_caseworker_reports_no_solution_from_a_search(login_as):
    client = login_as(member(Role.PROFESSIONAL, LA))
    location = client.get(f"{BASE}/recherche", query_string=SEARCH).headers["Location"]
    page = unescape(client.get(location).text)
    assert "Je n'ai pas trouvé de solution" in page
    form = client.get(
        f"{BASE}/recherche/retour", query_string={**SEARCH, "type_retour": "no_solution"}
    )
    assert "N'écrivez ni le nom" in unescape(form.text)
    response = client.post(
        f"{BASE}/recherche/retour?commune=44109&theme=mobilite&type_retour=no_solution",
        data={"need": "Garage solidaire le samedi", "comment": ""},
    )
    assert response.status_code == 303
    feedback = db.session.scalar(select(SearchFeedback))
    assert feedback.kind == FeedbackKind.NO_SOLUTION
    assert (feedback.commune_code, feedback.theme, feedback.need) == (
        "44109",
        "mobilite",
        "Garage solidaire le samedi",
    )


def test_a_known_solution_needs_a_name_and_a_search(login_as):
    client = login_as(member(Role.PROFESSIONAL, LA))
    empty = client.post(
        f"{BASE}/recherche/retour?commune=44109&theme=mobilite&type_retour=known_solution", data={}
    )
    assert empty.status_code == 422 and "au moins la structure" in unescape(empty.text)
    unknown = client.get(
        f"{BASE}/recherche/retour", query_string={"commune": "Atlantis", "theme": "mobilite"}
    )
    assert unknown.status_code == 400 and "recherche complète" in unescape(unknown.text)
    assert db.session.scalars(select(SearchFeedback)).all() == []


def test_an_accepted_known_solution_becomes_a_draft_sheet(login_as):
    provider = ProviderFactory()
    feedback = SearchFeedback(
        territory_id=territory(LA).id,
        kind=FeedbackKind.KNOWN_SOLUTION,
        commune_code="44109",
        theme="mobilite--preparer-un-permis",
        structure_name=provider.name,
        service_name="Code de la route en soirée",
        comment="Cours du soir pour le code.",
    )
    db.session.add(feedback)
    db.session.commit()
    client = login_as(member(Role.COORDINATOR, LA))
    queue = client.get(f"{BASE}/coordination/retours")
    assert "Code de la route en soirée" in unescape(queue.text)
    missing = client.post(f"{BASE}/coordination/retours/{feedback.id}/accepter", data={})
    assert missing.status_code == 303 and reload(feedback).status == SuggestionStatus.PENDING
    client.post(
        f"{BASE}/coordination/retours/{feedback.id}/accepter", data={"provider": provider.slug}
    )
    feedback = reload(feedback)
    assert feedback.status == SuggestionStatus.ACCEPTED
    draft = db.session.get(Service, feedback.draft_service_id)
    assert draft.status == ServiceStatus.DRAFT and draft.provider_id == provider.id
    assert draft.name == "Code de la route en soirée"
    assert draft.thematiques == ["mobilite--preparer-un-permis"] and draft.zone == ["44109"]


def test_only_coordinators_reach_the_queue(login_as):
    client = login_as(member(Role.PROFESSIONAL, LA))
    assert client.get(f"{BASE}/coordination/retours").status_code == 403


def test_the_time_saved_question_at_most_once_a_month_and_skippable(login_as):
    user = member(Role.PROFESSIONAL, LA)
    client = login_as(user)
    assert "gagné du temps" in unescape(client.get(f"{BASE}/orientations/").text)
    client.post(f"{BASE}/temps-gagne", data={"answer": "passer"})
    assert "gagné du temps" not in unescape(client.get(f"{BASE}/orientations/").text)
    answer = db.session.scalar(select(TimeSavedAnswer))
    assert answer.saved_time is None
    answer.at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert "gagné du temps" in unescape(client.get(f"{BASE}/orientations/").text)
    bad = client.post(f"{BASE}/temps-gagne", data={"answer": "peut-etre"})
    assert bad.status_code == 422


def _log(
    la, *, opened=False, oriented=False, count=3, theme="mobilite", commune="44109", days_ago=1
):
    created = utcnow() - timedelta(days=days_ago)
    log = SearchLog(
        territory_id=la,
        commune_code=commune,
        theme=theme,
        answers={},
        filters={},
        result_count=count,
        created_at=created,
        sheet_opened_at=created + timedelta(minutes=5) if opened or oriented else None,
        oriented_at=created + timedelta(minutes=9) if oriented else None,
    )
    db.session.add(log)
    return log


def test_the_three_indicators_on_known_data():
    la = territory(LA).id
    for _ in range(4):
        _log(la)
    for _ in range(3):
        _log(la, opened=True)
    for _ in range(3):
        _log(la, oriented=True)
    _log(la, oriented=True, days_ago=200)  # out of the period
    _log(territory("ardennes").id, oriented=True)  # another territory
    users = [member(Role.PROFESSIONAL, LA) for _ in range(4)]
    for user, saved in zip(users, [True, False, None, False], strict=True):
        db.session.add(TimeSavedAnswer(territory_id=la, user_id=user.id, saved_time=saved))
    # A caseworker's latest answer counts, once.
    db.session.add(TimeSavedAnswer(territory_id=la, user_id=users[1].id, saved_time=True))
    db.session.commit()
    with bound_to(la):
        measures = search_indicators()
    values = {
        i["key"]: (round(i["value"]), i["count"], i["reached"]) for i in measures["indicators"]
    }
    assert values == {
        "sheet_rate": (60, 10, True),
        "orientation_rate": (30, 10, True),
        "time_saved_rate": (67, 3, True),
    }


def test_indicators_without_data_say_so():
    with bound_to(territory(LA).id):
        measures = search_indicators()
    assert all(i["value"] is None and i["reached"] is None for i in measures["indicators"])
    assert measures["tension"] == [] and measures["median_days_to_start"] is None


def test_delay_from_search_to_start_and_tension_on_known_data(login_as):
    la = territory(LA).id
    service = ServiceFactory(published=True)
    log = _log(la, oriented=True, days_ago=10)
    _log(la, count=0, theme="famille--garde-denfants", commune="44162")
    _log(la, count=0, theme="famille--garde-denfants", commune="44162")
    _log(la, count=4, theme="famille--garde-denfants", commune="44162")
    _log(la, count=2, theme="logement-hebergement", commune="44109")
    db.session.flush()
    db.session.add(
        SearchFeedback(
            territory_id=la,
            kind=FeedbackKind.NO_SOLUTION,
            commune_code="44109",
            theme="logement-hebergement",
        )
    )
    db.session.add(
        Orientation(
            territory_id=la,
            service_id=service.id,
            search_id=log.id,
            first_name="A",
            last_name="B",
            reason="x",
            person_agreed=True,
            started_on=date.today() - timedelta(days=3),
        )
    )
    db.session.commit()
    with bound_to(la):
        measures = search_indicators()
    assert measures["median_days_to_start"] == 7
    assert [
        (t["theme"], t["commune"], t["searches"], t["empty"], t["reports"])
        for t in measures["tension"]
    ] == [
        ("Garde d'enfant", "Saint-Herblain", 3, 2, 0),
        ("Logement et hébergement", "Nantes", 1, 0, 1),
    ]
    page = login_as(member(Role.COORDINATOR, LA)).get(f"{BASE}/coordination/")
    text = unescape(page.text)
    assert "Recherches aboutissant sur une fiche solution" in text
    assert "Saint-Herblain" in text and "7 jours (médiane, 1 démarrage)" in text


@pytest.mark.parametrize("role", [Role.PROFESSIONAL, Role.STRUCTURE_ADMIN])
def test_the_dashboard_is_for_coordinators(login_as, role):
    assert login_as(member(role, LA)).get(f"{BASE}/coordination/").status_code == 403


def test_the_demo_has_searches_and_orientations_in_every_state(app, login_as):
    runner = app.test_cli_runner()
    for _ in range(2):  # idempotent
        result = runner.invoke(args=["seed", "demo"])
        assert result.exit_code == 0, result.output
    for slug in ("loire-atlantique", "ardennes", "la-reunion"):
        with bound_to(territory(slug).id):
            states = set(db.session.scalars(select(Orientation.status)))
            assert {s.value for s in states} == {"open", "accepted", "refused", "expired"}
            assert (
                db.session.scalar(
                    select(func.count(Orientation.id)).where(Orientation.started_on.is_not(None))
                )
                == 2
            )
            assert db.session.scalar(select(func.count(SearchLog.id))) == 80
            measures = search_indicators()
        assert all(i["value"] is not None for i in measures["indicators"])
        assert measures["tension"] and measures["median_days_to_start"] is not None
    from app.accounts.models import User
    from app.accounts.seed import DEMO_PASSWORD

    pro = db.session.scalar(
        select(User).where(User.email == "professional.44@demo.spie.beta.gouv.fr")
    )
    page = login_as(pro, DEMO_PASSWORD).get(f"{BASE}/orientations/")
    assert "Julie Fabre" in page.text and "Expirée sans réponse" in unescape(page.text)
