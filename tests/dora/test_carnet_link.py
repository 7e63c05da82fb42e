"""Carnet de bord and DORA, both ways: the barrier opens the search prefilled; the orientation
made from it is an action under that barrier, follows its states in the notebook's history, and
the person sees it."""

from __future__ import annotations

from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.accounts.roles import Role
from app.carnet.models import (
    Action,
    ActionStatus,
    BarrierTheme,
    Beneficiary,
    TimelineEvent,
    Visibility,
)
from app.core.models import AuditEntry
from app.dora import carnet_link, questions
from app.dora.models import Orientation, OrientationStatus
from app.extensions import db
from tests.carnet.factories import NotebookFactory, add_barrier, add_member
from tests.conftest import link_in, outbox_messages
from tests.dora.factories import ServiceFactory, reload, territory
from tests.factories import member

LA = "loire-atlantique"
BASE = f"/{LA}"


def test_every_barrier_theme_maps_to_a_search_theme():
    assert set(carnet_link.THEME_OF_BARRIER) == set(BarrierTheme)
    for theme in carnet_link.THEME_OF_BARRIER.values():
        assert questions.is_theme(theme), theme
    assert carnet_link.THEME_OF_BARRIER[BarrierTheme.MOBILITY] == "mobilite"
    assert carnet_link.THEME_OF_BARRIER[BarrierTheme.FAMILY] == "famille--garde-denfants"
    assert carnet_link.THEME_OF_BARRIER[BarrierTheme.HOUSING] == "logement-hebergement"


@pytest.fixture
def notebook():
    notebook = NotebookFactory(territory_id=territory(LA).id)
    person = notebook.beneficiary
    person.commune, person.postal_code = "Saint-Herblain", "44800"
    person.email, person.mobile = "jeanne@exemple.fr", "0612345678"
    db.session.commit()
    return notebook


@pytest.fixture
def pro(notebook):
    user = member(Role.PROFESSIONAL, LA)
    add_member(notebook, user)
    return user


def solution_link(client, notebook, barrier) -> str:
    page = client.get(f"{BASE}/carnet/carnets/{notebook.id}")
    assert page.status_code == 200
    match = unescape(page.text).split(f'id="frein-{barrier.id}-solution"')[0].rsplit('href="', 1)[1]
    return match.split('"')[0]


def test_the_barrier_opens_the_search_with_its_theme_and_the_persons_commune(
    login_as, notebook, pro
):
    barrier = add_barrier(notebook, BarrierTheme.MOBILITY)
    client = login_as(pro)
    url = solution_link(client, notebook, barrier)
    args = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == f"{BASE}/dora/recherche"
    assert args["theme"] == ["mobilite"]
    assert args["commune"] == ["Saint-Herblain (44800)"]
    assert args["frein"][0]  # a grant, not the barrier's id
    assert len(args["frein"][0]) > 20


def test_the_person_and_members_without_consent_get_no_solution_link(client, login_as, notebook):
    barrier = add_barrier(notebook)
    person = member(Role.BENEFICIARY, LA)
    notebook.beneficiary.user_id = person.id
    db.session.commit()
    page = login_as(person).get(f"{BASE}/carnet/carnets/{notebook.id}")
    assert page.status_code == 200 and f"frein-{barrier.id}-solution" not in page.text
    client.post("/deconnexion")
    no_consent = member(Role.PROFESSIONAL, LA)
    add_member(notebook, no_consent, consent=False)
    page = login_as(no_consent).get(f"{BASE}/carnet/carnets/{notebook.id}")
    assert f"frein-{barrier.id}-solution" not in page.text


def test_a_summary_only_barrier_is_not_offered_to_a_non_referent(login_as, notebook, pro):
    barrier = add_barrier(notebook, BarrierTheme.HEALTH, visibility=Visibility.SUMMARY)
    page = login_as(pro).get(f"{BASE}/carnet/carnets/{notebook.id}")
    assert f"frein-{barrier.id}-solution" not in page.text


