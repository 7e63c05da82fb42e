"""Professional and person pages: creating, enriching with htmx, searching, exporting."""

import html
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.roles import Role
from app.carnet.models import (
    Barrier,
    Beneficiary,
    Consent,
    ConsentStatus,
    Interview,
    Notebook,
    NotebookMember,
)
from app.core.querycount import count_queries
from app.extensions import db
from tests.carnet.factories import VALID_NIR, NotebookFactory, add_barrier, add_member
from tests.conftest import outbox_messages
from tests.factories import StructureFactory, UserFactory, member, territory

SSD = "/seine-saint-denis/carnet"
IDENTITY = {
    "first_name": "Julien",
    "last_name": "Moreau",
    "birth_date": "1990-04-12",
    "situation": "rsa",
    "email": "julien.moreau@exemple.fr",
    "mobile": "06 12 34 56 78",
    "postal_code": "93200",
    "commune": "Saint-Denis",
}


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_professional_creates_a_notebook_and_waits_for_consent(app, client, login_as):
    structure = StructureFactory(name="Mission locale de Saint-Denis")
    pro = UserFactory(roles=[])
    from app.accounts.services import grant

    grant(pro, territory("seine-saint-denis"), Role.PROFESSIONAL, structure)
    login_as(pro)
    response = client.post(
        f"{SSD}/carnets/nouveau", data={**IDENTITY, "nir": VALID_NIR, "invite": "y"}
    )
    assert response.status_code == 303
    notebook = db.session.scalar(select(Notebook))
    beneficiary = notebook.beneficiary
    assert (beneficiary.last_name, beneficiary.nir, beneficiary.mobile) == (
        "Moreau",
        VALID_NIR,
        "0612345678",
    )
    assert beneficiary.territory_id == territory("seine-saint-denis").id
    membership = db.session.scalar(select(NotebookMember))
    assert (
        membership.user_id == pro.id
        and membership.is_referent
        and membership.structure_id == structure.id
    )
    assert db.session.scalar(select(Consent)).status == ConsentStatus.REQUESTED
    # The person got an account and a mail to open their notebook.
    assert beneficiary.user_id is not None
    assert [m["to"] for m in outbox_messages(app)] == ["julien.moreau@exemple.fr"]
    page = client.get(response.headers["Location"])
    assert "Demande en attente du consentement" in page.text
    assert client.get(f"{SSD}/carnets/{notebook.id}").status_code == 403


def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(client, login_as):
    login_as(member(Role.PROFESSIONAL))
    future = (date.today() + timedelta(days=2)).isoformat()
    response = client.post(
        f"{SSD}/carnets/nouveau",
        data={
            **IDENTITY,
            "birth_date": future,
            "nir": "185077512345699",
            "postal_code": "9320",
            "first_name": "   ",
            "invite": "y",
            "email": "",
        },
    )
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "La date ne peut pas être dans le futur." in text
    assert "La clé du NIR" in text
    assert "Le code postal comporte 5 chiffres" in text
    assert "Ce champ ne peut pas être vide." in text
    assert "Indiquez l'adresse électronique" in text
    assert 'value="Moreau"' in response.text  # what was typed is kept
    assert count(Beneficiary) == 0


def test_a_nir_of_13_characters_is_accepted_and_a_bad_one_refused(client, login_as):
    login_as(member(Role.PROFESSIONAL))
    bad = client.post(f"{SSD}/carnets/nouveau", data={**IDENTITY, "nir": "1850775XX3456"})
    assert bad.status_code == 422 and "NIR n'est pas valide" in html.unescape(bad.text)
    ok = client.post(f"{SSD}/carnets/nouveau", data={**IDENTITY, "nir": "1 85 07 75 123 456"})
    assert ok.status_code == 303
    assert db.session.scalar(select(Beneficiary.nir)) == "1850775123456"


