"""Light on the wire, measured by the browser (Resource Timing transfer sizes, fonts included):
a person's first visit to their notebook on a phone, then a later page from the cache."""

import pytest

from app.accounts.roles import Role
from app.extensions import db
from tests.browser.conftest import PHONE, login_with_password, open_page, transfers
from tests.carnet.factories import NotebookFactory, add_barrier, add_member
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.browser

FIRST_VISIT_MAX = 250_000
LATER_PAGE_MAX = 20_000


def test_person_first_visit_on_a_phone_then_a_later_page(browser, live_server):
    person = member(Role.BENEFICIARY)
    notebook = NotebookFactory()
    notebook.beneficiary.user_id = person.id
    db.session.commit()
    add_member(notebook, member(Role.PROFESSIONAL), referent=True)
    add_barrier(notebook, with_children=True)

    # Log in on one phone, then open the notebook on a phone with an empty cache and the session.
    login = open_page(browser, live_server, "phone")
    login_with_password(login, person.email, PASSWORD)
    state = login.context.storage_state()
    login.context.close()
    context = browser.new_context(
        base_url=live_server.base_url, locale="fr-FR", storage_state=state, **PHONE
    )
    try:
        page = context.new_page()
        page.goto(f"/seine-saint-denis/carnet/carnets/{notebook.id}")
        page.get_by_role("heading", name="Mon carnet de bord").wait_for()
        first = transfers(page)
        print(first.describe())
        assert first.total <= FIRST_VISIT_MAX, first.describe()
        fonts = [name for name, _ in first.items if name.endswith(".woff2")]
        assert fonts, first.describe()  # the measure includes the fonts

        page.get_by_role("link", name="Qui a consulté mon carnet").click()
        page.wait_for_load_state()
        later = transfers(page)
        print(later.describe())
        assert len(later.items) <= 2, later.describe()
        assert later.total <= LATER_PAGE_MAX, later.describe()
    finally:
        context.close()