def _orient_from_barrier(app, client, notebook, barrier, service):
    url = solution_link(client, notebook, barrier)
    location = client.get(url + "&permis=non").headers["Location"]
    args = parse_qs(urlsplit(location).query)
    sheet = client.get(
        f"{BASE}/dora/recherche/fiches/{service.public_id}",
        query_string={"sid": args["sid"][0], "frein": args["frein"][0]},
    )
    hrefs = [part.split('"')[0] for part in unescape(sheet.text).split('href="')[1:]]
    orient_url = next(h for h in hrefs if "/orienter" in h)
    form = client.get(orient_url)
    assert "Depuis le carnet de bord" in unescape(form.text)
    assert 'value="' + notebook.beneficiary.first_name + '"' in unescape(form.text)
    form_args = parse_qs(urlsplit(orient_url).query)
    return client.post(
        f"{BASE}/dora/recherche/fiches/{service.public_id}/orienter",
        data={
            "first_name": notebook.beneficiary.first_name,
            "last_name": notebook.beneficiary.last_name,
            "contact_preference": "caseworker",
            "reason": "Préparer le permis.",
            "person_agreed": "y",
            "sid": form_args["sid"][0],
            "frein": form_args["frein"][0],
        },
    )


def test_an_orientation_from_a_barrier_is_an_action_under_it_that_follows_its_states(
    app, client, login_as, notebook, pro
):
    barrier = add_barrier(notebook, BarrierTheme.MOBILITY)
    service = ServiceFactory(
        published=True,
        name="Auto-école sociale",
        contact_email="accueil@garage.fr",
        thematiques=["mobilite--preparer-un-permis"],
    )
    login_as(pro)
    response = _orient_from_barrier(app, client, notebook, barrier, service)
    assert response.status_code == 303
    orientation = db.session.scalar(select(Orientation))
    assert orientation.barrier_id == barrier.id
    action = db.session.get(Action, orientation.action_id)
    assert action.objective.barrier_id == barrier.id
    assert action.dora_service_id == service.id
    assert action.status == ActionStatus.PLANNED
    notebook_page = unescape(client.get(f"{BASE}/carnet/carnets/{notebook.id}").text)
    assert "Orientation vers « Auto-école sociale »" in notebook_page
    assert f"/dora/fiches/numero/{service.id}" in notebook_page  # linked to the sheet

    # The structure accepts through its link: the notebook shows it, with its history.
    client.post("/deconnexion")
    message = [m for m in outbox_messages(app) if m["to"] == "accueil@garage.fr"][-1]
    link = urlsplit(link_in(message)).path
    client.post(link, data={"action": "accepter"})
    assert reload(orientation).status == OrientationStatus.ACCEPTED
    assert reload(action).status == ActionStatus.IN_PROGRESS
    events = db.session.scalars(
        select(TimelineEvent).where(TimelineEvent.barrier_id == barrier.id)
    ).all()
    summaries = " | ".join(e.summary for e in events)
    assert "Action ajoutée" in summaries
    assert "en cours (orientation acceptée par la structure)" in summaries
    page = unescape(login_as(pro).get(f"{BASE}/carnet/carnets/{notebook.id}").text)
    assert "Orientation : <strong>acceptée</strong>" in page
    assert f'href="{BASE}/dora/orientations/{orientation.public_id}">voir l\'orientation' in page
    client.post("/deconnexion")

    # The person sees it in their notebook.
    person = member(Role.BENEFICIARY, LA)
    db.session.get(Beneficiary, notebook.beneficiary_id).user_id = person.id
    db.session.commit()
    page = unescape(login_as(person).get(f"{BASE}/carnet/carnets/{notebook.id}").text)
    assert "Orientation vers « Auto-école sociale »" in page
    assert "Orientation : <strong>acceptée</strong>" in page
    assert "voir l'orientation" not in page  # the caseworkers' page
    # The sheet link works for them too (the public page).
    sheet = client.get(f"{BASE}/dora/fiches/numero/{service.id}")
    assert sheet.status_code == 303 and service.public_id in sheet.headers["Location"]


