"""Keyboard use: skip links first, a visible focus on every control, and focus that follows the
content htmx swaps in (to the same control, or to the field in error)."""

import re

import pytest

from app.accounts.roles import Role
from tests.browser.conftest import login_with_password
from tests.carnet.factories import NotebookFactory, add_barrier, add_member
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.browser

# The focused element, and whether an outline shows it (on it, or on its ::before, which the DSFR
# outlines for "enlarged" links: cards, tiles, the header brand).
FOCUSED = """() => {
    const el = document.activeElement, box = el.getBoundingClientRect();
    let outline = false;
    for (const style of [getComputedStyle(el), getComputedStyle(el, '::before')]) {
        if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) outline = true;
    }
    return {id: el.id, tag: el.tagName, text: (el.innerText || el.value || '').trim().slice(0, 40),
            outline, visible: box.width > 0 && box.height > 0,
            section: (el.closest('section') || {}).id || ''};
}"""


def focused(page):
    return page.evaluate(FOCUSED)


def test_skip_link_then_a_visible_focus_on_each_control(people):
    pro = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, pro, referent=True)
    add_barrier(notebook, with_children=True)
    page = people("desktop")
    login_with_password(page, pro.email, PASSWORD)
    page.goto(f"/seine-saint-denis/carnet/carnets/{notebook.id}")

    page.keyboard.press("Tab")
    first = focused(page)
    assert first["text"] == "Contenu" and first["visible"] and first["outline"], first
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "contenu"

    seen = []
    for _ in range(60):  # every control of the page, until focus leaves the document
        page.keyboard.press("Tab")
        now = focused(page)
        if now["tag"] == "BODY":
            break
        assert now["visible"] and now["outline"], f"focus not visible on {now} after {seen}"
        seen.append(now["text"])
    assert "Ajouter le frein" in seen and "Mentions légales" in seen


def test_focus_follows_the_swapped_section(people):
    pro = member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, pro, referent=True)
    add_barrier(notebook, with_children=True)
    page = people("desktop")
    login_with_password(page, pro.email, PASSWORD)
    page.goto(f"/seine-saint-denis/carnet/carnets/{notebook.id}")
    section = page.locator("#section-barriers")

    # A status changed from the keyboard: the section is replaced, focus stays on that select.
    status = section.get_by_label(re.compile("^État de l'objectif"))
    select_id = status.get_attribute("id")
    status.evaluate("el => { el.dataset.before = 'swap'; el.focus(); }")
    status.select_option("in_progress")
    page.wait_for_function(
        "id => document.activeElement.id === id && !document.activeElement.dataset.before",
        arg=select_id,
    )

    # A barrier sent without its situation: focus goes to the field in error.
    section.get_by_label("Thème").select_option("logement")
    section.get_by_role("button", name="Ajouter le frein").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.getAttribute('aria-invalid') === 'true'")
    assert focused(page)["section"] == "section-barriers"
