"""What consent and visibility protect stays protected everywhere (issue #6 items 3, 4, 5, 7), one
history for every path (issue #7 items 2 and 4), and the professional's landing (#7 item 7)."""

from __future__ import annotations

import html
from datetime import date, timedelta

from sqlalchemy import select

from app.accounts.roles import Role
from app.carnet import imports, sync
from app.carnet.models import (
    Appointment,
    BarrierTheme,
    Consent,
    ConsentStatus,
    Notebook,
    TimelineEvent,
    Visibility,
)
from app.core.models import AuditEntry, utcnow
from app.core.scoping import bound_to
from app.extensions import db
from tests.carnet.factories import NotebookFactory, add_barrier, add_member
from tests.factories import StructureFactory, member, territory

SSD = "/seine-saint-denis/carnet"


def text(response) -> str:
    return html.unescape(response.text)


def owned_notebook(**kwargs):
    person = member(Role.BENEFICIARY)
    notebook = NotebookFactory(**kwargs)
    notebook.beneficiary.user_id = person.id
    db.session.commit()
    return person, notebook


# #6.3 and #7.3: consent, written once, says what is true


def test_a_professional_covered_by_a_structure_wide_share_is_not_shown_as_pending(client, login_as):
    structure = StructureFactory()
    pro = member(Role.PROFESSIONAL)
    person, notebook = owned_notebook()
    add_member(notebook, pro, consent=False, structure=structure)
    db.session.add(
        Consent(
            notebook_id=notebook.id,
            territory_id=notebook.territory_id,
            structure_id=structure.id,
            status=ConsentStatus.GRANTED,
            decided_at=utcnow(),
            expires_at=utcnow() + timedelta(days=30),
        )
    )
    db.session.commit()
    login_as(pro)
    page = client.get(f"{SSD}/carnets/{notebook.id}")
    assert page.status_code == 200 and "Consentement en attente" not in page.text
    login_as(person)
    assert "Consentement en attente" not in client.get(f"{SSD}/carnets/{notebook.id}").text


# #6.4: lists show and filter only on what the user may see


def test_lists_filter_and_count_barriers_only_where_the_content_is_shared(client, login_as):
    pro = member(Role.PROFESSIONAL)
    shared = NotebookFactory(beneficiary__last_name="Partagé")
    pending = NotebookFactory(beneficiary__last_name="Attente")
    add_member(shared, pro)
    add_member(pending, pro, consent=False)
    for notebook in (shared, pending):
        add_barrier(notebook, theme=BarrierTheme.HEALTH, visibility=Visibility.SUMMARY)
    login_as(pro)
    health = client.get(f"{SSD}/carnets?theme=sante")
    assert "PARTAGÉ" in health.text and "ATTENTE" not in health.text
    assert "ATTENTE" not in client.get(f"{SSD}/carnets?theme=sante&q=attente").text
    listing = client.get(f"{SSD}/carnets")
    assert "ATTENTE" in listing.text  # the person is listed (identity)…
    row = listing.text.split("ATTENTE", 1)[1].split("</tr>", 1)[0]
    assert "Consentement en attente" in row and "<td>1</td>" not in row  # …not their barriers


# #6.5: a summary-only barrier hides its objectives, actions and history too


def test_a_summary_only_barrier_hides_everything_under_it_from_non_referents(client, login_as):
    referent, colleague = member(Role.PROFESSIONAL), member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, referent, referent=True)
    add_member(notebook, colleague)
    health = add_barrier(
        notebook,
        theme=BarrierTheme.HEALTH,
        situation="Suivi en addictologie",
        visibility=Visibility.SUMMARY,
    )
    login_as(referent)
    client.post(
        f"{SSD}/carnets/{notebook.id}/freins/{health.id}/objectifs",
        data={"title": "Reprendre le suivi au CSAPA"},
    )
    objective_id = db.session.get(Notebook, notebook.id).barriers[0].objectives[0].id
    client.post(
        f"{SSD}/carnets/{notebook.id}/objectifs/{objective_id}/actions",
        data={"title": "Rendez-vous au CSAPA"},
    )
    assert "CSAPA" in client.get(f"{SSD}/carnets/{notebook.id}").text

    login_as(colleague)
    page = client.get(f"{SSD}/carnets/{notebook.id}")
    assert page.status_code == 200 and "Santé" in page.text
    for hidden in ("addictologie", "CSAPA"):
        assert hidden not in page.text  # neither the barrier, its objectives nor its history
    # Nor may they write under it.
    added = client.post(
        f"{SSD}/carnets/{notebook.id}/freins/{health.id}/objectifs", data={"title": "Autre"}
    )
    assert added.status_code == 403
    assert (
        client.post(
            f"{SSD}/carnets/{notebook.id}/objectifs/{objective_id}/statut",
            data={"status": "achieved"},
        ).status_code
        == 403
    )
    assert len(db.session.get(Notebook, notebook.id).barriers[0].objectives) == 1
    # The audit log names what happened, never the text typed about the person.
    details = " ".join(db.session.scalars(select(AuditEntry.detail)))
    assert "CSAPA" not in details and "addictologie" not in details


# #6.7: every read is logged (once per kind and period), refusals grouped, the log pages


def test_printing_and_exporting_are_in_the_access_log_once_per_period(client, login_as):
    person, notebook = owned_notebook()
    login_as(person)
    for _ in range(3):
        assert client.get(f"{SSD}/carnets/{notebook.id}/imprimer").status_code == 200
        assert client.get(f"{SSD}/carnets/{notebook.id}/export.json").status_code == 200
    reads = db.session.scalars(
        select(AuditEntry.detail).where(
            AuditEntry.object_id == notebook.id, AuditEntry.action == "viewed"
        )
    ).all()
    assert sorted(reads) == ["export", "print"]
    log = text(client.get(f"{SSD}/carnets/{notebook.id}/acces"))
    assert "la version imprimable de votre carnet" in log
    assert "l'export de vos données (JSON)" in log