def test_duplicates_are_caught_by_name_and_birth_date_and_by_nir(client, login_as):
    login_as(member(Role.PROFESSIONAL))
    client.post(f"{SSD}/carnets/nouveau", data={**IDENTITY, "nir": VALID_NIR})
    same_person = client.post(
        f"{SSD}/carnets/nouveau", data={**IDENTITY, "first_name": "JULIEN", "last_name": "moreau"}
    )
    assert same_person.status_code == 409
    assert "Cette personne a déjà un carnet" in same_person.text
    same_nir = client.post(
        f"{SSD}/carnets/nouveau", data={**IDENTITY, "first_name": "Autre", "nir": VALID_NIR}
    )
    assert same_nir.status_code == 409 and "ce NIR" in same_nir.text
    assert count(Notebook) == 1


def test_the_same_person_may_have_a_notebook_in_another_territory(client, login_as):
    NotebookFactory(
        territory_id=territory("loire-atlantique").id,
        beneficiary__first_name="Julien",
        beneficiary__last_name="Moreau",
        beneficiary__birth_date=date(1990, 4, 12),
    )
    login_as(member(Role.PROFESSIONAL))
    assert client.post(f"{SSD}/carnets/nouveau", data=IDENTITY).status_code == 303


def test_join_search_needs_an_exact_match_and_joining_asks_for_consent(client, login_as):
    notebook = NotebookFactory(
        beneficiary__first_name="Julien",
        beneficiary__last_name="Moreau",
        beneficiary__birth_date=date(1990, 4, 12),
    )
    pro = member(Role.PROFESSIONAL)
    login_as(pro)
    vague = client.post(f"{SSD}/rechercher", data={"last_name": "Mor"})
    assert vague.status_code == 422 and "Moreau" not in vague.text
    # Names never travel in a URL: a GET only shows the form.
    assert (
        "Moreau"
        not in client.get(
            f"{SSD}/rechercher?last_name=moreau&first_name=julien&birth_date=1990-04-12"
        ).text
    )
    found = client.post(
        f"{SSD}/rechercher",
        data={"last_name": "moreau", "first_name": "julien", "birth_date": "1990-04-12"},
    )
    assert f"/carnets/{notebook.id}" not in found.text  # a grant, not a walkable id
    [grant_url] = re.findall(r'href="([^"]*/carnets/acces/[^"]+)"', found.text)
    assert "Moreau" in client.get(grant_url).text
    response = client.post(grant_url + "/rejoindre")
    assert response.status_code == 303
    consent = db.session.scalar(select(Consent))
    assert (consent.user_id, consent.status) == (pro.id, ConsentStatus.REQUESTED)
    assert client.get(f"{SSD}/carnets/{notebook.id}").status_code == 403
    assert client.get(f"{SSD}/carnets/{notebook.id}/fiche").status_code == 200  # now a member


