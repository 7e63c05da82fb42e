"""Logs hold no personal data: a browser journey against gunicorn started as the Procfile starts
it; its application and access logs are JSON lines with request ids, and hold none of the demo
people's names, emails, phone numbers or NIR."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import urllib.request

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.carnet.models import Beneficiary
from app.extensions import db
from tests.browser.conftest import login_with_password
from tests.core.battery import seed_demo

pytestmark = pytest.mark.browser
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def procfile_web() -> str:
    with open(os.path.join(ROOT, "Procfile"), encoding="utf-8") as f:
        return next(line for line in f if line.startswith("web:")).split(":", 1)[1].strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(app, tmp_path):
    port = free_port()
    base = f"http://localhost:{port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "gunicorn-test-secret",
        "PUBLIC_BASE_URL": base,
        "MAIL_OUTBOX_PATH": str(tmp_path / "outbox.jsonl"),
        "PATH": os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ["PATH"],
        "FLASK_DEBUG": "0",
    }
    env.pop("MAIL_SERVER", None)
    log = open(tmp_path / "gunicorn.log", "w+", encoding="utf-8")  # noqa: SIM115
    # `exec`: the shell becomes gunicorn, so that terminating the process stops gunicorn (a
    # forking shell would leave it serving after the test).
    process = subprocess.Popen(  # noqa: S602 (the Procfile's own command line)
        "exec " + procfile_web(),
        shell=True,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 (our server)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.terminate()
        log.seek(0)
        pytest.fail(log.read())
    yield base, tmp_path
    process.terminate()
    process.wait(timeout=10)
    log.close()


def personal_data() -> set[str]:
    values = set()
    for user in db.session.scalars(select(User)):
        values |= {user.email, user.first_name, user.last_name, user.phone or ""}
    for person in db.session.scalars(select(Beneficiary).execution_options(all_territories=True)):
        values |= {person.first_name, person.last_name, person.nir or "", person.mobile or ""}
        values |= {person.email or ""}
    return {v for v in values if len(v) >= 4}


def wait_for_mail(path, timeout: float = 30.0) -> str:
    """The body of the last mail: login links leave once the response has been sent."""
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return json.loads(path.read_text(encoding="utf-8").splitlines()[-1])["body"]


def test_no_personal_data_in_gunicorn_logs_after_a_browser_journey(app, browser, gunicorn):
    base, folder = gunicorn
    logins = {login["role"]: login for login in reversed(seed_demo(app))}  # first territory
    professional, person = logins["professional"], logins["beneficiary"]
    context = browser.new_context(base_url=base, locale="fr-FR")
    page = context.new_page()
    login_with_password(page, professional["email"], professional["password"])
    territory = professional["territory"]
    page.goto(f"/{territory}/carnet/carnets")
    page.get_by_label("Rechercher (nom ou prénom)").fill("Moreau")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.get_by_role("link", name=re.compile("moreau", re.I)).first.click()
    page.get_by_role("heading", level=1).wait_for()
    page.goto("/connexion")  # a wrong password for the person, then a login link
    page.context.clear_cookies()
    page.goto("/connexion")
    login_with_password(page, person["email"], "pas-le-bon-mot-de-passe")
    page.locator("#lien-email").fill(person["email"])
    page.get_by_role("button", name="Recevoir un lien de connexion").click()
    page.get_by_role("heading", name="Vérifiez votre messagerie").wait_for()
    link = re.search(r"https?://\S+", wait_for_mail(folder / "outbox.jsonl")).group(0)
    page.goto(link)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_load_state()
    page.goto(f"/{person['territory']}/carnet/mon-carnet")
    page.get_by_role("heading", name="Mon carnet de bord").wait_for()
    # A structure's signed orientation link (a made-up one: refused, but logged like any).
    page.goto("/loire-atlantique/dora/orientations/lien/Zm9v.c2lnbmVkLWxpbms")
    context.close()

    time.sleep(0.5)  # the last access lines
    text = (folder / "gunicorn.log").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    # Static files are served by WhiteNoise before the app (no request id); every other line of
    # the access log matches one request the app logged.
    access = [
        e
        for e in lines
        if e["logger"] == "gunicorn.access" and not e.get("path", "").startswith("/static/")
    ]
    requests = [e for e in lines if e["logger"] == "app.request"]
    assert len(access) > 10 and len(requests) > 10
    assert {e["request_id"] for e in access} == {e["request_id"] for e in requests}
    assert any(e.get("user_id") and e.get("territory") for e in requests)
    assert any("<jeton>" in e["path"] for e in access)  # the login link's token is masked
    assert link.rsplit("/", 1)[1].split("?")[0] not in text
    assert "c2lnbmVkLWxpbms" not in text  # every route's token, found in the URL map
    assert any(e["path"] == "/loire-atlantique/dora/orientations/lien/<jeton>" for e in access)
    leaks = sorted(
        f"{v}: …{text[m.start() - 60 : m.end() + 60]}…"
        for v in personal_data()
        for m in [re.search(rf"(?<!\w){re.escape(v)}(?!\w)", text, re.I)]
        if m
    )
    assert leaks == []