def test_a_refused_orientation_cancels_its_action(app, client, login_as, notebook, pro):
    barrier = add_barrier(notebook, BarrierTheme.MOBILITY)
    service = ServiceFactory(published=True, contact_email="accueil@garage.fr")
    login_as(pro)
    _orient_from_barrier(app, client, notebook, barrier, service)
    message = [m for m in outbox_messages(app) if m["to"] == "accueil@garage.fr"][-1]
    client.post(
        urlsplit(link_in(message)).path, data={"action": "refuser", "refusal_reason": "Complet."}
    )
    action = db.session.scalar(select(Action))
    assert reload(action).status == ActionStatus.CANCELLED
    page = unescape(login_as(pro).get(f"{BASE}/carnet/carnets/{notebook.id}").text)
    assert "Orientation : <strong>refusée</strong>" in page
    event = db.session.scalars(
        select(TimelineEvent).where(TimelineEvent.barrier_id == barrier.id)
    ).all()[-1]
    assert event.summary.endswith("annulée (orientation refusée par la structure)")


def test_the_persons_supporters_with_consent_see_the_orientation_and_the_read_is_logged(
    app, client, login_as, notebook, pro
):
    barrier = add_barrier(notebook, BarrierTheme.MOBILITY)
    service = ServiceFactory(published=True, contact_email="accueil@garage.fr")
    login_as(pro)
    _orient_from_barrier(app, client, notebook, barrier, service)
    orientation = db.session.scalar(select(Orientation))
    url = f"{BASE}/dora/orientations/{orientation.public_id}"
    client.post("/deconnexion")

    colleague = member(Role.PROFESSIONAL, LA)  # supports the person, consent given
    add_member(notebook, colleague)
    page = unescape(login_as(colleague).get(url).text)
    assert "Préparer le permis." in page and notebook.beneficiary.last_name in page
    assert f'href="{BASE}/carnet/carnets/{notebook.id}#section-barriers">Retour au carnet' in page
    reads = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.actor_id == colleague.id,
            AuditEntry.object_type == "notebook",
            AuditEntry.object_id == notebook.id,
        )
    ).all()
    assert [r.detail for r in reads] == ["orientation"]
    client.post("/deconnexion")

    without_consent = member(Role.PROFESSIONAL, LA)
    add_member(notebook, without_consent, consent=False)
    assert login_as(without_consent).get(url).status_code == 404
    client.post("/deconnexion")
    stranger = member(Role.PROFESSIONAL, LA)
    assert login_as(stranger).get(url).status_code == 404
    client.post("/deconnexion")
    person = member(Role.BENEFICIARY, LA)
    db.session.get(Beneficiary, notebook.beneficiary_id).user_id = person.id
    db.session.commit()
    refused = login_as(person).get(url)  # DORA is for caseworkers: their notebook shows the state
    assert refused.status_code == 403 and "Préparer le permis." not in refused.text
    client.post("/deconnexion")

    # A barrier shared in summary only: its detail, and the orientation, stay with the referent.
    reload(barrier).visibility = Visibility.SUMMARY
    db.session.commit()
    assert login_as(colleague).get(url).status_code == 404


def test_another_caseworkers_grant_does_not_link_the_barrier(app, client, login_as, notebook, pro):
    barrier = add_barrier(notebook, BarrierTheme.MOBILITY)
    service = ServiceFactory(published=True, contact_email="accueil@garage.fr")
    url = solution_link(login_as(pro), notebook, barrier)
    grant = parse_qs(urlsplit(url).query)["frein"][0]
    client.post("/deconnexion")
    other = member(Role.PROFESSIONAL, LA)
    login_as(other)
    response = client.post(
        f"{BASE}/dora/recherche/fiches/{service.public_id}/orienter",
        data={
            "first_name": "A",
            "last_name": "B",
            "contact_preference": "caseworker",
            "reason": "x",
            "person_agreed": "y",
            "frein": grant,
        },
    )
    assert response.status_code == 303
    orientation = db.session.scalar(select(Orientation))
    assert orientation.barrier_id is None and orientation.action_id is None
    assert db.session.scalars(select(Action)).all() == []
