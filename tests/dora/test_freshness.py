"""Reminders mailed by `flask dora remind` (at most once per period, sent after the commit), and
the signed one-click link they carry (GET changes nothing; tampered or expired: refused)."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

from app.core.models import utcnow
from app.core.scoping import bound_to
from app.dora import freshness
from tests.conftest import link_in, outbox_messages
from tests.dora.factories import ProviderFactory, ServiceFactory, provider_member, reload, territory


def remind(app):
    return app.test_cli_runner().invoke(args=["dora", "remind"])


def test_remind_mails_each_structure_its_sheets_to_refresh_once_per_period(app):
    provider = ProviderFactory()
    admin = provider_member(provider)
    due = ServiceFactory(provider=provider, due=True, name="Location de scooters")
    ServiceFactory(provider=provider, published=True, name="Fiche à jour")
    ServiceFactory(provider=ProviderFactory(), published=True)  # nothing to refresh there
    result = remind(app)
    assert result.exit_code == 0, result.output
    messages = outbox_messages(app)
    assert [m["to"] for m in messages] == [admin.email]
    assert "Location de scooters" in messages[0]["body"]
    assert "Fiche à jour" not in messages[0]["body"]
    assert "/loire-atlantique/dora/actualiser/" in link_in(messages[0])
    # Safe to run twice: nothing more is sent within the period.
    assert remind(app).exit_code == 0
    assert len(outbox_messages(app)) == 1
    assert reload(provider).last_reminded_at is not None
    assert reload(due).is_due()


def test_remind_again_once_the_period_has_passed(app):
    provider = ProviderFactory(last_reminded_at=utcnow() - timedelta(days=16))
    provider_member(provider)
    ServiceFactory(provider=provider, due=True)
    remind(app)
    assert len(outbox_messages(app)) == 1


def test_a_structure_without_members_is_reminded_at_its_own_address(app):
    provider = ProviderFactory()
    ServiceFactory(provider=provider, due=True)
    remind(app)
    assert [m["to"] for m in outbox_messages(app)] == [provider.structure.email]


def test_the_mailed_link_opens_a_page_whose_single_button_confirms(app, client):
    provider = ProviderFactory()
    provider_member(provider)
    due = ServiceFactory(provider=provider, due=True)
    remind(app)
    link = link_in(outbox_messages(app)[0]).replace("http://portail.test", "")
    page = client.get(link)
    assert page.status_code == 200
    assert due.name in unescape(page.text)
    assert reload(due).is_due()  # a GET changes nothing (mail previewers open links)
    done = client.post(link)
    assert done.status_code == 200
    assert "confirmée(s) à jour" in unescape(done.text)
    assert not reload(due).is_due()


def test_a_tampered_link_is_refused_with_a_french_message(client):
    due = ServiceFactory(due=True)
    with bound_to(due.territory_id):
        token = freshness.refresh_token(due.provider, [due])
    response = client.post(f"/loire-atlantique/dora/actualiser/{token[:-2]}xx")
    assert response.status_code == 400
    assert "n'est pas valide" in unescape(response.text)
    assert reload(due).is_due()


def test_an_expired_link_is_refused(app, client, monkeypatch):
    import itsdangerous.timed

    due = ServiceFactory(due=True)
    month_ago = (utcnow() - timedelta(days=30)).timestamp()
    with monkeypatch.context() as patch:
        patch.setattr(itsdangerous.timed.time, "time", lambda: month_ago)
        with bound_to(due.territory_id):
            old = freshness.refresh_token(due.provider, [due])
    response = client.post(f"/loire-atlantique/dora/actualiser/{old}")
    assert response.status_code == 400
    assert "a expiré" in unescape(response.text)
    assert reload(due).is_due()


def test_a_link_of_another_territory_finds_nothing(client):
    due = ServiceFactory(provider=ProviderFactory(territory_id=territory("ardennes").id), due=True)
    with bound_to(due.territory_id):
        token = freshness.refresh_token(due.provider, [due])
    assert client.post(f"/loire-atlantique/dora/actualiser/{token}").status_code == 404
    assert reload(due).is_due()


def test_a_sheet_becomes_due_once_its_frequency_has_passed():
    sheet = ServiceFactory(published=True, update_frequency_days=15)
    sheet.mark_confirmed(utcnow() - timedelta(days=14))
    assert not sheet.is_due()
    sheet.mark_confirmed(utcnow() - timedelta(days=16))
    assert sheet.is_due()
