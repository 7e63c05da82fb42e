"""REVA pages: the candidate's entry point and path, the queues, the file, skills and sharing."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.core.models import AuditEntry, utcnow
from app.core.querycount import count_queries
from app.extensions import db
from app.reva.models import (
    Attachment,
    BadgeAssertion,
    Candidacy,
    CompetenceAssessment,
    Skill,
    Status,
)
from tests.conftest import link_in, outbox_messages
from tests.factories import UserFactory
from tests.reva.factories import OrganismFactory, World

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def text(response) -> str:
    return html.unescape(response.text)


def refetch(candidacy) -> Candidacy:
    db.session.expire_all()
    return db.session.get(Candidacy, candidacy.id)


def test_signing_up_creates_the_account_and_mails_a_link_back_to_the_candidacy(app, client):
    world = World()
    response = client.post(
        f"/reva/inscription?certification={world.certification.id}",
        data={"first_name": "Awa", "last_name": "Traoré", "email": " Awa.Traore@Exemple.fr "},
    )
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "awa.traore@exemple.fr"))
    assert (
        user.memberships == []
    )  # a candidate holds no role: their candidacies are their perimeter
    [message] = outbox_messages(app)
    assert message["to"] == "awa.traore@exemple.fr"
    assert "candidature%2Fnouvelle" in link_in(message) or "candidature/nouvelle" in link_in(
        message
    )


def test_sign_up_errors_are_shown_by_field(client):
    response = client.post("/reva/inscription", data={"first_name": "", "email": "pas-une-adresse"})
    assert response.status_code == 422
    assert "Saisissez une adresse électronique valide" in text(response)
    assert db.session.scalar(select(User.id)) is None


def _candidacy_form(organism_value, department="93", **extra):
    data = {
        "department": department,
        "goals": "Devenir cheffe d'équipe.",
        "experiences-0-title": "Agente de propreté",
        "experiences-0-duration_months": "48",
        "experiences-0-description": "Bureaux et parties communes.",
        "organism": organism_value,
    }
    data.update(extra)
    return data


def test_a_candidate_starts_and_submits_then_sees_the_path(client, login_as):
    world = World()
    far_organism = OrganismFactory(departments=["44"])
    candidate = UserFactory()
    login_as(candidate)
    url = f"/reva/candidature/nouvelle?certification={world.certification.id}"
    page = client.get(url + "&department=93")
    assert world.organism.name in text(page) and far_organism.name not in text(page)

    # an organism that does not serve the department is refused, with a message on the field
    refused = client.post(url, data=_candidacy_form(str(far_organism.id)))
    assert refused.status_code == 422
    assert "accompagne les candidats de votre département" in text(refused)
    missing = client.post(
        url, data=_candidacy_form(str(world.organism.id), **{"experiences-0-title": ""})
    )
    assert missing.status_code == 422
    assert "Décrivez au moins une expérience" in text(missing)
    assert db.session.scalar(select(Candidacy.id)) is None

    created = client.post(url, data=_candidacy_form(str(world.organism.id)))
    assert created.status_code == 303
    candidacy = db.session.scalar(select(Candidacy))
    assert (candidacy.status, candidacy.organism_id, candidacy.department) == (
        Status.PROJECT,
        world.organism.id,
        "93",
    )
    assert [e.title for e in candidacy.experiences] == ["Agente de propreté"]
    path = created.headers["Location"]
    submitted = client.post(path + "/actions/submit")
    assert submitted.status_code == 303
    page = text(client.get(path))
    assert "Candidature envoyée" in page
    assert f">{utcnow():%d/%m/%Y}</time>" in page
    assert "Prochaine étape : la prise en charge de la candidature" in page
    assert "Attendue de l'organisme accompagnateur" in page


def test_going_alone_skips_the_organism(client, login_as):
    world = World()
    candidate = UserFactory()
    login_as(candidate)
    url = f"/reva/candidature/nouvelle?certification={world.certification.id}"
    response = client.post(url, data=_candidacy_form("seul"))
    assert response.status_code == 303
    candidacy = db.session.scalar(select(Candidacy))
    assert candidacy.organism_id is None
    client.post(response.headers["Location"] + "/actions/submit")
    page = text(client.get(response.headers["Location"]))
    assert "Confirmer mon parcours en autonomie" in page
    assert "C'est à vous" in page


def test_the_organism_choices_fragment_lists_those_serving_the_department(client, login_as):
    world = World()
    OrganismFactory(name="Organisme nantais", departments=["44"])
    login_as(UserFactory())
    fragment = text(client.get("/reva/organismes?department=44", headers={"HX-Request": "true"}))
    assert "Organisme nantais" in fragment and world.organism.name not in fragment
    assert "<html" not in fragment


def test_the_whole_path_through_the_pages(app, client, login_as):
    """Accompagnateur takes in charge, sends the path and the file; the certifier decides."""
    world = World()
    candidacy = world.candidacy(status=Status.SUBMITTED)
    base = f"/reva/candidatures/{candidacy.public_id}"
    login_as(world.accompagnateur)
    queue = text(client.get("/reva/accompagnateur/"))
    assert candidacy.candidate.full_name in queue and "à traiter" in queue
    assert client.post(base + "/actions/take_in_charge").status_code == 303
    bad = client.post(base + "/parcours", data={"individual_hours": "-3", "collective_hours": "5"})
    assert bad.status_code == 422 and "Entre 0 et 500 heures" in text(bad)
    assert (
        client.post(
            base + "/parcours",
            data={"individual_hours": "12", "collective_hours": "6", "trainings": "SST"},
        ).status_code
        == 303
    )
    assert refetch(candidacy).status is Status.PATH_SENT

    login_as(candidacy.candidate)
    assert client.post(base + "/actions/confirm_path").status_code == 303

    login_as(world.accompagnateur)
    early = client.post(base + "/actions/send_feasibility")
    assert early.status_code == 409 and "évaluez chaque compétence" in text(early)
    competences = [c for b in world.certification.blocks for c in b.competences]
    wrong = client.post(base + "/dossier", data={f"mastery-{competences[0].id}": "parfait"})
    assert wrong.status_code == 422
    marks = {f"mastery-{c.id}": "acquired" for c in competences}
    marks[f"comment-{competences[0].id}"] = "Observée en situation"
    assert client.post(base + "/dossier", data=marks).status_code == 303
    assert (
        db.session.scalar(
            select(CompetenceAssessment.comment).where(
                CompetenceAssessment.competence_id == competences[0].id
            )
        )
        == "Observée en situation"
    )
    assert client.post(base + "/actions/send_feasibility").status_code == 303

    login_as(world.certifier)
    no_reason = client.post(base + "/actions/declare_not_admissible", data={"comment": " "})
    assert no_reason.status_code == 422 and "motif" in text(no_reason)
    assert refetch(candidacy).status is Status.FEASIBILITY_SENT
    assert client.post(base + "/actions/declare_admissible").status_code == 303
    candidacy = refetch(candidacy)
    assert candidacy.status is Status.ADMISSIBLE
    assert [e.to_status for e in candidacy.events] == [
        Status.TAKEN_IN_CHARGE,
        Status.PATH_SENT,
        Status.PATH_CONFIRMED,
        Status.FEASIBILITY_SENT,
        Status.ADMISSIBLE,
    ]
    # the candidate was told it is their turn: send the validation file
    assert outbox_messages(app)[-1]["to"] == candidacy.candidate.email


def test_attachments_are_checked_from_their_content_and_served_only_to_the_parties(
    client, login_as
):
    world = World()
    candidacy = world.candidacy(status=Status.PATH_CONFIRMED)
    base = f"/reva/candidatures/{candidacy.public_id}"
    login_as(world.accompagnateur)
    fake = client.post(
        base + "/pieces",
        data={"file": (__import__("io").BytesIO(b"MZ\x90\x00 not a pdf"), "cv.pdf")},
        content_type="multipart/form-data",
    )
    assert fake.status_code == 422 and "PDF, JPEG et PNG" in text(fake)
    big = client.post(
        base + "/pieces",
        data={"file": (__import__("io").BytesIO(PDF + b"0" * (10 * 1024 * 1024)), "gros.pdf")},
        content_type="multipart/form-data",
    )
    assert big.status_code in (413, 422)
    assert db.session.scalar(select(Attachment.id)) is None
    ok = client.post(
        base + "/pieces",
        data={"file": (__import__("io").BytesIO(PDF), "attestation.pdf")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 303
    attachment = db.session.scalar(select(Attachment))
    login_as(world.certifier)
    download = client.get(f"{base}/pieces/{attachment.public_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    login_as(UserFactory())
    assert client.get(f"{base}/pieces/{attachment.public_id}").status_code == 404
    assert (
        db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "reva_attachment_added"))
        is not None
    )


def test_skills_endorsed_become_badges_and_share_links_show_only_what_was_chosen(client, login_as):
    world = World()
    candidacy = world.candidacy(status=Status.FEASIBILITY_SENT)
    base = f"/reva/candidatures/{candidacy.public_id}"
    login_as(candidacy.candidate)
    assert client.post(base + "/competences", data={"title": ""}).status_code == 422
    client.post(
        base + "/competences",
        data={"title": "Je gère les stocks", "description": "Inventaires mensuels"},
    )
    client.post(base + "/competences", data={"title": "Compétence secrète"})
    skill, secret = db.session.scalars(select(Skill).order_by(Skill.id)).all()
    competence = world.certification.blocks[0].competences[0]
    assert (
        client.post(
            f"{base}/competences/{skill.id}/reconnaitre", data={"competence_id": competence.id}
        ).status_code
        == 403
    )

    login_as(world.certifier)
    assert (
        client.post(
            f"{base}/competences/{skill.id}/reconnaitre", data={"competence_id": competence.id}
        ).status_code
        == 303
    )
    assertion = db.session.scalar(select(BadgeAssertion))
    assert assertion.skill_id == skill.id and assertion.competence_id == competence.id

    login_as(candidacy.candidate)
    no_skill = client.post(base + "/partages", data={"label": "Employeur"})
    assert no_skill.status_code == 422 and "au moins une compétence" in text(no_skill)
    client.post(base + "/partages", data={"label": "Employeur", "skill_ids": [skill.id]})
    page = text(client.get(base))
    share_url = re.search(r"https?://[^\s\"<]+/reva/partage/[\w-]+", page).group(0)
    token = share_url.rsplit("/", 1)[1]
    assert len(token) >= 30

    public = client.__class__(client.application)  # a stranger, no session
    shared = text(public.get(f"/reva/partage/{token}"))
    assert "Je gère les stocks" in shared and "Reconnue" in shared
    assert "Compétence secrète" not in shared and "pieces" not in shared
    assert f"/reva/badges/{assertion.public_id}" in shared

    link_id = re.search(r"/partages/(\d+)/revoquer", page).group(1)
    assert client.post(f"{base}/partages/{link_id}/revoquer").status_code == 303
    assert public.get(f"/reva/partage/{token}").status_code == 410
    assert public.get("/reva/partage/inconnu").status_code == 404
    assert secret.title == "Compétence secrète"


def test_an_expired_share_link_is_gone(client, login_as):
    from app.reva import badges

    candidacy = World().candidacy(status=Status.SUBMITTED)
    skill = badges.add_skill(candidacy, candidacy.candidate, "Accueil du public", "")
    link = badges.create_share_link(candidacy, candidacy.candidate, "Réseau", [skill], None)
    link.expires_on = (utcnow() - timedelta(days=1)).date()
    db.session.commit()
    assert client.get(f"/reva/partage/{link.token}").status_code == 410


def test_certifier_queue_flags_decisions_waiting_more_than_15_days_without_n_plus_1(
    client, login_as
):
    world = World()
    late = world.candidacy(status=Status.FEASIBILITY_SENT)
    late.status_changed_at = utcnow() - timedelta(days=20)
    db.session.commit()
    login_as(world.certifier)
    with count_queries() as few:
        page = text(client.get("/reva/certificateur/"))
    assert "20 jours" in page and "en retard" in page
    for _ in range(8):
        world.candidacy(status=Status.FEASIBILITY_SENT)
    with count_queries() as many:
        client.get("/reva/certificateur/")
    assert len(many) == len(few)


def test_roles_are_checked_on_queues(client, login_as):
    world = World()
    login_as(world.accompagnateur)
    assert client.get("/reva/certificateur/").status_code == 403
    assert client.get("/reva/admin/").status_code == 403
    login_as(world.certifier)
    assert client.get("/reva/accompagnateur/").status_code == 403
    login_as(UserFactory())  # no national role: the staff pages do not exist for them
    assert client.get("/reva/accompagnateur/").status_code == 404


def test_catalogue_search_by_keyword_and_level(client):
    world = World()
    world.certification.label = "Titre professionnel Cuisinier"
    world.certification.level = 3
    db.session.commit()
    assert World().certification.label != world.certification.label  # another one
    found = text(client.get("/reva/certifications?q=cuisin&level=3"))
    assert "Titre professionnel Cuisinier" in found and "1 certification" in found
    assert "Aucune certification" in text(client.get("/reva/certifications?q=cuisin&level=5"))
    fragment = client.get("/reva/certifications?q=cuisin", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "Cuisinier" in fragment.text


def test_a_catalogue_page_past_the_last_shows_the_last_page(client):
    world = World()
    world.certification.label = "Titre professionnel Cuisinier"
    db.session.commit()
    past_the_end = text(client.get("/reva/certifications?q=cuisin&page=9999"))
    assert "Titre professionnel Cuisinier" in past_the_end and "1 certification" in past_the_end


def test_the_optional_survey_is_offered_from_admissibility_and_feeds_the_indicators(
    client, login_as
):
    from app.indicators import reva as indicators

    world = World()
    early = world.candidacy(status=Status.SUBMITTED)
    later = world.candidacy(status=Status.ADMISSIBLE, candidate=early.candidate)
    login_as(early.candidate)
    assert "Votre avis (facultatif)" not in text(
        client.get(f"/reva/candidatures/{early.public_id}")
    )
    assert client.post(f"/reva/candidatures/{early.public_id}/enquete").status_code == 403
    assert "Votre avis (facultatif)" in text(client.get(f"/reva/candidatures/{later.public_id}"))
    bad = client.post(f"/reva/candidatures/{later.public_id}/enquete", data={"confidence": "9"})
    assert bad.status_code == 422
    url = f"/reva/candidatures/{later.public_id}/enquete"
    assert client.post(url, data={"recruited": "oui", "confidence": "4"}).status_code == 303
    assert client.post(url, data={"recruited": "oui", "confidence": "5"}).status_code == 303
    data = indicators.compute()
    assert (data["survey_answers"], data["recruited_rate"], data["self_confidence"]) == (
        1,
        100.0,
        5.0,
    )
    login_as(world.accompagnateur)
    assert client.post(url, data={"recruited": "non"}).status_code == 403


def test_organism_queue_and_admin_list_do_not_grow_with_the_rows(client, login_as):
    world = World()
    world.candidacy(status=Status.SUBMITTED)
    for user, url in (
        (world.accompagnateur, "/reva/accompagnateur/"),
        (world.admin, "/reva/admin/candidatures"),
    ):
        login_as(user)
        with count_queries() as few:
            assert client.get(url).status_code == 200
        for status in (Status.SUBMITTED, Status.PATH_SENT, Status.ADMISSIBLE):
            world.candidacy(status=status)
        with count_queries() as many:
            page = text(client.get(url))
        assert len(many) == len(few), url
        assert page.count("/reva/candidatures/") >= 4, url
