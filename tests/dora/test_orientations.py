"""Orientations: the caseworker's form, the structure's signed link (accept, refuse, start,
expired and renewed, tampered), reminders and expiry, who sees the person, anonymisation."""

from __future__ import annotations

import time
from datetime import date, timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app.accounts.roles import Role
from app.core.models import OutgoingMail, utcnow
from app.core.scoping import bound_to
from app.dora import orientations
from app.dora.models import Orientation, OrientationEvent, OrientationStatus, SearchLog
from app.extensions import db
from tests.conftest import link_in, outbox_messages
from tests.dora.factories import ServiceFactory, provider_member, reload, territory
from tests.factories import member

LA = "loire-atlantique"
BASE = "/loire-atlantique/dora"


def orientation_data(**overrides):
    data = {
        "first_name": "Jeanne",
        "last_name": "Martin",
        "phone": "06 12 34 56 78",
        "contact_preference": "phone",
        "situation": "Reprend un emploi à 30 km, sans permis.",
        "reason": "Préparer le permis B.",
        "person_agreed": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def service():
    return ServiceFactory(published=True, contact_email="accueil@garage.fr")


@pytest.fixture
def caseworker():
    return member(Role.PROFESSIONAL, LA)


def orient(client, service, **overrides):
    return client.post(
        f"{BASE}/recherche/fiches/{service.public_id}/orienter", data=orientation_data(**overrides)
    )


def path_of(url: str) -> str:
    return urlsplit(url).path


def structure_link(app) -> str:
    message = [m for m in outbox_messages(app) if m["to"] == "accueil@garage.fr"][-1]
    return path_of(link_in(message))


def test_a_caseworker_orients_and_the_structure_gets_a_signed_link(
    app, login_as, service, caseworker
):
    client = login_as(caseworker)
    form = client.get(f"{BASE}/recherche/fiches/{service.public_id}/orienter")
    assert form.status_code == 200 and "accord" in unescape(form.text)
    response = orient(client, service)
    assert response.status_code == 303
    orientation = db.session.scalar(select(Orientation))
    assert response.headers["Location"].endswith(f"/orientations/{orientation.public_id}")
    assert orientation.status == OrientationStatus.OPEN
    assert orientation.person_name == "Jeanne Martin"
    assert [e.transition for e in orientation.events] == ["create"]
    (message,) = [m for m in outbox_messages(app) if m["to"] == "accueil@garage.fr"]
    assert link_in(message).startswith(
        "http://portail.test/loire-atlantique/dora/orientations/lien/"
    )
    assert "Jeanne" not in message["body"]  # the person's details stay behind the link
    mine = client.get(f"{BASE}/orientations/")
    assert "Jeanne Martin" in mine.text and "En attente de réponse" in unescape(mine.text)


def test_without_the_persons_agreement_nothing_is_saved(login_as, service, caseworker):
    client = login_as(caseworker)
    response = orient(client, service, person_agreed=None)
    assert response.status_code == 422
    assert "la personne doit avoir donné son accord" in unescape(response.text)
    assert db.session.scalars(select(Orientation)).all() == []


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"first_name": ""}, "Ce champ est obligatoire"),
        ({"reason": ""}, "Ce champ est obligatoire"),
        ({"contact_preference": "email", "email": ""}, "Indiquez l'adresse électronique"),
        ({"phone": "12"}, "numéro de téléphone valide"),
        ({"contact_preference": "pigeon"}, "fr-message--error"),
        ({"criteria": "inventé"}, "Critère inconnu"),
        ({"reason": "x" * 2001}, "2000 caractères"),
    ],
)
def test_bad_orientation_input_gets_field_messages(
    login_as, service, caseworker, overrides, message
):
    client = login_as(caseworker)
    response = orient(client, service, **overrides)
    assert response.status_code == 422
    assert message.lower() in unescape(response.text).lower()
    assert db.session.scalars(select(Orientation)).all() == []


