"""Investment committees: snapshots of indicators and budget, decisions creating allocations."""

import html
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts.roles import Role
from app.extensions import db
from app.finance import allocations, clock, committees, queries
from app.finance.models import AllocationChange, AllocationSource, CommitteeReview, Decision
from app.finance.rules import RuleError
from app.indicators import registry
from tests.finance.factories import commit, envelope, finance_user, stand_on, startup


@pytest.fixture
def fourth_startup_indicators():
    """A service that joins the committee through the registry only."""
    registry.discover()
    before = registry._providers.get("dora")

    @registry.provider("dora")
    def dora_indicators(at):
        return [
            registry.Indicator("sheets", "Structures avec une fiche", 72, 70, "%"),
            registry.Indicator("fresh", "Fiches à jour", 20, 30, "%"),
            registry.Indicator("searches", "Recherches", 340, None, "recherches"),
        ]

    yield
    registry._providers.pop("dora", None)
    if before is not None:
        registry._providers["dora"] = before


def test_a_committee_snapshots_indicators_and_budget(
    delegant, delegataire, fourth_startup_indicators
):
    envelope(delegant, ae="1000.00", cp="800.00")
    commit(delegataire, "250.50", date(2026, 2, 1))
    commit(delegataire, "99.00", date(2026, 6, 10))  # after the committee's date: not counted
    committee = committees.hold(
        delegant,
        held_on=date(2026, 6, 1),
        title="Comité de juin",
        startups=[startup("carnet-de-bord"), startup("dora"), startup("reva")],
    )
    db.session.commit()
    carnet, dora, reva = committee.reviews
    assert dora.budget == {
        "year": 2026,
        "ae_allocated": "1000.00",
        "committed": "250.50",
        "cp_allocated": "800.00",
        "paid": "0.00",
    }
    assert [(i["key"], i["value"], i["reached"]) for i in dora.indicators] == [
        ("sheets", 72, True),
        ("fresh", 20, False),
        ("searches", 340, None),
    ]
    # Carnet de bord's indicators come from app/indicators/carnet.py through the registry.
    assert [i["key"] for i in carnet.indicators][:2] == ["active_rate", "cohort"]
    assert carnet.indicators[1]["target"] == 50
    # REVA's come from app/indicators/reva.py: no candidacies yet, so no values, no targets.
    assert [i["key"] for i in reva.indicators][:2] == [
        "submitted_to_taken_median",
        "feasibility_to_decision_median",
    ]
    assert {(i["value"], i["target"]) for i in reva.indicators[:3]} == {(None, None)}
    # The snapshot does not move when the ledger does.
    commit(delegataire, "100.00", date(2026, 6, 2))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(CommitteeReview, dora.id).budget["committed"] == "250.50"


def test_the_decision_creates_the_next_allocation_once(delegant):
    envelope(delegant, ae="1000.00", cp="1000.00")
    committee = committees.hold(
        delegant, held_on=date(2026, 6, 1), title="Comité", startups=[startup("dora")]
    )
    review = committee.reviews[0]
    committees.decide(
        delegant,
        review,
        decision=Decision.SCALE_OUT,
        next_year=2026,
        next_ae=Decimal("150000.00"),
        next_cp=Decimal("120000.00"),
        comment="Essaimage dans deux départements",
    )
    db.session.commit()
    change = db.session.scalar(
        select(AllocationChange).where(AllocationChange.review_id == review.id)
    )
    assert (change.source, change.ae_delta, change.cp_delta) == (
        AllocationSource.COMMITTEE,
        Decimal("150000.00"),
        Decimal("120000.00"),
    )
    dora = queries.consumption(2026).rows[1]
    assert (dora.ae_allocated, dora.cp_allocated) == (Decimal("151000.00"), Decimal("121000.00"))
    with pytest.raises(RuleError, match="déjà enregistrée"):
        committees.decide(
            delegant, review, decision=Decision.CONTINUE, next_year=2026, next_ae=None, next_cp=None
        )


def test_a_stopped_startup_gets_no_budget(delegant):
    committee = committees.hold(
        delegant, held_on=date(2026, 6, 1), title="Comité", startups=[startup("reva")]
    )
    with pytest.raises(RuleError, match="arrêtée"):
        committees.decide(
            delegant,
            committee.reviews[0],
            decision=Decision.STOP,
            next_year=2026,
            next_ae=Decimal("1"),
            next_cp=None,
        )


def test_a_committee_is_recorded_once_held(delegant):
    with pytest.raises(RuleError, match="date est passée"):
        committees.hold(delegant, held_on=date(2026, 6, 16), title="x", startups=[startup()])
    with pytest.raises(RuleError, match="au moins une startup"):
        committees.hold(delegant, held_on=date(2026, 6, 1), title="x", startups=[])


