"""Reference data from the agreement and demo accounts."""

import json

from sqlalchemy import func, select

from app.accounts.roles import Role
from app.extensions import db
from app.finance.models import Convention, CostCentre, Party, Startup
from app.tenancy.models import Territory


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_reference_data_is_the_agreements_and_is_idempotent(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed", "reference"])
        assert result.exit_code == 0, result.output
    assert count(Territory) == 4
    slugs = {t.slug: t.department_code for t in db.session.scalars(select(Territory))}
    assert slugs == {
        "seine-saint-denis": "93",
        "loire-atlantique": "44",
        "ardennes": "08",
        "la-reunion": "974",
    }
    assert count(CostCentre) == 18
    assert {c.code for c in db.session.scalars(select(CostCentre))} >= {
        "SGSIARS075",
        "SGSIFAB075",
        "SGSIMCN075",
        "SGSIBPT075",
    }
    fab = db.session.scalar(select(CostCentre).where(CostCentre.code == "SGSIFAB075"))
    assert (fab.designation, fab.centre_label) == ("SIFABNUM", "Mission fabrique numérique")
    assert {p.code: p.role for p in db.session.scalars(select(Party))} == {
        "DGEFP": "delegant",
        "DNUM": "delegataire",
        "DINUM": "dinum",
    }
    convention = db.session.scalar(select(Convention))
    assert (convention.chorus_programme, convention.chorus_functional_domain) == (
        "363",
        "0363-04-01",
    )
    assert convention.chorus_financial_centre == "0363-DNUM-CSOC"
    budgets = {
        s.slug: (int(s.budget), s.period_end.isoformat())
        for s in db.session.scalars(select(Startup))
    }
    assert budgets == {
        "carnet-de-bord": (300000, "2021-10-31"),
        "dora": (300000, "2021-10-31"),
        "reva": (400000, "2021-11-30"),
    }


def test_demo_accounts_cover_every_role_and_reach_their_home(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed", "demo"])
    result = runner.invoke(args=["seed", "demo", "--json"])  # idempotent, and JSON
    assert result.exit_code == 0, result.output
    logins = json.loads(result.output)
    assert set(logins[0]) == {"email", "password", "role", "territory"}
    # a VAE candidate holds no role (their candidacies are their perimeter): listed apart
    assert {login["role"] for login in logins} - {"reva_candidat"} == {r.value for r in Role}
    territorial = {(x["role"], x["territory"]) for x in logins if x["territory"]}
    for slug in ("seine-saint-denis", "loire-atlantique", "ardennes", "la-reunion"):
        for role in ("beneficiary", "professional", "structure_admin", "coordinator"):
            assert (role, slug) in territorial
    assert len({x["email"] for x in logins}) == len(logins)
    for login in logins:
        response = client.post(
            "/connexion", data={"email": login["email"], "password": login["password"]}
        )
        assert response.status_code == 303, login
        home = client.get("/espace", follow_redirects=True)
        assert home.status_code == 200, login
        assert "<h1>" in home.text
        client.post("/deconnexion")


def test_finance_home_shows_the_agreement(app, client, login_as):
    from tests.factories import member

    login_as(member(Role.FINANCE_DELEGANT, None))
    page = client.get("/finance/convention")
    assert page.status_code == 200
    assert "0363-04-01" in page.text and "0363-DNUM-CSOC" in page.text
    assert "300\u202f000,00\u00a0€" in page.text and "400\u202f000,00\u00a0€" in page.text
    assert "SGSIMCN075" in page.text


def test_demo_people_have_a_shared_notebook_to_click_through(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed", "demo"])
    runner.invoke(args=["seed", "demo"])
    from app.carnet.models import Notebook

    assert count(Notebook) == 3 * 32  # Julien, Amina and 30 more per Carnet territory
    from app.accounts.seed import DEMO_PASSWORD, DOMAIN

    client.post("/connexion", data={"email": f"beneficiary.93@{DOMAIN}", "password": DEMO_PASSWORD})
    page = client.get("/seine-saint-denis/carnet/mon-carnet", follow_redirects=True)
    assert "Mon carnet de bord" in page.text and "Pas de permis de conduire" in page.text
    client.post("/deconnexion")
    client.post(
        "/connexion", data={"email": f"professional.93@{DOMAIN}", "password": DEMO_PASSWORD}
    )
    listing = client.get("/seine-saint-denis/carnet/carnets")
    assert "MOREAU Julien" in listing.text


def _snapshot():
    from app.carnet.models import Barrier, Beneficiary, Consent, NotebookMember, TimelineEvent

    people = sorted(
        (b.territory_id, b.first_name, b.last_name, b.birth_date.isoformat())
        for b in db.session.scalars(select(Beneficiary).execution_options(all_territories=True))
    )
    consents = sorted(
        (c.notebook.beneficiary.last_name, c.user_id or 0, c.structure_id or 0, c.status.value)
        for c in db.session.scalars(select(Consent).execution_options(all_territories=True))
    )
    counts = {
        model.__name__: db.session.scalar(
            select(func.count()).select_from(model).execution_options(all_territories=True)
        )
        for model in (Barrier, NotebookMember, TimelineEvent)
    }
    return people, consents, counts


def test_demo_territories_are_lived_in_deterministic_and_idempotent(app, client):
    from app.accounts.models import User
    from app.carnet.models import (
        Barrier,
        Beneficiary,
        Consent,
        ConsentStatus,
        Notebook,
        NotebookMember,
        Visibility,
    )
    from app.core.models import utcnow

    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo", "--json"])
    assert first.exit_code == 0, first.output
    before = _snapshot()
    second = runner.invoke(args=["seed", "demo", "--json"])
    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert _snapshot() == before  # the second run changes nothing
    assert json.loads(second.output) == json.loads(first.output)

    ssd = db.session.scalar(select(Territory).where(Territory.slug == "seine-saint-denis"))
    every = dict(execution_options={"all_territories": True})
    notebooks = db.session.scalars(
        select(Notebook).where(Notebook.territory_id == ssd.id), **every
    ).all()
    assert 30 <= len(notebooks) <= 35
    consents = db.session.scalars(
        select(Consent).where(Consent.territory_id == ssd.id), **every
    ).all()
    now = utcnow()
    assert any(c.status == ConsentStatus.REQUESTED for c in consents)
    assert any(c.is_valid(now) for c in consents)
    assert any(c.is_expired for c in consents)
    assert any(c.status == ConsentStatus.REVOKED for c in consents)
    assert any(c.user_id is None and c.structure_id and c.is_valid(now) for c in consents)
    assert any(
        b.visibility == Visibility.SUMMARY
        for b in db.session.scalars(select(Barrier).where(Barrier.territory_id == ssd.id), **every)
    )
    members = db.session.scalars(
        select(NotebookMember).where(NotebookMember.territory_id == ssd.id), **every
    ).all()
    assert len({m.user_id for m in members}) >= 4 and len({m.structure_id for m in members}) == 2
    demo_pro = db.session.scalar(
        select(User).where(User.email == "professional.93@demo.spie.beta.gouv.fr")
    )
    supported = {m.notebook_id for m in members if m.user_id == demo_pro.id}
    assert 0 < len(supported) < len(notebooks)  # notebooks the demo professional does not support
    # A second demo person logs in and finds the demo professional's request to answer.
    logins = {x["email"]: x for x in json.loads(second.output)}
    amina = logins["beneficiary-2.93@demo.spie.beta.gouv.fr"]
    assert amina["role"] == "beneficiary"
    client.post("/connexion", data={"email": amina["email"], "password": amina["password"]})
    page = client.get("/seine-saint-denis/carnet/mon-carnet", follow_redirects=True)
    assert page.status_code == 200 and "Karim Benali" in page.text
    assert db.session.scalar(
        select(func.count(Beneficiary.id)).where(Beneficiary.territory_id == ssd.id), **every
    ) == len(notebooks)
