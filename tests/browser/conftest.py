"""A live server (the real app, CSRF on) in a thread, and headless Chromium driven by Playwright.

Every HTML page a browser test receives is checked by the Nu HTML validator (vnu.jar from the pinned
npm package `vnu-jar`, served once per session on Debian's Java); `check_accessibility_basics`
also runs axe-core (npm `axe-core`, pinned) on the page as rendered, with the real stylesheet.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from app import create_app
from tests.conftest import PortalClient, portal_test_config

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
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


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    """The standard library's WSGI server, one thread per request. Like gunicorn, it closes each
    response as soon as it is written, so work deferred with `call_on_close` (login links) runs
    then; Werkzeug's development server first drains the socket until the browser hangs up."""

    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        pass


@pytest.fixture(scope="session")
def live_server(app, tmp_path_factory):
    config = portal_test_config(
        app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp("live")
    )
    # Every browser test logs in from 127.0.0.1, and factory addresses repeat between tests while
    # the throttle's memory is the process's: the allowances are not what these tests check.
    config.update(
        WTF_CSRF_ENABLED=True,
        SERVER_NAME=None,
        THROTTLE_FREE_PER_IP=100_000,
        THROTTLE_FREE_PER_ADDRESS=100_000,
    )
    live_app = create_app(config)
    live_app.test_client_class = PortalClient
    server = make_server(
        "127.0.0.1", 0, live_app, server_class=_ThreadedServer, handler_class=_QuietHandler
    )
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def html_validator():
    """The Nu HTML checker as a local HTTP service; returns validate(html) -> [error, ...]."""
    java = shutil.which("java")
    if not java:
        pytest.fail(
            "Java is required for the Nu HTML validator; .ci/run installs default-jre-headless."
        )
    if not VNU_JAR.exists():
        pytest.fail("vnu.jar missing: run `make assets` (npm ci installs the pinned vnu-jar).")
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 (fixed command)
        [java, "-Xss1m", "-cp", str(VNU_JAR), "nu.validator.servlet.Main", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/?out=json"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()  # noqa: S310
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("The Nu HTML validator did not start.")
            time.sleep(0.2)

    def validate(html: str) -> list[str]:
        request = urllib.request.Request(  # noqa: S310 (local validator)
            url, data=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            messages = json.load(response)["messages"]
        return [
            f"line {m.get('lastLine')}: {m['message']} «{m.get('extract', '').strip()}»"
            for m in messages
            if m["type"] == "error" or m.get("subType") == "fatal"
        ]

    yield validate
    server.terminate()
    server.wait(timeout=10)


def open_page(browser, live_server, device: str, javascript: bool = True):
    """A fresh browser context (its own cookies: one person) on the live server."""
    context = browser.new_context(
        base_url=live_server.base_url,
        locale="fr-FR",
        java_script_enabled=javascript,
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
    documents: dict[str, tuple[str, str]] = {}

    def keep_document(response):
        if (
            response.request.resource_type == "document"
            and response.status == 200
            and response.headers.get("content-type", "").startswith("text/html")
        ):
            html = response.text()
            documents[hashlib.sha1(html.encode()).hexdigest()] = (response.url, html)  # noqa: S324

    page.on("response", keep_document)
    page.documents = documents
    return page


def invalid_html(pages, validate) -> str:
    """Validator errors of every HTML page the browsers received ('' when there are none)."""
    found = []
    for page in pages:
        for url, html in page.documents.values():
            found += [f"{url} {error}" for error in validate(html)]
    return "\n".join(found)


@pytest.fixture(params=["phone", "desktop"])
def page(request, browser, live_server, html_validator):
    page = open_page(browser, live_server, request.param)
    yield page
    page.context.close()
    assert page.js_errors == []
    invalid = invalid_html([page], html_validator)
    assert not invalid, invalid


@pytest.fixture
def people(browser, live_server, html_validator):
    """Several people, each with their own phone browser (`javascript=False` to turn it off)."""
    pages = []

    def _open(device="phone", javascript=True):
        pages.append(open_page(browser, live_server, device, javascript))
        return pages[-1]

    yield _open
    for page in pages:
        page.context.close()
    assert [p.js_errors for p in pages if p.js_errors] == []
    invalid = invalid_html(pages, html_validator)
    assert not invalid, invalid


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
    html = page.evaluate("() => performance.getEntriesByType('navigation')[0].decodedBodySize")
    assert html <= HTML_MAX, f"{page.url}: {html} bytes of HTML"
    assert axe_violations(page) == []


_AXE_SOURCE: list[str] = []


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations of the page as rendered (injected through the
    DevTools protocol, so the page's CSP stays as served)."""
    if not _AXE_SOURCE:
        _AXE_SOURCE.append(AXE.read_text(encoding="utf-8"))
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_AXE_SOURCE[0])
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
                .filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => ({rule: v.id, help: v.help, url: location.pathname,
                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )


HTML_MAX = 100_000


@dataclass
class Transfers:
    items: list[tuple[str, int]]  # (url, bytes on the wire, headers included)
    html: int  # the page's HTML, decompressed

    @property
    def total(self) -> int:
        return sum(size for _, size in self.items)

    def describe(self) -> str:
        lines = [f"{size:>8} {url}" for url, size in self.items]
        return "\n".join([*lines, f"{self.total:>8} in {len(self.items)} requests"])


def transfers(page) -> Transfers:
    """What the current page fetched from the network (cache hits excluded), once it settled."""
    page.wait_for_load_state("networkidle")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    entries = page.evaluate(
        """() => [...performance.getEntriesByType('navigation'),
                  ...performance.getEntriesByType('resource')]
            .map(e => [e.name, e.transferSize, e.decodedBodySize, e.entryType])"""
    )
    html = next(decoded for _, _, decoded, kind in entries if kind == "navigation")
    return Transfers(
        items=[(name, size) for name, size, _, _ in entries if size > 0],
        html=html,
    )


def mail_to(live_server, email: str, timeout: float = 30.0) -> dict:
    """The last mail to `email` in the live server's outbox, waiting for it: login links leave
    once the response has been sent, so the page can show before the mail is written."""
    import json
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(live_server.config["MAIL_OUTBOX_PATH"], encoding="utf-8") as f:
                messages = [m for m in map(json.loads, f) if m["to"] == email]
        except FileNotFoundError:
            messages = []
        if messages or time.monotonic() > deadline:
            assert messages, f"no mail to {email}"
            return messages[-1]
        time.sleep(0.1)
