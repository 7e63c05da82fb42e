"""The agreement's DORA indicators, computed from the data against their targets."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

from app.accounts.roles import Role
from app.core.models import utcnow
from app.core.scoping import bound_to
from app.extensions import db
from app.indicators.dora import dora_indicators
from tests.dora.factories import ProviderFactory, ServiceFactory, territory
from tests.factories import member


def figures():
    with bound_to(territory("loire-atlantique").id):
        return dora_indicators()


def test_without_data_the_indicators_say_so():
    result = figures()
    assert result["with_sheet_rate"]["value"] is None
    assert result["with_sheet_rate"]["reached"] is None


def test_share_of_structures_with_a_published_sheet_and_of_fresh_ones():
    fresh = ProviderFactory()
    ServiceFactory(provider=fresh, published=True)
    stale = ProviderFactory()
    ServiceFactory(provider=stale, published=True)
    ServiceFactory(provider=stale, due=True)  # one sheet out of date: not "fresh"
    draft_only = ProviderFactory()
    ServiceFactory(provider=draft_only)  # a draft does not count
    ProviderFactory()  # no sheet
    ProviderFactory(to_moderate=True)  # not validated: outside both indicators
    ServiceFactory(provider=ProviderFactory(territory_id=territory("ardennes").id), published=True)
    result = figures()
    assert (result["providers"], result["with_sheet"], result["fresh"]) == (4, 2, 1)
    assert result["with_sheet_rate"]["value"] == 50
    assert result["with_sheet_rate"]["reached"] is False
    assert result["fresh_rate"]["value"] == 50
    assert result["fresh_rate"]["reached"] is True


def test_a_modification_counts_as_an_update():
    provider = ProviderFactory()
    sheet = ServiceFactory(provider=provider, due=True)
    sheet.modified_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert figures()["fresh"] == 1


def test_the_coordinator_sees_them_live(login_as):
    ServiceFactory(provider=ProviderFactory(), published=True)
    client = login_as(member(Role.COORDINATOR, "loire-atlantique"))
    page = unescape(client.get("/loire-atlantique/dora/coordination/").text)
    assert "Structures ayant au moins une fiche service publiée" in page
    assert "100 %" in page and "70 %" in page and "30 %" in page