def test_a_service_without_email_cannot_receive_orientations(login_as, caseworker):
    service = ServiceFactory(published=True, contact_email=None)
    service.provider.structure.email = None
    db.session.commit()
    response = orient(login_as(caseworker), service)
    assert response.status_code == 422
    assert "contactez-le par téléphone" in unescape(response.text)


def test_anonymous_and_other_territories_cannot_orient(client, login_as, service):
    response = orient(client, service)
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    outsider = member(Role.PROFESSIONAL, "ardennes")
    assert orient(login_as(outsider), service).status_code == 404
    assert db.session.scalars(select(Orientation)).all() == []


def test_the_structure_accepts_then_gives_the_start_date(
    app, client, login_as, service, caseworker
):
    orient(login_as(caseworker), service)
    client.post("/deconnexion")
    link = structure_link(app)
    page = client.get(link)
    text = unescape(page.text)
    assert page.status_code == 200
    assert "Jeanne Martin" in text and "Préparer le permis B." in text
    assert '<form method="post"' in page.text  # the page only shows; its buttons POST
    assert reload(db.session.scalar(select(Orientation))).status == OrientationStatus.OPEN
    accepted = client.post(link, data={"action": "accepter"})
    assert accepted.status_code == 200 and "Vous avez accepté" in unescape(accepted.text)
    orientation = reload(db.session.scalar(select(Orientation)))
    assert orientation.status == OrientationStatus.ACCEPTED and orientation.decided_at
    assert any(
        m["to"] == caseworker.email and "acceptée" in m["subject"] for m in outbox_messages(app)
    )
    started = client.post(
        link, data={"action": "demarrage", "started_on": date.today().isoformat()}
    )
    assert started.status_code == 200
    orientation = reload(orientation)
    assert orientation.started_on == date.today()
    assert [e.transition for e in orientation.events] == ["create", "accept", "start"]
    # Accepting twice is refused by the workflow's table, clearly.
    again = client.post(link, data={"action": "accepter"})
    assert again.status_code == 409 and "acceptée" in unescape(again.text)


def test_a_refusal_needs_its_reason(app, client, login_as, service, caseworker):
    orient(login_as(caseworker), service)
    link = structure_link(app)
    client.post("/deconnexion")
    missing = client.post(link, data={"action": "refuser", "refusal_reason": ""})
    assert missing.status_code == 422
    assert reload(db.session.scalar(select(Orientation))).status == OrientationStatus.OPEN
    client.post(link, data={"action": "refuser", "refusal_reason": "Plus de place avant juin."})
    orientation = reload(db.session.scalar(select(Orientation)))
    assert orientation.status == OrientationStatus.REFUSED
    assert orientation.refusal_reason == "Plus de place avant juin."


def test_a_start_date_before_the_orientation_is_refused(app, client, login_as, service, caseworker):
    orient(login_as(caseworker), service)
    link = structure_link(app)
    client.post(link, data={"action": "accepter"})
    before = (date.today() - timedelta(days=3)).isoformat()
    response = client.post(link, data={"action": "demarrage", "started_on": before})
    assert response.status_code == 409
    assert "ne peut pas précéder" in unescape(response.text)
    assert reload(db.session.scalar(select(Orientation))).started_on is None


@pytest.mark.parametrize("tamper", ["x", "AAAA", ".."])
def test_a_tampered_link_is_refused(app, client, login_as, service, caseworker, tamper):
    orient(login_as(caseworker), service)
    link = structure_link(app)
    response = client.post(link[:-4] + tamper, data={"action": "accepter"})
    assert response.status_code in (400, 404)
    assert reload(db.session.scalar(select(Orientation))).status == OrientationStatus.OPEN
    page = client.get(f"{BASE}/orientations/lien/nimportequoi")
    assert page.status_code == 400 and "n'est pas valide" in unescape(page.text)


