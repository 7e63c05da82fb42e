"""CPU cost of one key page, in process: where a request's milliseconds go.

    python -m bench profile --database URL --pages LOADED.json [--page NAME] [--top 30]

Run it on a database filled by `python -m bench load --json > LOADED.json`. It creates the application as the
Procfile's server does (production settings), logs the page's user in through the real form,
then asks the page `--requests` times with Flask's test client and prints the CPU time per
request (process time, so another process's load does not count) and, with `--top`, the
functions where that time goes (cProfile, cumulative). Nothing is asserted: it is a tool for
finding causes; the throughput figures come from `python -m bench run`.
"""

from __future__ import annotations

import cProfile
import io
import logging
import os
import pstats
import re
import secrets
import time
from urllib.parse import urlencode


def _app(database: str):
    os.environ.update(
        DATABASE_URL=database,
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_hex(16),
        RATELIMIT_ENABLED="false",
        QUERY_COUNT_HEADER="true",
        PUBLIC_BASE_URL="http://localhost",
        TRUSTED_HOSTS="localhost",
    )
    os.environ.pop("FLASK_DEBUG", None)
    from app import create_app

    app = create_app()
    logging.getLogger("app.request").setLevel(logging.WARNING)  # one line per request otherwise
    app.config["SESSION_COOKIE_SECURE"] = False
    app.config["REMEMBER_COOKIE_SECURE"] = False
    return app


def _token(html: bytes) -> str:
    found = re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    return found.group(1).decode() if found else ""


def profile(database: str, pages, passwords, name: str | None, requests: int, top: int) -> None:
    app = _app(database)
    selected = [p for p in pages if name is None or p.name == name]
    if not selected:
        raise SystemExit(f"Page inconnue : {name!r} ; pages : {', '.join(p.name for p in pages)}")
    for page in selected:
        client = app.test_client()
        login = client.get("/connexion")
        sent = client.post(
            "/connexion",
            data={
                "csrf_token": _token(login.data),
                "email": page.email,
                "password": passwords[page.email],
            },
        )
        if sent.status_code != 303:
            raise SystemExit(f"Connexion refusée pour {page.email} ({sent.status_code})")
        headers = {"Accept-Encoding": "br, gzip"}

        def ask(page=page, client=client, headers=headers):
            if page.form:
                form = client.get(page.path)
                body = urlencode({**page.form, "csrf_token": _token(form.data)})
                return client.post(
                    page.path,
                    data=body,
                    headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
                )
            return client.get(page.path, headers=headers)

        first = ask()
        if first.status_code != 200:
            raise SystemExit(f"{page.name} : {page.path} répond {first.status_code}")
        for _ in range(5):
            ask()
        profiler = cProfile.Profile() if top else None
        started = time.process_time()
        if profiler:
            profiler.enable()
        for _ in range(requests):
            ask()
        if profiler:
            profiler.disable()
        cpu_ms = (time.process_time() - started) * 1000 / requests
        queries = first.headers.get("X-SQL-Queries", "?")
        print(f"{page.name}: {cpu_ms:.1f} ms CPU/requête, {queries} requêtes SQL ({page.path})")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
            print(out.getvalue())