def test_barriers_objectives_actions_with_htmx_fragments(client, htmx_client, login_as, app):
    pro = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, pro)
    htmx_client.post("/connexion", data={"email": pro.email, "password": "Mot-de-passe-de-test-1"})

    added = htmx_client.post(
        f"{SSD}/carnets/{notebook.id}/freins",
        data={"theme": "mobilite", "situation": "Pas de permis"},
    )
    assert added.status_code == 200
    assert added.text.lstrip().startswith('<section id="section-barriers"')
    assert "<html" not in added.text and "Pas de permis" in added.text
    assert "HX-Request" in added.headers["Vary"]
    barrier = db.session.scalar(select(Barrier))

    empty = htmx_client.post(
        f"{SSD}/carnets/{notebook.id}/freins", data={"theme": "mobilite", "situation": " "}
    )
    assert empty.status_code == 422
    assert "Ce champ ne peut pas être vide." in empty.text
    assert count(Barrier) == 1

    htmx_client.post(
        f"{SSD}/carnets/{notebook.id}/freins/{barrier.id}/objectifs",
        data={"title": "Passer le code"},
    )
    objective_id = db.session.scalar(select(Barrier)).objectives[0].id
    htmx_client.post(
        f"{SSD}/carnets/{notebook.id}/objectifs/{objective_id}/actions",
        data={"title": "Auto-école sociale", "start_date": "2026-12-01"},
    )
    page = htmx_client.post(
        f"{SSD}/carnets/{notebook.id}/freins/{barrier.id}",
        data={
            "situation": "Pas de permis, code en cours",
            "status": "in_progress",
            "visibility": "detail",
        },
    )
    assert "Pas de permis, code en cours" in page.text and "Auto-école sociale" in page.text
    stored = db.session.scalar(select(Barrier))
    db.session.refresh(stored)
    assert stored.status.value == "in_progress"

    # Without htmx, the same POST redirects to the page (303), which shows the change.
    plain = client.post(
        "/connexion", data={"email": pro.email, "password": "Mot-de-passe-de-test-1"}
    )
    assert plain.status_code == 303
    redirect = client.post(
        f"{SSD}/carnets/{notebook.id}/freins", data={"theme": "logement", "situation": "Hébergé"}
    )
    assert redirect.status_code == 303 and redirect.headers["Location"].endswith(
        "#section-barriers"
    )
    timeline = client.get(f"{SSD}/carnets/{notebook.id}").text
    assert "Frein ajouté : Logement" in timeline and "Objectif ajouté : Passer le code" in timeline


def test_interview_summary_is_shared_with_the_person(client, app, login_as):
    person = member(Role.BENEFICIARY)
    notebook = NotebookFactory()
    notebook.beneficiary.user_id = person.id
    db.session.commit()
    pro = member(Role.PROFESSIONAL)
    add_member(notebook, pro)
    login_as(pro)
    future = (date.today() + timedelta(days=1)).isoformat()
    refused = client.post(
        f"{SSD}/carnets/{notebook.id}/entretiens", data={"date": future, "text": "x"}
    )
    assert refused.status_code == 422
    client.post(
        f"{SSD}/carnets/{notebook.id}/entretiens",
        data={"date": date.today().isoformat(), "text": "Point sur la recherche de logement"},
    )
    assert count(Interview) == 1
    client.post("/deconnexion")
    login_as(person)
    assert "Point sur la recherche de logement" in client.get(f"{SSD}/carnets/{notebook.id}").text


def test_the_person_edits_contact_and_barrier_wording_and_adds_a_barrier(client, login_as):
    person = member(Role.BENEFICIARY)
    notebook = NotebookFactory()
    notebook.beneficiary.user_id = person.id
    db.session.commit()
    barrier = add_barrier(notebook, situation="Pas de voiture")
    login_as(person)
    assert client.get(f"{SSD}/mon-carnet").headers["Location"].endswith(f"/carnets/{notebook.id}")
    bad = client.post(f"{SSD}/carnets/{notebook.id}/coordonnees", data={"mobile": "12"})
    assert bad.status_code == 422 and "numéro de téléphone valide" in bad.text
    client.post(
        f"{SSD}/carnets/{notebook.id}/coordonnees",
        data={"mobile": "0699887766", "commune": "Bobigny"},
    )
    client.post(
        f"{SSD}/carnets/{notebook.id}/freins/{barrier.id}",
        data={"situation": "Je n'ai pas de voiture", "status": "lifted"},
    )
    client.post(
        f"{SSD}/carnets/{notebook.id}/freins",
        data={"theme": "numerique", "situation": "Pas d'ordinateur"},
    )
    beneficiary = db.session.get(Beneficiary, notebook.beneficiary_id)
    db.session.refresh(beneficiary)
    assert (beneficiary.mobile, beneficiary.commune) == ("0699887766", "Bobigny")
    barriers = db.session.scalars(select(Barrier).order_by(Barrier.id)).all()
    assert barriers[0].situation == "Je n'ai pas de voiture"
    assert barriers[0].status.value == "identified"  # the status is the professionals' call
    assert barriers[1].theme.value == "numerique"
    assert (
        client.post(
            f"{SSD}/carnets/{notebook.id}/entretiens", data={"date": "2026-01-01", "text": "x"}
        ).status_code
        == 403
    )


