"""Consent renewal ("réinterroger régulièrement le consentement"): a month before a consent lapses
the person is asked once per period, by mail and in their notebook, to renew it or not; the
professional sees the date their access ends."""

from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import select

from app.accounts.roles import Role
from app.carnet import renewals
from app.carnet.models import Consent, TimelineEvent
from app.core import jobs
from app.core.models import AuditEntry, utcnow
from app.core.scoping import bound_to
from app.extensions import db
from tests.carnet.factories import NotebookFactory, add_member
from tests.conftest import link_in, outbox_messages
from tests.factories import member, territory

SSD = "/seine-saint-denis"
DAYS_10 = timedelta(days=10)


def lapsing(days=20):
    person = member(Role.BENEFICIARY, first_name="Inès")
    notebook = NotebookFactory(beneficiary__user_id=person.id)
    pro = member(Role.PROFESSIONAL, first_name="Paul", last_name="Pro")
    add_member(notebook, pro, expires_in_days=days)
    consent = db.session.scalar(select(Consent).where(Consent.notebook_id == notebook.id))
    return person, pro, notebook, consent


def run_renewal_job(app, now=None):
    return jobs.run_due(now=now, only="carnet.consent_renewal")["carnet.consent_renewal"]


def test_the_person_is_asked_once_by_mail_a_month_before_the_consent_lapses(app):
    person, _pro, notebook, consent = lapsing(days=20)
    _, _, _, later = lapsing(days=45)  # not yet
    mine = [m for m in [*outbox_messages(app)] if m["to"] == person.email]
    assert mine == []

    assert run_renewal_job(app) == "exécuté : 1 renouvellement(s) demandé(s)"
    [mail] = outbox_messages(app)
    assert mail["to"] == person.email
    assert "continuer à partager" in mail["subject"]
    assert "Paul Pro" in mail["body"] and consent.expires_at.strftime("%d/%m/%Y") in mail["body"]
    assert link_in(mail) == (
        f"http://portail.test{SSD}/carnet/carnets/{notebook.id}#renouvellement"
    )
    # Idempotent: the job due again the next day asks nothing more in the same period.
    again = run_renewal_job(app, now=utcnow() + timedelta(days=1, minutes=1))
    assert again == "exécuté : 0 renouvellement(s) demandé(s)"
    assert len(outbox_messages(app)) == 1
    assert db.session.scalar(
        select(TimelineEvent.summary).where(TimelineEvent.notebook_id == notebook.id)
    ).startswith("Votre accord de partage avec Paul Pro prend fin le")


def test_renewing_from_the_notice_extends_the_consent_and_records_it(app, client, login_as):
    person, _pro, notebook, consent = lapsing(days=20)
    run_renewal_job(app)
    login_as(person)
    page = html.unescape(client.get(f"{SSD}/carnet/carnets/{notebook.id}").text)
    assert "Souhaitez-vous continuer à partager votre carnet ?" in page
    assert "Votre accord de partage avec Paul Pro prend fin le" in page

    response = client.post(
        f"{SSD}/carnet/carnets/{notebook.id}/renouvellement/{consent.id}",
        data={"decision": "renouveler"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    renewed = db.session.get(Consent, consent.id)
    assert renewed.expires_at > utcnow() + timedelta(days=170)
    assert "Partage renouvelé" in html.unescape(client.get(response.location).text)
    assert "continuer à partager" not in html.unescape(
        client.get(f"{SSD}/carnet/carnets/{notebook.id}").text
    )
    assert db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.detail.like("consent: Partage accordé"))
    )
    # A new period: the person will be asked again a month before it ends.
    with bound_to(notebook.territory_id):
        assert renewals.ask_due(territory("seine-saint-denis"), now=utcnow()) == 0
        assert (
            renewals.ask_due(territory("seine-saint-denis"), now=renewed.expires_at - DAYS_10) == 1
        )


def test_declining_lets_the_consent_lapse_and_hides_the_notice(app, client, login_as):
    person, pro, notebook, consent = lapsing(days=20)
    expires = consent.expires_at
    run_renewal_job(app)
    login_as(person)
    response = client.post(
        f"{SSD}/carnet/carnets/{notebook.id}/renouvellement/{consent.id}",
        data={"decision": "laisser"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    kept = db.session.get(Consent, consent.id)
    assert kept.expires_at == expires and kept.renewal_declined_at is not None
    page = html.unescape(client.get(f"{SSD}/carnet/carnets/{notebook.id}").text)
    assert "Partage non renouvelé" in page
    assert "continuer à partager" not in page
    # The answer was taken: the same form again is a 404 (nothing awaits an answer).
    assert (
        client.post(
            f"{SSD}/carnet/carnets/{notebook.id}/renouvellement/{consent.id}",
            data={"decision": "renouveler"},
        ).status_code
        == 404
    )


def test_only_the_person_answers_and_only_what_they_were_asked(app, client, login_as):
    person, pro, notebook, consent = lapsing(days=20)
    url = f"{SSD}/carnet/carnets/{notebook.id}/renouvellement/{consent.id}"
    login_as(person)
    assert client.post(url, data={"decision": "renouveler"}).status_code == 404  # not asked yet
    run_renewal_job(app)
    client.post("/deconnexion")
    login_as(pro)
    assert client.post(url, data={"decision": "renouveler"}).status_code in (403, 404)


def test_the_professional_sees_when_their_access_ends(app, client, login_as):
    _person, pro, notebook, consent = lapsing(days=20)
    login_as(pro)
    page = html.unescape(client.get(f"{SSD}/carnet/carnets/{notebook.id}").text)
    assert f"Partage jusqu'au {consent.expires_at.strftime('%d/%m/%Y')}" in page


def test_a_consent_far_from_its_end_shows_no_date(app, client, login_as):
    _person, pro, notebook, _consent = lapsing(days=150)
    login_as(pro)
    assert "Partage jusqu'au" not in client.get(f"{SSD}/carnet/carnets/{notebook.id}").text