def test_a_link_acts_on_its_own_orientation_only(app, client, login_as, caseworker):
    first = ServiceFactory(published=True, contact_email="accueil@garage.fr")
    second = ServiceFactory(published=True, contact_email="autre@structure.fr")
    logged = login_as(caseworker)
    orient(logged, first)
    orient(logged, second, first_name="Paul")
    link = structure_link(app)
    client.post(link, data={"action": "accepter"})
    states = {o.first_name: o.status for o in db.session.scalars(select(Orientation))}
    assert states == {"Jeanne": OrientationStatus.ACCEPTED, "Paul": OrientationStatus.OPEN}


def _signed_days_ago(app, orientation, days: int) -> str:
    """The structure's link as it was signed `days` ago."""

    class Past(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - days * 86400

    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt=orientations._SALT, signer=Past
    )
    return f"{BASE}/orientations/lien/" + serializer.dumps(
        [orientation.id, orientation.link_version]
    )


def test_an_expired_link_is_renewed_to_the_structures_address(
    app, client, login_as, service, caseworker
):
    orient(login_as(caseworker), service)
    orientation = db.session.scalar(select(Orientation))
    assert client.get(_signed_days_ago(app, orientation, 7)).status_code == 200
    link = _signed_days_ago(app, orientation, 9)
    page = client.get(link)
    assert "Ce lien a expiré" in unescape(page.text)
    assert client.post(link, data={"action": "accepter"}).status_code == 400
    assert reload(orientation).status == OrientationStatus.OPEN
    renewed = client.post(link, data={"action": "renouveler"})
    assert "nouveau lien a été envoyé" in unescape(renewed.text)
    new_link = structure_link(app)
    assert "remplacé par un plus récent" in unescape(client.get(link).text)
    client.post(new_link, data={"action": "accepter"})
    assert reload(orientation).status == OrientationStatus.ACCEPTED
    assert [e.transition for e in reload(orientation).events] == ["create", "renew_link", "accept"]


def test_a_reminder_after_ten_days_and_expiry_after_thirty(app, login_as, service, caseworker):
    orient(login_as(caseworker), service)
    orientation = db.session.scalar(select(Orientation))
    la = territory(LA).id
    with bound_to(la):
        assert orientations.remind_and_expire(utcnow() + timedelta(days=9)) == (0, 0)
        assert orientations.remind_and_expire(utcnow() + timedelta(days=10, minutes=1)) == (1, 0)
        assert orientations.remind_and_expire(utcnow() + timedelta(days=11)) == (0, 0)
        db.session.commit()
    # Queued in the command's transaction (sent by the mail worker): a fresh 8-day link.
    reminders = db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.subject.startswith("Relance"))
    ).all()
    assert [m.to for m in reminders] == ["accueil@garage.fr"]
    first_link = structure_link(app)
    reminder_link = path_of(link_in({"body": reminders[0].body}))
    assert reminder_link != first_link
    client = app.test_client()
    assert "Accepter" in unescape(client.get(reminder_link).text)
    assert "remplacé par un plus récent" in unescape(client.get(first_link).text)
    with bound_to(la):
        assert orientations.remind_and_expire(utcnow() + timedelta(days=30, minutes=1)) == (0, 1)
        db.session.commit()
    orientation = reload(orientation)
    assert orientation.status == OrientationStatus.EXPIRED
    assert [e.transition for e in orientation.events] == ["create", "remind", "expire"]


def test_the_daily_command_reminds_and_expires(app, login_as, service, caseworker):
    orient(login_as(caseworker), service)
    orientation = db.session.scalar(select(Orientation))
    orientation.created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["dora", "orientations", "--territory", LA])
    assert "1 expiration(s)" in result.output
    assert reload(orientation).status == OrientationStatus.EXPIRED


def test_who_sees_the_persons_details(login_as, client, service, caseworker):
    orient(login_as(caseworker), service)
    orientation = db.session.scalar(select(Orientation))
    url = f"{BASE}/orientations/{orientation.public_id}"
    assert "Jeanne Martin" in client.get(url).text
    client.post("/deconnexion")
    colleague = member(Role.PROFESSIONAL, LA)
    assert login_as(colleague).get(url).status_code == 404
    client.post("/deconnexion")
    coordinator = member(Role.COORDINATOR, LA)
    assert login_as(coordinator).get(url).status_code == 404
    client.post("/deconnexion")
    structure_member = provider_member(service.provider)
    assert "Jeanne Martin" in login_as(structure_member).get(url).text