def test_a_probers_refusals_take_one_line_and_the_log_pages(client, app, login_as):
    person, notebook = owned_notebook()
    prober = member(Role.PROFESSIONAL, first_name="Paul", last_name="Sondeur")
    prober_client = app.test_client()
    prober_client.post(
        "/connexion", data={"email": prober.email, "password": "Mot-de-passe-de-test-1"}
    )
    for _ in range(30):
        assert prober_client.get(f"{SSD}/carnets/{notebook.id}").status_code == 404
    readers = [member(Role.PROFESSIONAL) for _ in range(60)]
    for reader in readers:
        db.session.add(
            AuditEntry(
                actor_id=reader.id,
                territory_id=notebook.territory_id,
                action="viewed",
                object_type="notebook",
                object_id=notebook.id,
                detail="page",
            )
        )
    db.session.commit()
    login_as(person)
    first = text(client.get(f"{SSD}/carnets/{notebook.id}/acces"))
    second = text(client.get(f"{SSD}/carnets/{notebook.id}/acces?page=2"))
    both = first + second
    assert both.count("Paul Sondeur") == 1 and "30 fois ce jour-là" in both
    assert all(reader.full_name in both for reader in readers)  # no reader pushed away
    assert "Page suivante" in first
    past_the_end = text(client.get(f"{SSD}/carnets/{notebook.id}/acces?page=9999"))
    assert "Page précédente" in past_the_end and "Page suivante" not in past_the_end
    assert "Paul Sondeur" in past_the_end or any(r.full_name in past_the_end for r in readers)


def test_a_refused_input_answers_with_the_form_only(client, login_as):
    pro = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, pro)
    add_barrier(notebook, situation="Pas de permis de conduire")
    login_as(pro)
    response = client.post(f"{SSD}/carnets/{notebook.id}/entretiens", data={"text": ""})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert "Pas de permis de conduire" not in response.text
    assert notebook.beneficiary.last_name not in response.text


# #7.2 and #7.4: one history for every path


def test_imports_and_api_creations_are_in_the_persons_access_log(client, login_as):
    from tests.carnet.api_factories import issue_token

    coordinator = member(Role.COORDINATOR)
    ssd = territory("seine-saint-denis")
    token, _ = issue_token(name="SI du département")
    with bound_to(ssd.id):
        imports.import_beneficiaries(
            coordinator,
            [{"first_name": "Léa", "last_name": "Importée", "birth_date": date(1990, 1, 2)}],
        )
        sync.upsert_beneficiary(
            {"first_name": "Marc", "last_name": "Synchro", "birth_date": date(1985, 5, 6)},
            present={"first_name", "last_name", "birth_date"},
            token=token,
        )
    db.session.commit()
    for last_name, origin in (
        ("Importée", "Carnet créé par import d'un fichier"),
        ("Synchro", "Carnet créé depuis SI du département"),
    ):
        notebook = db.session.scalar(
            select(Notebook).where(Notebook.beneficiary.has(last_name=last_name))
        )
        [event] = db.session.scalars(
            select(TimelineEvent).where(TimelineEvent.notebook_id == notebook.id)
        ).all()
        assert event.summary == origin
        person = member(Role.BENEFICIARY)
        notebook.beneficiary.user_id = person.id
        db.session.commit()
        login_as(person)
        assert origin in text(client.get(f"{SSD}/carnets/{notebook.id}/acces"))


# #7.7: the professional lands on what needs them now


def test_the_professional_home_shows_pending_consents_and_upcoming_appointments(client, login_as):
    pro = member(Role.PROFESSIONAL)
    waiting = NotebookFactory(beneficiary__last_name="Enattente")
    followed = NotebookFactory(beneficiary__last_name="Suivie")
    add_member(waiting, pro, consent=False)
    add_member(followed, pro)
    member_row = db.session.get(Notebook, followed.id).members[0]
    db.session.add(
        Appointment(
            notebook_id=followed.id,
            territory_id=followed.territory_id,
            member_id=member_row.id,
            at=utcnow() + timedelta(days=2),
        )
    )
    db.session.commit()
    login_as(pro)
    home = client.get(f"{SSD}/", follow_redirects=True)
    page = text(home)
    assert "Consentements en attente" in page and "Rendez-vous à venir" in page
    assert f"/carnets/{waiting.id}/fiche" in page
    assert f"/carnets/{followed.id}#section-appointments" in page
    # A search or a filter shows the notebooks found, not what awaits them.
    for filtered in ("?q=suivie", "?inactive=y", "?page=2"):
        page = text(client.get(f"{SSD}/carnets{filtered}"))
        assert "Consentements en attente" not in page and "Rendez-vous à venir" not in page


def test_api_reads_are_logged_once_per_period_and_hide_summary_only_detail(client):
    from tests.carnet.api_factories import bearer, issue_token

    structure = StructureFactory()
    pro = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, pro, structure=structure)
    add_barrier(
        notebook,
        theme=BarrierTheme.HEALTH,
        situation="Suivi en addictologie",
        visibility=Visibility.SUMMARY,
    )
    _, secret = issue_token(structure=structure)
    for _ in range(3):
        response = client.get(f"/api/v1/carnet/notebooks/{notebook.id}", headers=bearer(secret))
        assert response.status_code == 200 and response.json["content_shared"] is True
        [barrier] = response.json["barriers"]
        assert barrier["theme"] == "sante" and "situation" not in barrier
        assert "addictologie" not in response.text
    logged = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "api_read", AuditEntry.object_id == notebook.id
        )
    ).all()
    assert len(logged) == 1
