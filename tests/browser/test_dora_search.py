"""The walk of the search issue, on a phone and a desktop: a professional opens a person's
mobility barrier → "trouver une solution" → answers two questions → opens a sheet → orients the
person → the structure accepts through its link → the orientation shows as accepted in the
notebook, for the professional and for the person."""

import json
import re

import pytest

from app.accounts.roles import Role
from app.carnet.models import BarrierTheme
from app.extensions import db
from tests.browser.conftest import check_accessibility_basics, login_with_password, open_page
from tests.carnet.factories import NotebookFactory, add_barrier, add_member
from tests.dora.factories import ServiceFactory, territory
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.browser
LA = "loire-atlantique"


def last_link_to(live_server, email):
    with open(live_server.config["MAIL_OUTBOX_PATH"], encoding="utf-8") as f:
        messages = [json.loads(line) for line in f if json.loads(line)["to"] == email]
    return re.search(r"https?://\S+", messages[-1]["body"]).group(0)


def test_from_a_barrier_to_an_accepted_orientation(page, browser, live_server):
    pro = member(Role.PROFESSIONAL, LA, first_name="Karim", last_name="Benali")
    person_user = member(Role.BENEFICIARY, LA)
    notebook = NotebookFactory(territory_id=territory(LA).id)
    notebook.beneficiary.first_name, notebook.beneficiary.last_name = "Julien", "Moreau"
    notebook.beneficiary.commune, notebook.beneficiary.postal_code = "Nantes", "44000"
    notebook.beneficiary.user_id = person_user.id
    db.session.commit()
    add_member(notebook, pro)
    add_barrier(notebook, BarrierTheme.MOBILITY, situation="Pas de permis, trajets de 1 h 30")
    ServiceFactory(
        published=True,
        name="Auto-école sociale de Nantes",
        thematiques=["mobilite--preparer-un-permis"],
        contact_email="accueil@autoecole.fr",
    )
    ServiceFactory(
        published=True, name="Location de voitures", thematiques=["mobilite--acceder-a-un-vehicule"]
    )

    login_with_password(page, pro.email, PASSWORD)
    page.goto(f"/{LA}/carnet/carnets/{notebook.id}")
    page.get_by_role("link", name="Trouver une solution").click()
    page.get_by_role("heading", level=1, name=re.compile("Trouver une solution")).wait_for()
    assert page.get_by_label("Commune de la personne").input_value() == "Nantes (44000)"
    check_accessibility_basics(page)

    # Two questions: no licence, no vehicle.
    page.locator("#question-permis").get_by_text("Non", exact=True).click()
    page.locator("#question-vehicule").get_by_text("Non", exact=True).click()
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("heading", name=re.compile("1 solution pour « Mobilité » à Nantes")).wait_for()
    assert "permis=non" in page.url and "vehicule=non" in page.url
    assert page.get_by_text("Location de voitures").count() == 0
    # The results came without the territory's communes: they load when the field is focused.
    assert page.locator("#communes option").count() == 0
    page.get_by_label("Commune de la personne").focus()
    page.locator('#communes option[value="Saint-Nazaire (44600)"]').wait_for(state="attached")
    assert page.locator("#communes option").count() > 100
    check_accessibility_basics(page)

    page.get_by_role("link", name="Auto-école sociale de Nantes").click()
    page.get_by_role("heading", level=1, name="Auto-école sociale de Nantes").wait_for()
    check_accessibility_basics(page)
    page.get_by_role("link", name="Orienter la personne").click()
    assert page.get_by_label("Prénom de la personne").input_value() == "Julien"
    page.get_by_label("Motif de l'orientation").fill("Préparer le permis B pour un emploi à 30 km.")
    page.get_by_text("La personne est d'accord").click()
    check_accessibility_basics(page)
    page.get_by_role("button", name="Envoyer l'orientation").click()
    page.get_by_text("L'orientation est envoyée").wait_for()
    assert page.get_by_text("En attente de réponse").first.is_visible()

    # The structure accepts through its link (no account).
    structure = open_page(browser, live_server, page.device)
    structure.goto(last_link_to(live_server, "accueil@autoecole.fr"))
    assert structure.get_by_text("Julien Moreau").first.is_visible()
    check_accessibility_basics(structure)
    structure.get_by_role("button", name="Accepter l'orientation").click()
    structure.get_by_text("Vous avez accepté l'orientation").wait_for()
    structure.context.close()

    # The professional sees it accepted in the notebook...
    page.goto(f"/{LA}/carnet/carnets/{notebook.id}")
    action = page.locator("li", has_text="Orientation vers « Auto-école sociale de Nantes »")
    assert action.locator("select").input_value() == "in_progress"
    assert action.get_by_text("Orientation : acceptée").is_visible()
    action.get_by_role("link", name="voir l'orientation").click()
    page.get_by_text("Julien Moreau").first.wait_for()
    page.goto(f"/{LA}/dora/orientations/")
    assert page.get_by_text("Acceptée").first.is_visible()

    # ... and so does the person, on their own device.
    person = open_page(browser, live_server, page.device)
    login_with_password(person, person_user.email, PASSWORD)
    person.goto(f"/{LA}/carnet/carnets/{notebook.id}")
    person_action = person.locator(
        "li", has_text="Orientation vers « Auto-école sociale de Nantes »"
    )
    assert person_action.locator("select").input_value() == "in_progress"
    assert person_action.get_by_text("Orientation : acceptée").is_visible()
    check_accessibility_basics(person)
    person.context.close()