def test_orientations_are_anonymised_after_two_years_dry_run_first(
    app, login_as, service, caseworker
):
    from app.carnet.models import BarrierTheme
    from app.dora.models import ContactPreference
    from tests.carnet.factories import NotebookFactory, add_barrier

    orient(login_as(caseworker), service)
    orientation = db.session.scalar(select(Orientation))
    barrier = add_barrier(NotebookFactory(territory_id=territory(LA).id), BarrierTheme.MOBILITY)
    orientation = reload(orientation)
    orientation.created_at = utcnow() - timedelta(days=731)
    orientation.barrier_id = barrier.id
    orientation.criteria = ["N'a pas le permis de conduire"]
    orientation.contact_preference = ContactPreference.PHONE
    orientation.situation = "Sans voiture depuis juin."
    db.session.commit()
    assert orient(login_as(caseworker), service).status_code == 303
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["dora", "anonymise-orientations"])
    assert "1 orientation(s) à anonymiser" in dry.output
    assert reload(orientation).first_name == "Jeanne"
    runner.invoke(args=["dora", "anonymise-orientations", "--apply"])
    orientation = reload(orientation)
    assert (orientation.first_name, orientation.last_name) == ("—", "—")
    assert orientation.email is None and orientation.phone is None
    assert (orientation.situation, orientation.reason, orientation.refusal_reason) == ("", "", "")
    assert orientation.criteria == []
    assert orientation.contact_preference == ContactPreference.CASEWORKER
    assert orientation.barrier_id is None and orientation.action_id is None  # not traceable
    assert orientation.anonymised_at is not None
    assert orientation.service_id == service.id and orientation.created_at < utcnow()
    others = db.session.scalars(select(Orientation).where(Orientation.id != orientation.id)).all()
    assert [o.first_name for o in others] == ["Jeanne"]  # the recent one is kept
    assert orientation.status == OrientationStatus.OPEN  # the indicators keep counting it


def test_the_workflow_table_declares_every_transition():
    assert set(orientations.TRANSITIONS) == {
        "create",
        "accept",
        "refuse",
        "remind",
        "expire",
        "start",
        "renew_link",
    }
    for transition in orientations.TRANSITIONS.values():
        assert transition.label and transition.by in {"caseworker", "structure", "system"}
    closed = {OrientationStatus.REFUSED, OrientationStatus.EXPIRED}
    for name, transition in orientations.TRANSITIONS.items():
        assert not (transition.sources & closed), name


def test_an_orientation_from_a_search_sheet_counts_for_the_search(login_as, service, caseworker):
    client = login_as(caseworker)
    location = client.get(
        f"{BASE}/recherche", query_string={"commune": "44109", "theme": "mobilite", "permis": "non"}
    ).headers["Location"]
    sid = location.split("sid=")[1].split("&")[0]
    client.get(f"{BASE}/recherche/fiches/{service.public_id}", query_string={"sid": sid})
    form = client.get(
        f"{BASE}/recherche/fiches/{service.public_id}/orienter", query_string={"sid": sid}
    )
    assert "La personne a-t-elle le permis de conduire ? Non" in unescape(form.text)
    client.post(
        f"{BASE}/recherche/fiches/{service.public_id}/orienter",
        data=orientation_data(sid=sid, criteria="La personne a-t-elle le permis de conduire ? Non"),
    )
    orientation = db.session.scalar(select(Orientation))
    log = db.session.scalar(select(SearchLog))
    assert orientation.search_id == log.id and log.oriented_at is not None
    assert orientation.criteria == ["La personne a-t-elle le permis de conduire ? Non"]
    assert db.session.scalars(select(OrientationEvent)).all()
