"""Reference communes and the demo offer of each DORA territory."""

from __future__ import annotations

from html import unescape

from sqlalchemy import func, select

from app.accounts.seed import DEMO_PASSWORD, DOMAIN
from app.dora.models import Commune, Provider, Service, ServiceStatus
from app.extensions import db
from tests.dora.factories import territory


def test_communes_of_each_dora_territory_are_loaded_with_postal_codes_and_coordinates():
    counts = dict(
        db.session.execute(
            select(Commune.department, func.count()).group_by(Commune.department)
        ).all()
    )
    assert counts == {"44": 207, "08": 447, "974": 24}
    nantes = db.session.get(Commune, "44109")
    assert (nantes.name, nantes.postal_code_list[0], nantes.epci) == (
        "Nantes",
        "44000",
        "244400404",
    )
    assert 47.1 < nantes.latitude < 47.3 and -1.7 < nantes.longitude < -1.4


def test_the_demo_offer_has_every_state_in_every_dora_territory_and_is_idempotent(app, client):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed", "demo"])
        assert result.exit_code == 0, result.output
    for slug in ("loire-atlantique", "ardennes", "la-reunion"):
        territory_id = territory(slug).id
        providers = db.session.scalar(
            select(func.count(Provider.id)).where(Provider.territory_id == territory_id)
        )
        states = dict(
            db.session.execute(
                select(Service.status, func.count())
                .where(Service.territory_id == territory_id)
                .group_by(Service.status)
                .execution_options(all_territories=True)
            ).all()
        )
        assert 38 <= providers <= 45
        assert 120 <= sum(states.values()) <= 160
        assert set(states) == set(ServiceStatus)
        due = db.session.scalar(
            select(func.count(Service.id))
            .where(Service.territory_id == territory_id, Service.status == ServiceStatus.PUBLISHED)
            .where(Service.due_at <= func.current_timestamp())
        )
        assert due > 0
    assert (
        db.session.scalar(
            select(func.count(Provider.id)).where(
                Provider.territory_id == territory("seine-saint-denis").id
            )
        )
        == 0
    )
    client.post(
        "/connexion", data={"email": f"structure-admin.44@{DOMAIN}", "password": DEMO_PASSWORD}
    )
    page = unescape(client.get("/loire-atlantique/dora/", follow_redirects=True).text)
    assert "Association Tremplin Loire-Atlantique" in page
    home = unescape(client.get("/loire-atlantique/").text)
    assert "fiches à actualiser" in home