def test_report_shows_targets_beside_values_and_trends(
    client, login_as, delegant, fourth_startup_indicators
):
    stand_on(date(2026, 1, 10))
    committees.hold(
        delegant, held_on=date(2026, 1, 5), title="Comité de janvier", startups=[startup()]
    )
    db.session.commit()

    @registry.provider("dora")
    def later(at):
        return [
            registry.Indicator("sheets", "Structures avec une fiche", 68, 70, "%"),
            registry.Indicator("searches", "Recherches", 512, None, "recherches"),
        ]

    stand_on(date(2026, 6, 15))
    login_as(delegant)
    response = client.post(
        "/finance/comites",
        data={
            "comite-held_on": "2026-06-10",
            "comite-title": "Comité de juin",
            "comite-startups": ["dora"],
        },
    )
    assert response.status_code == 303
    page = html.unescape(client.get(response.headers["Location"]).text)
    assert "Comité de juin" in page
    assert "non atteint" in page  # 68 % against a target of 70 %
    assert "en hausse (était 340)" in page  # no target: value and trend
    review = db.session.scalar(
        select(CommitteeReview)
        .join(CommitteeReview.committee)
        .where(CommitteeReview.startup_id == startup().id)
        .order_by(CommitteeReview.id.desc())
    )
    decided = client.post(
        f"/finance/comites/{review.committee_id}/revues/{review.id}/decision",
        data={
            f"r{review.id}-decision": "continue",
            f"r{review.id}-next_year": "2026",
            f"r{review.id}-next_ae": "80 000",
            f"r{review.id}-next_cp": "70 000,00",
        },
    )
    assert decided.status_code == 303
    page = html.unescape(client.get(f"/finance/comites/{review.committee_id}").text)
    assert "Poursuivre" in page


def test_the_dinum_comments_but_cannot_decide(client, login_as, delegant):
    committee = committees.hold(
        delegant, held_on=date(2026, 6, 1), title="Comité", startups=[startup()]
    )
    db.session.commit()
    review = committee.reviews[0]
    login_as(finance_user(Role.FINANCE_DINUM))
    base = f"/finance/comites/{committee.id}/revues/{review.id}"
    assert client.post(f"{base}/decision", data={}).status_code == 403
    response = client.post(f"{base}/commentaires", data={f"c{review.id}-body": "Bon semestre"})
    assert response.status_code == 303
    assert "Bon semestre" in html.unescape(client.get(f"/finance/comites/{committee.id}").text)


def test_reviews_of_another_committee_are_not_found(client, login_as, delegant):
    first = committees.hold(delegant, held_on=date(2026, 6, 1), title="A", startups=[startup()])
    second = committees.hold(delegant, held_on=date(2026, 6, 2), title="B", startups=[startup()])
    url = f"/finance/comites/{first.id}/revues/{second.reviews[0].id}/decision"
    db.session.commit()
    login_as(delegant)
    assert client.post(url, data={}).status_code == 404


def test_the_space_card_tells_the_delegant_what_awaits(app, delegant, delegataire):
    from app.core import spaces

    committees.hold(delegant, held_on=date(2026, 6, 1), title="Comité", startups=[startup()])
    db.session.commit()
    stand_on(date(2026, 11, 20))
    with app.test_request_context():
        delegant_cards = spaces.get("finance").cards(delegant)
        delegataire_cards = spaces.get("finance").cards(delegataire)
    titles = [c.title for c in delegant_cards]
    assert "Fin des engagements (AE) et décision sur le solde — 30/11/2026" in titles
    assert "Comité d'investissement (tous les 6 mois) — 01/12/2026" in titles
    assert [c.count for c in delegant_cards if c.title.startswith("Décisions")] == [1]
    assert not any(c.title.startswith("Décisions") for c in delegataire_cards)


def test_doras_indicators_include_its_searches(delegant):
    committee = committees.hold(
        delegant, held_on=date(2026, 6, 1), title="Comité", startups=[startup("dora")]
    )
    assert [(i["key"], i["target"], i["unit"]) for i in committee.reviews[0].indicators] == [
        ("with_sheet_rate", 70, "%"),
        ("fresh_rate", 30, "%"),
        ("sheet_rate", 50, "%"),
        ("orientation_rate", 30, "%"),
        ("time_saved_rate", 30, "%"),
    ]


def test_a_startup_without_provider_has_no_indicators(delegant, monkeypatch):
    registry.discover()
    monkeypatch.delitem(registry._providers, "reva")
    committee = committees.hold(
        delegant, held_on=date(2026, 6, 1), title="Comité", startups=[startup("reva")]
    )
    assert committee.reviews[0].indicators is None


