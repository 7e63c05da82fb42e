"""REVA on phones: a candidate registers and submits; the accompagnateur takes it in charge and
sends the feasibility file; the certifier endorses a skill and declares it admissible; the
candidate sees each milestone with its date and the badge of the endorsed skill."""

from __future__ import annotations

import json
import os
import re
import time

import pytest

from app.reva.models import Status
from tests.browser.conftest import check_accessibility_basics, login_with_password
from tests.factories import PASSWORD
from tests.reva.factories import World

pytestmark = pytest.mark.browser


def mails(live_server) -> list[str]:
    path = live_server.config["MAIL_OUTBOX_PATH"]
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return f.readlines()


def new_link(live_server, seen: int) -> str:
    """The link of the first mail after the `seen` ones (the magic link leaves just after the
    response: wait for it)."""
    for _ in range(300):  # up to 30 s: a loaded CI machine can be slow to close the response
        lines = mails(live_server)
        if len(lines) > seen:
            break
        time.sleep(0.1)
    message = json.loads(lines[seen])
    return re.search(r"https?://\S+", message["body"]).group(0)


def test_a_candidacy_from_sign_up_to_admissibility_on_phones(people, live_server):
    world = World()
    certification = world.certification

    candidate = people("phone")
    candidate.goto(f"/reva/certifications/{certification.id}")
    check_accessibility_basics(candidate)
    candidate.get_by_role("link", name="Démarrer ma VAE pour cette certification").click()
    candidate.get_by_label("Prénom").fill("Awa")
    candidate.get_by_label("Nom", exact=True).fill("Traoré")
    candidate.get_by_label("Adresse électronique").fill("awa.traore@exemple.fr")
    seen = len(mails(live_server))
    candidate.get_by_role("button", name="Recevoir mon lien de connexion").click()
    assert candidate.get_by_role("heading", name="Vérifiez votre messagerie").is_visible()
    candidate.goto(new_link(live_server, seen))
    candidate.get_by_role("button", name="Continuer").click()
    candidate.wait_for_url("**/reva/candidature/nouvelle**")
    check_accessibility_basics(candidate)

    candidate.get_by_label("Votre département", exact=True).select_option("93")
    # loaded by htmx for the department; DSFR radios are operated through their label
    candidate.locator("#organismes").get_by_text(world.organism.name).click()
    candidate.get_by_label("Vos objectifs").fill("Devenir responsable de secteur.")
    candidate.locator("#experiences-0-title").fill("Aide à domicile")
    candidate.locator("#experiences-0-duration_months").fill("60")
    candidate.get_by_role("button", name="Enregistrer mon projet").click()
    candidate.get_by_role("button", name="Envoyer ma candidature").click()
    candidate.get_by_text("Attendue de l'organisme accompagnateur").wait_for()
    candidate.locator("#title").fill("J'organise les tournées de l'équipe")
    candidate.get_by_role("button", name="Ajouter cette compétence").click()
    candidate.get_by_text("Compétence ajoutée à votre dossier.").wait_for()
    check_accessibility_basics(candidate)
    candidacy_url = candidate.url.split("#")[0]

    accompagnateur = people("phone")
    login_with_password(accompagnateur, world.accompagnateur.email, PASSWORD)
    accompagnateur.goto("/reva/accompagnateur/")
    check_accessibility_basics(accompagnateur)
    accompagnateur.get_by_role("link", name="Awa Traoré").click()
    accompagnateur.get_by_role("button", name="Prendre en charge").click()
    accompagnateur.locator("#statut", has_text="Prise en charge").wait_for()
    accompagnateur.get_by_label("Heures d'accompagnement individuel").fill("12")
    accompagnateur.get_by_label("Heures d'accompagnement collectif").fill("6")
    accompagnateur.get_by_role("button", name="Envoyer le parcours").click()
    accompagnateur.locator("#statut", has_text="Parcours proposé").wait_for()

    candidate.goto(candidacy_url)
    candidate.get_by_role("button", name="Confirmer mon parcours").click()
    candidate.locator("#statut", has_text="Parcours confirmé").wait_for()

    accompagnateur.reload()
    for select in accompagnateur.locator("select[name^=mastery-]").all():
        select.select_option("acquired")
    accompagnateur.get_by_role("button", name="Enregistrer le dossier").click()
    accompagnateur.get_by_text("Dossier de faisabilité enregistré.").wait_for()
    accompagnateur.get_by_role("button", name="Envoyer le dossier de faisabilité").click()
    accompagnateur.locator("#statut", has_text="Dossier de faisabilité envoyé").wait_for()

    certifier = people("phone")
    login_with_password(certifier, world.certifier.email, PASSWORD)
    certifier.goto("/reva/certificateur/")
    check_accessibility_basics(certifier)
    certifier.get_by_role("link", name="Awa Traoré").click()
    certifier.get_by_role("button", name="Reconnaître et délivrer le badge").click()
    certifier.get_by_text("Compétence reconnue : un badge a été délivré.").wait_for()
    certifier.get_by_role("button", name="Déclarer recevable").click()
    certifier.locator("#statut", has_text=Status.ADMISSIBLE.label).wait_for()

    candidate.goto(candidacy_url)
    check_accessibility_basics(candidate)
    milestones = candidate.locator("#jalons li").all_inner_texts()
    labels = [m.split(" — ")[0] for m in milestones]
    assert labels == [
        "Candidature envoyée",
        "Prise en charge",
        "Parcours proposé",
        "Parcours confirmé",
        "Dossier de faisabilité envoyé",
        "Recevable",
    ]
    assert all(re.search(r"le \d{2}/\d{2}/\d{4}", m) for m in milestones)
    skills = candidate.locator("#competences")
    assert "Reconnue" in skills.text_content()
    badge = skills.get_by_role("link", name="badge vérifiable").get_attribute("href")
    document = candidate.request.get(badge)
    assert document.status == 200 and document.json()["type"] == "Assertion"
