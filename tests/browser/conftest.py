"""A live server (the real app, CSRF on) in a thread, and headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from tests.conftest import PortalClient, portal_test_config

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def live_server(app, tmp_path_factory):
    config = portal_test_config(
        app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp("live")
    )
    config.update(WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    live_app = create_app(config)
    live_app.test_client_class = PortalClient
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live_app.base_url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["PUBLIC_BASE_URL"] = live_app.base_url  # links in mail lead to this server
    yield live_app
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is required for browser tests ({CHROMIUM}); .ci/run installs it.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def open_page(browser, live_server, device: str):
    """A fresh browser context (its own cookies: one person) on the live server."""
    context = browser.new_context(
        base_url=live_server.base_url,
        locale="fr-FR",
        **(PHONE if device == "phone" else DESKTOP),
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.device = device
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type not in ("document", "fetch", "xhr")
            else None
        ),
    )
    page.js_errors = errors
    return page


@pytest.fixture(params=["phone", "desktop"])
def page(request, browser, live_server):
    page = open_page(browser, live_server, request.param)
    yield page
    page.context.close()
    assert page.js_errors == []


@pytest.fixture
def people(browser, live_server):
    """Several people, each with their own phone browser."""
    pages = []

    def _open(device="phone"):
        pages.append(open_page(browser, live_server, device))
        return pages[-1]

    yield _open
    for page in pages:
        page.context.close()
    assert [p.js_errors for p in pages if p.js_errors] == []


def login_with_password(page, email, password):
    page.goto("/connexion")
    form = page.locator(
        "section", has=page.get_by_role("heading", name="Se connecter avec un mot de passe")
    )
    form.get_by_label("Adresse électronique").fill(email)
    form.get_by_label("Mot de passe").fill(password)
    form.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def open_menu(page):
    """On a phone the navigation sits behind the "Menu" button."""
    if page.device == "phone":
        page.get_by_role("button", name="Menu").click()
        return page.locator("#menu-principal")
    return page


def check_accessibility_basics(page):
    """What every page must satisfy: language, title, one h1, labelled fields, no overflow."""
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.title().endswith("Portail SPIE")
    assert page.locator("h1").count() == 1
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.name || el.id)"""
    )
    assert unlabelled == []
    duplicate_ids = page.evaluate(
        """() => { const seen = {}; document.querySelectorAll('[id]').forEach(
            el => seen[el.id] = (seen[el.id] || 0) + 1);
            return Object.keys(seen).filter(id => seen[id] > 1); }"""
    )
    assert duplicate_ids == []
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the viewport"