def test_the_report_shows_the_budget_as_it_was_on_the_committee_date(
    client, login_as, delegant, delegataire
):
    envelope(delegant, ae="1000.00", cp="800.00")  # in effect since 2 January
    commit(delegataire, "250.50", date(2026, 5, 20))
    stand_on(date(2026, 6, 10))  # after the committee's date, before it is recorded
    allocations.change(
        delegant,
        startup(),
        2026,
        ae_delta=Decimal("500.00"),
        cp_delta=Decimal("200.00"),
        source=AllocationSource.BALANCE,
        reason="Rallonge",
    )
    commit(delegataire, "99.00", date(2026, 6, 10))
    db.session.commit()
    stand_on(date(2026, 6, 15))
    committee = committees.hold(
        delegant, held_on=date(2026, 6, 1), title="Comité de juin", startups=[startup()]
    )
    db.session.commit()
    assert committee.reviews[0].budget == {
        "year": 2026,
        "ae_allocated": "1000.00",
        "committed": "250.50",
        "cp_allocated": "800.00",
        "paid": "0.00",
    }
    # Today's dashboard counts the later change and entry.
    dora = queries.consumption(2026).rows[1]
    assert (dora.ae_allocated, dora.committed) == (Decimal("1500.00"), Decimal("349.50"))
    login_as(delegant)
    page = " ".join(html.unescape(client.get(f"/finance/comites/{committee.id}").text).split())
    assert "AE : 250,50 € engagés sur 1 000,00 €" in page
    assert "CP : 0,00 € payés sur 800,00 €" in page


def test_a_decision_takes_effect_on_its_committee_date(delegant):
    envelope(delegant, ae="1000.00", cp="1000.00")
    first = committees.hold(delegant, held_on=date(2026, 3, 1), title="Mars", startups=[startup()])
    stand_on(date(2026, 6, 15))  # decided late, in effect from 1 March
    committees.decide(
        delegant,
        first.reviews[0],
        decision=Decision.CONTINUE,
        next_year=2026,
        next_ae=Decimal("300.00"),
        next_cp=None,
    )
    change = db.session.scalar(
        select(AllocationChange).where(AllocationChange.review_id == first.reviews[0].id)
    )
    assert change.effective_on == date(2026, 3, 1)
    before = queries.consumption(2026, as_of=date(2026, 2, 28)).rows[1]
    after = queries.consumption(2026, as_of=date(2026, 3, 1)).rows[1]
    assert (before.ae_allocated, after.ae_allocated) == (Decimal("1000.00"), Decimal("1300.00"))


def test_the_report_shows_revas_indicators_beside_its_budget(client, login_as, delegant):
    from app.core.models import utcnow
    from app.reva import candidacies
    from app.reva.models import Actor, Status
    from tests.reva.factories import World

    now = utcnow()
    today = now.astimezone(clock.PARIS).date()
    stand_on(today)
    envelope(delegant, slug="reva", year=today.year, ae="700000.00", cp="600000.00")
    world = World()
    start = now - timedelta(days=60)

    def play(candidacy, *moves):
        for day, name, actor in moves:
            candidacies.apply(
                candidacy, name, actor, None, "", now=start + timedelta(days=day), notify=False
            )

    play(
        world.candidacy(status=Status.PROJECT),
        (0, "submit", Actor.CANDIDATE),
        (4, "take_in_charge", Actor.ACCOMPAGNATEUR),
    )
    play(
        world.candidacy(status=Status.PATH_CONFIRMED),
        (0, "send_feasibility", Actor.ACCOMPAGNATEUR),
        (20, "declare_admissible", Actor.CERTIFIER),
    )
    db.session.commit()
    committee = committees.hold(
        delegant, held_on=today, title="Comité REVA", startups=[startup("reva")]
    )
    db.session.commit()

    login_as(delegant)
    page = html.unescape(client.get(f"/finance/comites/{committee.id}").text)
    page = " ".join(page.split())  # amounts and units hold no-break spaces
    assert "Indicateurs de REVA" in page
    assert (
        'entre l\'envoi de la candidature et sa prise en charge</td> <td class="portal-num">—</td> <td class="portal-num">4 jours'
        in page
    )
    assert "Délai médian de réponse du certificateur" in page and "20 jours" in page
    assert "Décisions du certificateur rendues après 15 jours</td>" in page
    assert "100 %" in page  # the one decision came after 20 days
    assert "première mesure" in page  # no target: the value, then its trend at the next one
    assert "engagés sur 700 000,00 €" in page