def test_the_person_downloads_their_data_and_asks_for_deletion(client, login_as):
    person = member(Role.BENEFICIARY)
    notebook = NotebookFactory(beneficiary__first_name="Julien")
    notebook.beneficiary.user_id = person.id
    db.session.commit()
    add_barrier(notebook, with_children=True)
    login_as(person)
    exported = client.get(f"{SSD}/carnets/{notebook.id}/export.json")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    data = json.loads(exported.data)
    assert data["personne"]["prenom"] == "Julien"
    assert (
        data["freins"][0]["objectifs"][0]["actions"][0]["titre"]
        == "S'inscrire à l'auto-école sociale"
    )
    printable = client.get(f"{SSD}/carnets/{notebook.id}/imprimer")
    assert "Carnet de bord de Julien" in printable.text
    client.post(f"{SSD}/carnets/{notebook.id}/suppression")
    assert db.session.get(Beneficiary, notebook.beneficiary_id).deletion_requested_at is not None


def test_my_notebooks_list_filters_and_has_no_n_plus_1(client, login_as):
    pro = member(Role.PROFESSIONAL)
    from app.carnet.models import BarrierTheme

    for i in range(3):
        notebook = NotebookFactory(beneficiary__last_name=f"Durand{i}")
        add_member(notebook, pro, referent=(i == 0))
        add_barrier(notebook, theme=BarrierTheme.HOUSING if i == 1 else BarrierTheme.MOBILITY)
    NotebookFactory(beneficiary__last_name="Inconnu")  # not a member: never listed
    login_as(pro)
    page = client.get(f"{SSD}/carnets")
    assert "DURAND0" in page.text and "DURAND2" in page.text and "INCONNU" not in page.text
    assert "DURAND1" in client.get(f"{SSD}/carnets?theme=logement").text
    assert "DURAND0" not in client.get(f"{SSD}/carnets?theme=logement").text
    assert "DURAND0" not in client.get(f"{SSD}/carnets?without_referent=y").text
    assert "DURAND2" in client.get(f"{SSD}/carnets?q=durand2").text
    fragment = client.get(f"{SSD}/carnets?q=durand", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="resultats"')

    with count_queries() as few:
        client.get(f"{SSD}/carnets")
    for i in range(3, 13):
        notebook = NotebookFactory(beneficiary__last_name=f"Durand{i}")
        add_member(notebook, pro)
        add_barrier(notebook)
    with count_queries() as many:
        client.get(f"{SSD}/carnets")
    assert len(many) == len(few)


def test_the_list_filters_keep_what_was_typed_and_explain_a_refusal(client, login_as):
    login_as(member(Role.PROFESSIONAL))
    kept = client.get(f"{SSD}/carnets?q=Dur%22and&theme=logement&inactive=y")
    assert kept.status_code == 200
    assert 'value="Dur&#34;and"' in kept.text or 'value="Dur&quot;and"' in kept.text
    assert '<option selected value="logement">' in kept.text
    assert '<input checked id="inactive"' in kept.text
    assert '<input id="without_referent"' in kept.text
    refused = client.get(f"{SSD}/carnets?birth_date=31-02-1990&theme=inconnu")
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert 'id="birth_date-erreurs"' in page and 'aria-describedby="birth_date-erreurs"' in page
    assert 'id="theme-erreurs"' in page and 'aria-invalid="true"' in page
    assert 'value="31-02-1990"' in page  # what was typed stays, to be corrected


def test_the_notebook_page_forms_show_what_the_notebook_holds(client, login_as):
    from app.carnet.models import ContractType

    person, pro = member(Role.BENEFICIARY), member(Role.PROFESSIONAL)
    notebook = NotebookFactory(
        beneficiary__user_id=person.id,
        beneficiary__email="lea@exemple.fr",
        work_situation="Sans emploi",
        contract_type=ContractType.CEJ,
        diagnostic="Besoin <urgent> de mobilité",
    )
    add_member(notebook, pro)
    login_as(pro)
    page = client.get(f"{SSD}/carnets/{notebook.id}").text
    assert 'id="work_situation" maxlength="200" name="work_situation" type="text"' in page
    assert 'value="Sans emploi"' in page
    assert '<option selected value="cej">' in page
    assert "Besoin &lt;urgent&gt; de mobilité</textarea>" in page
    assert 'aria-describedby="situation-aide"' in page  # the barrier form's hint
    assert 'name="situation" required>' in page
    login_as(person)
    page = client.get(f"{SSD}/carnets/{notebook.id}").text
    assert 'autocomplete="email" class="fr-input" id="email" maxlength="254"' in page
    assert 'type="email" value="lea@exemple.fr"' in page
    assert 'inputmode="numeric" maxlength="5" name="postal_code"' in page


def test_notebook_page_query_count_does_not_grow_with_barriers(client, login_as):
    pro = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, pro)
    add_barrier(notebook, with_children=True)
    login_as(pro)
    client.get(f"{SSD}/carnets/{notebook.id}")  # the read is logged once per period
    with count_queries() as few:
        client.get(f"{SSD}/carnets/{notebook.id}")
    for _ in range(5):
        add_barrier(notebook, with_children=True)
    with count_queries() as many:
        client.get(f"{SSD}/carnets/{notebook.id}")
    assert len(many) == len(few)


