"""Public pages and the national roles' main pages (finance, territory administration) pass the
accessibility basics (axe-core included) and the HTML validator, on a phone and a desktop."""

import pytest

from app.accounts.roles import Role
from tests.browser.conftest import check_accessibility_basics, login_with_password
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_national_pages_pass_the_accessibility_basics(people, device):
    """The national roles' main pages (finance, territory administration), and the public ones."""
    page = people(device)
    for path in ("/", "/connexion", "/mentions-legales", "/accessibilite", "/donnees-personnelles"):
        page.goto(path)
        check_accessibility_basics(page)
    login_with_password(page, member(Role.FINANCE_DELEGANT, None).email, PASSWORD)
    page.goto("/finance/")
    check_accessibility_basics(page)

    admin = people(device)
    login_with_password(admin, member(Role.ADMIN, None).email, PASSWORD)
    admin.goto("/admin/territoires/")
    check_accessibility_basics(admin)
