"""The in-app questionnaire and appointments."""

import html
from datetime import timedelta

from sqlalchemy import select

from app.accounts.roles import Role
from app.carnet.models import Appointment, SurveyResponse
from app.core.models import utcnow
from app.extensions import db
from tests.carnet.factories import NotebookFactory, add_member
from tests.factories import member

SSD = "/seine-saint-denis/carnet"


def professional_with_notebook():
    pro = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, pro)
    return pro, notebook


def test_professionals_are_invited_answer_once_and_are_not_asked_again_for_30_days(
    client, login_as
):
    pro, notebook = professional_with_notebook()
    login_as(pro)
    assert "répondez à 3 questions" in client.get(f"{SSD}/carnets/{notebook.id}").text
    incomplete = client.post(f"{SSD}/questionnaire", data={"recommends": "oui"})
    assert incomplete.status_code == 422
    assert "Choisissez une réponse." in incomplete.text
    assert db.session.scalar(select(SurveyResponse)) is None

    done = client.post(
        f"{SSD}/questionnaire",
        data={"recommends": "oui", "discovered_information": "non", "time_saved_percent": "50"},
    )
    assert done.status_code == 303
    answer = db.session.scalar(select(SurveyResponse))
    assert (
        answer.respondent,
        answer.recommends,
        answer.discovered_information,
        answer.time_saved_percent,
    ) == ("professional", True, False, 50)
    assert "répondez à 3 questions" not in client.get(f"{SSD}/carnets/{notebook.id}").text
    again = client.post(f"{SSD}/questionnaire", data={"recommends": "non"})
    assert again.status_code == 303
    assert len(db.session.scalars(select(SurveyResponse)).all()) == 1

    stored = db.session.scalar(select(SurveyResponse))
    stored.answered_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert "répondez à 3 questions" in client.get(f"{SSD}/carnets/{notebook.id}").text


def test_people_answer_their_own_questions_and_may_skip(client, login_as):
    person = member(Role.BENEFICIARY)
    notebook = NotebookFactory()
    notebook.beneficiary.user_id = person.id
    db.session.commit()
    login_as(person)
    page = client.get(f"{SSD}/questionnaire")
    assert "répéter votre situation" in html.unescape(page.text)
    skipped = client.post(f"{SSD}/questionnaire", data={"skip": "1"})
    assert skipped.status_code == 303
    response = db.session.scalar(select(SurveyResponse))
    assert response.skipped and response.respondent == "beneficiary" and response.recommends is None
    assert "répondez à 3 questions" not in client.get(f"{SSD}/carnets/{notebook.id}").text


def test_the_questionnaire_is_only_for_people_using_a_notebook(client, login_as):
    login_as(member(Role.PROFESSIONAL))
    assert client.get(f"{SSD}/questionnaire").status_code == 404


def test_appointments_are_planned_and_marked_present_or_absent(client, login_as):
    pro, notebook = professional_with_notebook()
    login_as(pro)
    bad = client.post(f"{SSD}/carnets/{notebook.id}/rendez-vous", data={"at": "demain"})
    assert bad.status_code == 422
    client.post(f"{SSD}/carnets/{notebook.id}/rendez-vous", data={"at": "2026-12-03T14:30"})
    appointment = db.session.scalar(select(Appointment))
    assert appointment.at.isoformat().startswith("2026-12-03T13:30")  # stored in UTC
    client.post(
        f"{SSD}/carnets/{notebook.id}/rendez-vous/{appointment.id}", data={"status": "absent"}
    )
    page = client.get(f"{SSD}/carnets/{notebook.id}")
    assert "03/12/2026 à 14:30" in page.text and "Absent·e" in page.text