@pytest.fixture
def pro_with_52_notebooks(login_as):
    pro = member(Role.PROFESSIONAL)
    for i in range(52):
        notebook = NotebookFactory(beneficiary__last_name=f"Martin{i:02d}")
        add_member(notebook, pro)
    login_as(pro)
    return pro


def test_long_lists_are_paginated_and_keep_their_filters(client, pro_with_52_notebooks):
    first = client.get(f"{SSD}/carnets?q=martin")
    assert "52 carnets" in first.text and "MARTIN49" in first.text and "MARTIN50" not in first.text
    assert "/seine-saint-denis/carnet/carnets?q=martin&amp;page=2" in first.text
    second = client.get(f"{SSD}/carnets?q=martin&page=2")
    assert "MARTIN51" in second.text and "MARTIN00" not in second.text
    assert "Page précédente" in second.text and "Page suivante" not in second.text


def test_a_page_past_the_last_shows_the_last_page(client, pro_with_52_notebooks):
    """As in the finance ledger and the REVA queues: a stale link still shows rows."""
    for url in (f"{SSD}/carnets?page=9999", f"{SSD}/carnets?q=martin&page=3"):
        last = client.get(url)
        assert last.status_code == 200
        assert "MARTIN50" in last.text and "MARTIN51" in last.text
        assert "MARTIN49" not in last.text
        assert 'aria-current="page">2<' in last.text
        assert "Page précédente" in last.text and "Page suivante" not in last.text


def test_a_concurrent_creation_of_the_same_person_is_caught_by_the_database(
    client, login_as, monkeypatch
):
    from app.carnet import queries

    NotebookFactory(beneficiary__nir=VALID_NIR)
    real = queries.exact_matches
    calls = []

    def misses_twice(**kwargs):  # the other creation lands between our check and our write
        calls.append(kwargs)
        return [] if len(calls) <= 2 else real(**kwargs)

    monkeypatch.setattr(queries, "exact_matches", misses_twice)
    login_as(member(Role.PROFESSIONAL))
    response = client.post(f"{SSD}/carnets/nouveau", data={**IDENTITY, "nir": VALID_NIR})
    assert response.status_code == 409
    assert "Cette personne a déjà un carnet" in response.text
    assert count(Notebook) == 1


