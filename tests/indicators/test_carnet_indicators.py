"""Carnet de bord indicators: computed on known data, in the bound territory only."""

from app.accounts.roles import Role
from app.core.models import utcnow
from app.core.querycount import count_queries
from app.core.scoping import bound_to
from app.indicators.carnet import carnet_indicators
from tests.carnet.coordination_factories import notebook_with_activity, survey_answer
from tests.factories import member, territory

SSD = "seine-saint-denis"


def indicators_of(slug=SSD, now=None):
    with bound_to(territory(slug).id):
        return carnet_indicators(now=now)


def test_six_active_notebooks_out_of_ten_reach_the_60_percent_target():
    now = utcnow()
    for _ in range(6):
        notebook_with_activity(viewed_days_ago=2, modified_days_ago=5, now=now)
    notebook_with_activity(viewed_days_ago=1, now=now)  # viewed, never modified
    notebook_with_activity(modified_days_ago=1, now=now)  # modified, never viewed
    notebook_with_activity(viewed_days_ago=31, modified_days_ago=31, now=now)  # too old
    notebook_with_activity(
        viewed_days_ago=1, modified_days_ago=31, now=now
    )  # modified too long ago
    notebook_with_activity(viewed_days_ago=1, modified_days_ago=1, archived=True, now=now)
    # Another territory's notebooks count there, not here.
    for _ in range(3):
        notebook_with_activity("loire-atlantique", viewed_days_ago=1, modified_days_ago=1, now=now)

    result = indicators_of(now=now)

    assert (result["notebooks"], result["active_notebooks"]) == (10, 6)
    assert result["active_rate"]["value"] == 60
    assert result["active_rate"]["reached"] is True
    assert result["cohort"]["value"] == 10
    assert result["cohort"]["reached"] is False  # target: 50 people
    other = indicators_of("loire-atlantique", now=now)
    assert (other["notebooks"], other["active_notebooks"]) == (3, 3)


def test_five_active_out_of_ten_is_under_target_and_no_notebook_means_no_rate():
    assert indicators_of()["active_rate"]["value"] is None
    assert indicators_of()["active_rate"]["reached"] is None
    for i in range(10):
        days = 3 if i < 5 else 40
        notebook_with_activity(viewed_days_ago=days, modified_days_ago=days)
    result = indicators_of()
    assert result["active_rate"]["value"] == 50
    assert result["active_rate"]["reached"] is False


def test_survey_indicators_count_non_skipped_answers_of_the_territory():
    # Recommends: people and professionals together: 3 yes out of 4 = 75 %.
    survey_answer("beneficiary", recommends=True, avoided_repeating=True, helped_lift_barrier=False)
    survey_answer(
        "beneficiary", recommends=False, avoided_repeating=False, helped_lift_barrier=False
    )
    survey_answer(
        "professional", recommends=True, discovered_information=True, time_saved_percent=25
    )
    survey_answer(
        "professional", recommends=True, discovered_information=False, time_saved_percent=50
    )
    survey_answer("beneficiary", skipped=True)
    survey_answer("professional", skipped=True)
    survey_answer("beneficiary", "loire-atlantique", recommends=False, avoided_repeating=False)

    result = indicators_of()

    assert (result["recommends"]["value"], result["recommends"]["count"]) == (75, 4)
    assert result["recommends"]["reached"] is True  # target 70 %
    assert (result["avoided_repeating"]["value"], result["avoided_repeating"]["count"]) == (50, 2)
    assert result["avoided_repeating"]["reached"] is True  # target 50 %
    assert result["helped_lift_barrier"]["value"] == 0
    assert result["helped_lift_barrier"]["reached"] is False
    assert result["discovered_information"]["value"] == 50
    assert result["discovered_information"]["reached"] is False  # target 70 %
    assert (result["time_saved"]["value"], result["time_saved"]["count"]) == (37.5, 2)
    assert result["time_saved"]["reached"] is False  # target 50 %
    other = indicators_of("loire-atlantique")
    assert (other["recommends"]["value"], other["recommends"]["count"]) == (0, 1)


def test_no_answers_means_no_rate_rather_than_zero():
    survey_answer("beneficiary", skipped=True)
    result = indicators_of()
    for key in (
        "recommends",
        "avoided_repeating",
        "helped_lift_barrier",
        "discovered_information",
        "time_saved",
    ):
        assert result[key]["value"] is None, key
        assert result[key]["count"] == 0
        assert result[key]["reached"] is None


def test_query_count_does_not_depend_on_the_number_of_notebooks():
    notebook_with_activity(viewed_days_ago=1, modified_days_ago=1)
    survey_answer("professional", recommends=True, time_saved_percent=75)
    with count_queries() as few:
        indicators_of()
    for _ in range(15):
        notebook_with_activity(viewed_days_ago=1, modified_days_ago=1)
        survey_answer("beneficiary", recommends=True)
    with count_queries() as many:
        indicators_of()
    # territory() lookup and its service switches + notebooks aggregate + survey aggregate
    assert len(many) == len(few) <= 4


def test_dashboard_shows_values_targets_and_badges(client, login_as):
    for i in range(10):
        days = 1 if i < 6 else 45
        notebook_with_activity(viewed_days_ago=days, modified_days_ago=days)
    survey_answer("professional", recommends=False, discovered_information=True)
    login_as(member(Role.COORDINATOR))

    page = client.get("/seine-saint-denis/carnet/coordination/indicateurs")

    assert page.status_code == 200
    text = page.text
    assert "Carnets actifs" in text
    assert "60 %" in text and "atteint" in text
    assert "non atteint" in text  # cohort 10 / 50, recommends 0 %
    assert "pas encore de réponses" in text  # nobody answered the people's questions
    assert "10 carnets" in text
    assert "1 réponse" in text


def test_dashboard_is_for_coordinators_only(client, login_as):
    login_as(member(Role.PROFESSIONAL))
    assert client.get("/seine-saint-denis/carnet/coordination/indicateurs").status_code == 403
