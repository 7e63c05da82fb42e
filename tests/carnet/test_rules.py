"""The rules users rely on: consent, territories, the person's own notebook, the access log."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.roles import Role
from app.carnet.models import ApiToken, Appointment, Consent, ConsentStatus, Notebook, TimelineEvent
from app.core.models import AuditEntry, utcnow
from app.extensions import db
from tests.carnet.factories import NotebookFactory, add_barrier, add_member
from tests.factories import UserFactory, member, territory

SSD = "/seine-saint-denis/carnet"


def beneficiary_with_notebook(**kwargs):
    person = member(Role.BENEFICIARY)
    notebook = NotebookFactory(**kwargs)
    notebook.beneficiary.user_id = person.id
    db.session.commit()
    return person, notebook


def audit_actions(notebook_id, actor_id):
    return [
        e.action
        for e in db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_id == notebook_id,
                AuditEntry.actor_id == actor_id,
                AuditEntry.object_type == "notebook",
            )
            .order_by(AuditEntry.id)
        )
    ]


def test_member_with_consent_sees_the_notebook_and_the_view_is_logged(client, login_as):
    pro = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, pro)
    add_barrier(notebook, situation="Pas de permis de conduire")
    login_as(pro)
    page = client.get(f"{SSD}/carnets/{notebook.id}")
    assert page.status_code == 200
    assert "Pas de permis de conduire" in page.text
    assert audit_actions(notebook.id, pro.id) == ["viewed"]
    assert db.session.get(Notebook, notebook.id).last_viewed_at is not None


def test_without_consent_a_professional_sees_identity_only_and_the_refusal_is_logged(
    client, login_as
):
    pro = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, pro, consent=False)
    add_barrier(notebook, situation="Pas de permis de conduire")
    login_as(pro)
    refused = client.get(f"{SSD}/carnets/{notebook.id}")
    assert refused.status_code == 403
    assert "Pas de permis" not in refused.text
    card = client.get(f"{SSD}/carnets/{notebook.id}/fiche")
    assert card.status_code == 200
    assert notebook.beneficiary.last_name in card.text
    assert "Pas de permis" not in card.text
    assert audit_actions(notebook.id, pro.id) == ["refused", "viewed_identity"]


def test_revoking_consent_removes_access_on_the_next_request(client, app, login_as):
    person, notebook = beneficiary_with_notebook()
    pro = member(Role.PROFESSIONAL, first_name="Karim", last_name="Benali")
    add_member(notebook, pro)
    pro_client = app.test_client()
    pro_client.post("/connexion", data={"email": pro.email, "password": "Mot-de-passe-de-test-1"})
    assert pro_client.get(f"{SSD}/carnets/{notebook.id}").status_code == 200

    login_as(person)
    consent = db.session.scalar(select(Consent).where(Consent.user_id == pro.id))
    response = client.post(
        f"{SSD}/carnets/{notebook.id}/partage/{consent.id}", data={"decision": "retirer"}
    )
    assert response.status_code == 303

    assert pro_client.get(f"{SSD}/carnets/{notebook.id}").status_code == 403
    events = [e.summary for e in db.session.scalars(select(TimelineEvent))]
    assert "Partage retiré à Karim Benali" in events
    assert db.session.get(Consent, consent.id).status == ConsentStatus.REVOKED


def test_expired_consent_is_refused_and_the_person_is_asked_again(client, app, login_as):
    person, notebook = beneficiary_with_notebook()
    pro = member(Role.PROFESSIONAL)
    add_member(notebook, pro)
    consent = db.session.scalar(select(Consent))
    consent.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    pro_client = app.test_client()
    pro_client.post("/connexion", data={"email": pro.email, "password": "Mot-de-passe-de-test-1"})
    assert pro_client.get(f"{SSD}/carnets/{notebook.id}").status_code == 403
    login_as(person)
    page = client.get(f"{SSD}/carnets/{notebook.id}")
    assert "expiré" in page.text and "Renouveler" in page.text
    client.post(
        f"{SSD}/carnets/{notebook.id}/partage/{consent.id}", data={"decision": "renouveler"}
    )
    assert pro_client.get(f"{SSD}/carnets/{notebook.id}").status_code == 200


def test_consent_lasts_the_configured_period(client, app, login_as):
    person, notebook = beneficiary_with_notebook()
    pro = member(Role.PROFESSIONAL)
    add_member(notebook, pro, consent=False)
    login_as(person)
    consent = db.session.scalar(select(Consent))
    client.post(f"{SSD}/carnets/{notebook.id}/partage/{consent.id}", data={"decision": "accorder"})
    stored = db.session.get(Consent, consent.id)
    db.session.refresh(stored)
    assert stored.status == ConsentStatus.GRANTED
    assert timedelta(days=179) < stored.expires_at - stored.decided_at < timedelta(days=181)


def test_a_person_cannot_reach_another_persons_notebook(client, login_as):
    person_a, notebook_a = beneficiary_with_notebook()
    person_b, notebook_b = beneficiary_with_notebook()
    login_as(person_a)
    assert client.get(f"{SSD}/carnets/{notebook_a.id}").status_code == 200
    for path in ("", "/fiche", "/acces", "/export.json", "/imprimer"):
        assert client.get(f"{SSD}/carnets/{notebook_b.id}{path}").status_code == 404, path
    assert (
        client.post(
            f"{SSD}/carnets/{notebook_b.id}/freins", data={"theme": "sante", "situation": "x"}
        ).status_code
        == 404
    )


def test_the_person_sees_the_access_log_professionals_do_not(client, app, login_as):
    person, notebook = beneficiary_with_notebook()
    pro = member(Role.PROFESSIONAL, first_name="Karim", last_name="Benali")
    add_member(notebook, pro)
    pro_client = app.test_client()
    pro_client.post("/connexion", data={"email": pro.email, "password": "Mot-de-passe-de-test-1"})
    pro_client.get(f"{SSD}/carnets/{notebook.id}")
    assert pro_client.get(f"{SSD}/carnets/{notebook.id}/acces").status_code == 403

    login_as(person)
    log = client.get(f"{SSD}/carnets/{notebook.id}/acces")
    assert log.status_code == 200
    assert "Karim Benali" in log.text and "a consulté votre carnet" in log.text


def test_health_barriers_are_summary_only_for_non_referents(client, app, login_as):
    from app.carnet.models import BarrierTheme, Visibility

    notebook = NotebookFactory()
    referent, other = member(Role.PROFESSIONAL), member(Role.PROFESSIONAL)
    add_member(notebook, referent, referent=True)
    add_member(notebook, other)
    add_barrier(
        notebook,
        theme=BarrierTheme.HEALTH,
        situation="Suivi psychiatrique",
        visibility=Visibility.SUMMARY,
    )
    login_as(other)
    page = client.get(f"{SSD}/carnets/{notebook.id}")
    assert "Frein identifié en santé" in page.text
    assert "Suivi psychiatrique" not in page.text
    referent_client = app.test_client()
    referent_client.post(
        "/connexion", data={"email": referent.email, "password": "Mot-de-passe-de-test-1"}
    )
    assert "Suivi psychiatrique" in referent_client.get(f"{SSD}/carnets/{notebook.id}").text


def test_a_new_health_barrier_defaults_to_summary(client, login_as):
    pro = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, pro)
    login_as(pro)
    client.post(
        f"{SSD}/carnets/{notebook.id}/freins", data={"theme": "sante", "situation": "Diabète"}
    )
    from app.carnet.models import Barrier

    barrier = db.session.scalar(select(Barrier))
    assert barrier.visibility.value == "summary"


# Another territory's record is a 404, on every Carnet route that takes an id.


@pytest.fixture
def foreign_ids():
    """A full notebook in Loire-Atlantique, and the ids of each of its records."""
    notebook = NotebookFactory(territory_id=territory("loire-atlantique").id)
    pro = UserFactory(roles=[(Role.PROFESSIONAL, "loire-atlantique")])
    add_member(notebook, pro)
    barrier = add_barrier(notebook, with_children=True)
    objective = barrier.objectives[0]
    appointment = Appointment(
        notebook_id=notebook.id, territory_id=notebook.territory_id, at=utcnow()
    )
    db.session.add(appointment)
    db.session.commit()
    notebook.beneficiary.deletion_requested_at = utcnow()
    token = ApiToken(territory_id=notebook.territory_id, name="SI 44", token_hash="0" * 64)
    db.session.add(token)
    db.session.commit()
    return {
        "token_id": token.id,
        "beneficiary_id": notebook.beneficiary_id,
        "appointment_id": appointment.id,
        "notebook_id": notebook.id,
        "barrier_id": barrier.id,
        "objective_id": objective.id,
        "action_id": objective.actions[0].id,
        "consent_id": db.session.scalar(select(Consent.id)),
        "member_id": db.session.scalar(select(Consent.id)),
    }


def test_every_carnet_route_with_an_id_is_a_404_for_another_territorys_record(
    app, client, login_as, foreign_ids
):
    user = UserFactory(
        roles=[
            (Role.PROFESSIONAL, "seine-saint-denis"),
            (Role.COORDINATOR, "seine-saint-denis"),
            (Role.BENEFICIARY, "seine-saint-denis"),
        ]
    )
    login_as(user)
    checked = []
    for rule in app.url_map.iter_rules():
        ids = [a for a in rule.arguments if a.endswith("_id")]
        if not rule.endpoint.startswith("carnet.") or not ids:
            continue
        path = rule.rule.replace("<territory>", "seine-saint-denis")
        for name in ids:
            path = path.replace(f"<int:{name}>", str(foreign_ids[name]))
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(
            path,
            method=method,
            data={"decision": "accorder", "status": "done", "member_id": foreign_ids["member_id"]},
        )
        assert response.status_code == 404, (rule.rule, response.status_code)
        checked.append(rule.endpoint)
    assert "carnet.notebook" in checked and "carnet.add_barrier" in checked
    # Nothing was written to the foreign notebook.
    assert db.session.scalar(select(TimelineEvent)) is None


def test_a_professional_of_another_territory_gets_a_404(client, login_as):
    notebook = NotebookFactory()
    login_as(UserFactory(roles=[(Role.PROFESSIONAL, "loire-atlantique")]))
    assert client.get(f"{SSD}/carnets/{notebook.id}").status_code == 404
    assert client.get(f"/loire-atlantique/carnet/carnets/{notebook.id}").status_code == 404


def test_attempts_from_another_territory_do_not_reach_the_persons_log(client, app, login_as):
    person, notebook = beneficiary_with_notebook()
    outsider = UserFactory(roles=[(Role.PROFESSIONAL, "loire-atlantique")], last_name="Extérieur")
    outsider_client = app.test_client()
    outsider_client.post(
        "/connexion", data={"email": outsider.email, "password": "Mot-de-passe-de-test-1"}
    )
    assert outsider_client.get(f"/loire-atlantique/carnet/carnets/{notebook.id}").status_code == 404
    login_as(person)
    assert "Extérieur" not in client.get(f"{SSD}/carnets/{notebook.id}/acces").text


def test_sharing_with_a_whole_structure_covers_its_professionals_until_withdrawn(
    client, app, login_as
):
    from app.accounts.services import grant
    from tests.factories import StructureFactory

    mission_locale = StructureFactory(name="Mission locale de Bondy")
    person, notebook = beneficiary_with_notebook()
    first, second = UserFactory(roles=[]), UserFactory(roles=[])
    for pro in (first, second):
        grant(pro, territory("seine-saint-denis"), Role.PROFESSIONAL, mission_locale)
    add_member(notebook, first, structure=mission_locale)

    login_as(person)
    consent = db.session.scalar(select(Consent).where(Consent.user_id == first.id))
    page = client.get(f"{SSD}/carnets/{notebook.id}")
    assert "Partager avec toute la structure" in page.text
    shared = client.post(
        f"{SSD}/carnets/{notebook.id}/partage/{consent.id}", data={"decision": "structure"}
    )
    assert shared.status_code == 303, shared.text[-3000:]
    structure_consent = db.session.scalar(select(Consent).where(Consent.user_id.is_(None)))
    assert structure_consent.structure_id == mission_locale.id and structure_consent.is_valid()

    colleague = app.test_client()
    colleague.post("/connexion", data={"email": second.email, "password": "Mot-de-passe-de-test-1"})
    # Not a member yet: the notebook does not exist for them until an exact-match search.
    assert colleague.get(f"{SSD}/carnets/{notebook.id}").status_code == 404
    assert colleague.post(f"{SSD}/carnets/{notebook.id}/rejoindre").status_code == 404
    found = colleague.post(
        f"{SSD}/rechercher",
        data={
            "last_name": notebook.beneficiary.last_name,
            "first_name": notebook.beneficiary.first_name,
            "birth_date": notebook.beneficiary.birth_date.isoformat(),
        },
    )
    [grant_url] = re.findall(r'href="([^"]*/carnets/acces/[^"]+)"', found.text)
    joined = colleague.post(grant_url + "/rejoindre")
    assert joined.headers["Location"].endswith(f"/carnets/{notebook.id}")
    assert colleague.get(f"{SSD}/carnets/{notebook.id}").status_code == 200  # no new request needed
    assert db.session.scalar(select(Consent).where(Consent.user_id == second.id)) is None

    withdrawn = client.post(
        f"{SSD}/carnets/{notebook.id}/partage/{structure_consent.id}",
        data={"decision": "retirer"},
        follow_redirects=True,
    )
    # Withdrawing the structure ends every access it gave, at the next request, and says so.
    assert colleague.get(f"{SSD}/carnets/{notebook.id}").status_code == 403
    first_client = app.test_client()
    first_client.post(
        "/connexion", data={"email": first.email, "password": "Mot-de-passe-de-test-1"}
    )
    assert first_client.get(f"{SSD}/carnets/{notebook.id}").status_code == 403
    assert first.full_name in withdrawn.text and second.full_name in withdrawn.text
    assert "plus accès au contenu de votre carnet" in withdrawn.text
    assert "Consentement en attente" in withdrawn.text  # the cards say what is now true
