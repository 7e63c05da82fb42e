"""The Carnet de bord walk of the issue, on phones: create → consent by magic link → join → barrier
→ the person sees the barrier and who opened their notebook."""

import json
import re

import pytest

from app.accounts.roles import Role
from tests.browser.conftest import check_accessibility_basics, login_with_password
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.browser


def last_link_to(live_server, email):
    with open(live_server.config["MAIL_OUTBOX_PATH"], encoding="utf-8") as f:
        messages = [json.loads(line) for line in f if json.loads(line)["to"] == email]
    return re.search(r"https?://\S+", messages[-1]["body"]).group(0)


def test_notebook_shared_with_consent_on_phones(people, live_server):
    first = member(Role.PROFESSIONAL, first_name="Karim", last_name="Benali")
    second = member(Role.PROFESSIONAL, first_name="Léa", last_name="Durand")

    # A professional creates the notebook and sends the person a link.
    karim = people()
    login_with_password(karim, first.email, PASSWORD)
    karim.goto("/seine-saint-denis/carnet/carnets/nouveau")
    check_accessibility_basics(karim)
    karim.get_by_label("Prénom").fill("Julien")
    karim.get_by_label("Nom", exact=True).fill("Moreau")
    karim.get_by_label("Date de naissance").fill("1990-04-12")
    karim.get_by_label("Situation").select_option("rsa")
    karim.get_by_label("Adresse électronique (facultatif)").fill("julien.moreau@exemple.fr")
    karim.get_by_text("Envoyer à la personne un lien").click()
    karim.get_by_role("button", name="Créer le carnet").click()
    assert karim.get_by_role("heading", level=1).inner_text() == "Julien Moreau"
    assert karim.get_by_text("Demande en attente du consentement").is_visible()

    # The person accepts the invitation mailed at the notebook's creation (their role starts
    # then), lands on their notebook, and grants consent.
    julien = people()
    julien.goto(last_link_to(live_server, "julien.moreau@exemple.fr"))
    julien.get_by_role("button", name="Activer mon compte").click()
    julien.get_by_role("heading", name="Mon carnet de bord").wait_for()
    check_accessibility_basics(julien)
    julien.get_by_role("button", name="Accorder le partage à Karim Benali").click()
    julien.get_by_role("button", name="Retirer le partage à Karim Benali").wait_for()

    # A second professional finds the notebook and asks to join; the person accepts.
    lea = people()
    login_with_password(lea, second.email, PASSWORD)
    lea.goto("/seine-saint-denis/carnet/rechercher")
    lea.get_by_label("Nom", exact=True).fill("moreau")
    lea.get_by_label("Prénom").fill("julien")
    lea.get_by_label("Date de naissance").fill("1990-04-12")
    lea.get_by_role("button", name="Rechercher").click()
    lea.get_by_role("link", name=re.compile("Julien Moreau")).click()
    lea.get_by_role("button", name="Demander à rejoindre le carnet").click()
    lea.get_by_text("Demande envoyée").wait_for()

    julien.reload()
    julien.get_by_role("button", name="Accorder le partage à Léa Durand").click()
    julien.get_by_role("button", name="Retirer le partage à Léa Durand").wait_for()

    # She opens the notebook and adds a barrier (htmx swaps the section in place).
    lea.goto(lea.url.replace("/fiche", ""))
    check_accessibility_basics(lea)
    lea.get_by_label("Thème").select_option("mobilite")
    lea.locator("#section-barriers").get_by_label(re.compile("^Situation")).last.fill(
        "Pas de permis de conduire, trajets de 1 h 30"
    )
    lea.get_by_role("button", name="Ajouter le frein").click()
    lea.get_by_role("heading", name="Mobilité", level=3).wait_for()
    assert lea.locator(
        "p.portal-text", has_text="Pas de permis de conduire, trajets de 1 h 30"
    ).is_visible()

    # The person sees the barrier and who opened their notebook.
    julien.reload()
    assert julien.locator(
        "p.portal-text", has_text="Pas de permis de conduire, trajets de 1 h 30"
    ).is_visible()
    julien.get_by_role("link", name="Qui a consulté mon carnet").click()
    log = julien.locator("main").inner_text()
    assert "Léa Durand a consulté votre carnet" in log
    assert "Léa Durand a modifié votre carnet" in log
    check_accessibility_basics(julien)


def test_an_htmx_change_refused_after_consent_is_revoked_says_so(people, live_server):
    from sqlalchemy import select

    from app.carnet.models import Consent, ConsentStatus
    from app.extensions import db
    from tests.carnet.factories import NotebookFactory, add_member

    pro = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, pro)
    page = people("desktop")
    login_with_password(page, pro.email, PASSWORD)
    page.goto(f"/seine-saint-denis/carnet/carnets/{notebook.id}")
    consent = db.session.scalar(select(Consent))
    consent.status = ConsentStatus.REVOKED
    db.session.commit()
    page.get_by_label("Thème").select_option("logement")
    page.locator("#section-barriers").get_by_label(re.compile("^Situation")).last.fill("Hébergé")
    page.get_by_role("button", name="Ajouter le frein").click()
    alert = page.locator("#portal-live-errors .fr-alert")
    alert.wait_for()
    assert "Vous n'avez plus accès" in alert.inner_text()
    page.js_errors.clear()  # the 403 itself is expected here


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_coordinator_and_person_pages_pass_the_accessibility_basics(people, device):
    from app.extensions import db
    from tests.carnet.factories import NotebookFactory, add_barrier, add_member

    coordinator = member(Role.COORDINATOR)
    person = member(Role.BENEFICIARY)
    professional = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    notebook.beneficiary.user_id = person.id
    db.session.commit()
    add_member(notebook, professional, referent=True)
    add_barrier(notebook, with_children=True)

    page = people(device)
    login_with_password(page, coordinator.email, PASSWORD)
    for path, heading in [
        ("/seine-saint-denis/carnet/coordination/", "Coordination du Carnet de bord"),
        ("/seine-saint-denis/carnet/coordination/structures", None),
        ("/seine-saint-denis/carnet/coordination/sans-referent", None),
        ("/seine-saint-denis/carnet/coordination/import", None),
        ("/seine-saint-denis/carnet/coordination/indicateurs", None),
        ("/seine-saint-denis/carnet/coordination/suppressions", "Demandes de suppression"),
        ("/seine-saint-denis/carnet/coordination/jetons", "Jetons d'API"),
        ("/seine-saint-denis/equipe/", None),
    ]:
        page.goto(path)
        check_accessibility_basics(page)
        if heading:
            assert page.get_by_role("heading", level=1).inner_text() == heading

    reader = people(device)
    login_with_password(reader, person.email, PASSWORD)
    for suffix in ("", "/acces", "/imprimer"):
        reader.goto(f"/seine-saint-denis/carnet/carnets/{notebook.id}{suffix}")
        check_accessibility_basics(reader)
    reader.goto("/seine-saint-denis/carnet/questionnaire")
    check_accessibility_basics(reader)

    pro = people(device)
    login_with_password(pro, professional.email, PASSWORD)
    for path in (
        "/seine-saint-denis/carnet/carnets",
        "/seine-saint-denis/carnet/carnets/nouveau",
        "/seine-saint-denis/carnet/rechercher",
        f"/seine-saint-denis/carnet/carnets/{notebook.id}",
    ):
        pro.goto(path)
        check_accessibility_basics(pro)