def test_duplicates_are_found_whatever_the_case_of_accented_letters(client, login_as):
    NotebookFactory(
        beneficiary__first_name="Élodie",
        beneficiary__last_name="Lefèvre",
        beneficiary__birth_date=date(1990, 4, 12),
    )
    login_as(member(Role.PROFESSIONAL))
    response = client.post(
        f"{SSD}/carnets/nouveau",
        data={**IDENTITY, "first_name": "ÉLODIE", "last_name": "LEFÈVRE"},
    )
    assert response.status_code == 409
    assert count(Notebook) == 1


def supported_barrier(htmx_client):
    """A notebook with a barrier and an objective, and its supporting professional logged in."""
    pro = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, pro)
    barrier = add_barrier(notebook, with_children=True)
    htmx_client.post("/connexion", data={"email": pro.email, "password": "Mot-de-passe-de-test-1"})
    return notebook, barrier, barrier.objectives[0].id


def test_an_empty_objective_or_action_is_refused_next_to_its_field(htmx_client):
    notebook, barrier, objective_id = supported_barrier(htmx_client)
    empty_objective = htmx_client.post(
        f"{SSD}/carnets/{notebook.id}/freins/{barrier.id}/objectifs", data={"title": "  "}
    )
    assert empty_objective.status_code == 422
    assert 'aria-describedby="title-erreurs"' in empty_objective.text
    assert "Ce champ ne peut pas être vide." in empty_objective.text
    # Only the form being corrected comes back, not the rest of the notebook.
    assert "Pas de permis de conduire" not in empty_objective.text
    assert "Passer le code" not in empty_objective.text
    bad_action = htmx_client.post(
        f"{SSD}/carnets/{notebook.id}/objectifs/{objective_id}/actions",
        data={"title": "Atelier CV", "start_date": "pas une date"},
    )
    assert bad_action.status_code == 422
    assert 'id="start_date-erreurs"' in bad_action.text
    from app.carnet.models import Action, Objective

    assert count(Objective) == 1 and count(Action) == 1


def test_an_action_done_before_the_notebook_existed_is_recorded_as_done_with_its_date(
    htmx_client,
):
    """The seed's "actions antérieures": what the person did before the notebook existed."""
    from app.carnet.models import Action, ActionStatus, TimelineEvent

    notebook, _, objective_id = supported_barrier(htmx_client)
    url = f"{SSD}/carnets/{notebook.id}/objectifs/{objective_id}/actions"

    undated = htmx_client.post(url, data={"title": "Stage en cuisine", "done": "y"})
    assert undated.status_code == 422
    assert "Indiquez la date à laquelle elle a été réalisée." in undated.text
    assert 'value="Stage en cuisine"' in undated.text  # nothing typed is lost
    future = htmx_client.post(
        url, data={"title": "Stage en cuisine", "done": "y", "start_date": "2099-01-01"}
    )
    assert future.status_code == 422
    assert "Une action déjà réalisée a une date passée" in future.text
    assert count(Action) == 1

    added = htmx_client.post(
        url, data={"title": "Stage en cuisine", "done": "y", "start_date": "2019-03-04"}
    )
    assert added.status_code == 200
    assert "Stage en cuisine — réalisée le 04/03/2019 (avant l'ouverture du carnet)" in added.text
    stored = db.session.scalar(select(Action).where(Action.title == "Stage en cuisine"))
    assert stored.status == ActionStatus.DONE and stored.start_date.isoformat() == "2019-03-04"
    entry = db.session.scalars(select(TimelineEvent).order_by(TimelineEvent.id.desc())).first()
    assert entry.summary == "Action réalisée ajoutée : Stage en cuisine (le 04/03/2019)"

    planned = htmx_client.post(url, data={"title": "Atelier CV", "start_date": "2030-01-02"})
    assert "Atelier CV — à partir du 02/01/2030" in planned.text
    assert (
        db.session.scalar(select(Action).where(Action.title == "Atelier CV")).status
        == ActionStatus.PLANNED
    )
