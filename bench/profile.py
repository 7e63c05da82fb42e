"""CPU cost of one key page, in process: where a request's milliseconds go.

    python -m bench profile --database URL --pages LOADED.json [--page NAME] [--top 30]

Run it on a database filled by `python -m bench load --json > LOADED.json`. It creates the
application as the Procfile's server does (production settings), logs the page's user in through
the real form, then asks the page `--requests` times with Flask's test client and prints the CPU
time per request (process time, so another process's load does not count), its split between
the request's stages, and, with `--top`, the functions where the time goes (cProfile,
cumulative). `python -m bench run` writes the same split for every page that misses its target.
Nothing is asserted: it is a tool for finding causes; throughput comes from `bench run`.
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
from dataclasses import dataclass, field

# Stages of a request, found in cProfile's table by (file suffix, function). They overlap where
# one runs inside another (SQL run while rendering a template counts in both).
STAGES = (
    ("connexion, territoire, droits", "flask/app.py", "preprocess_request"),
    ("SQL (ORM compris)", "sqlalchemy/orm/session.py", "_execute_internal"),
    ("gabarits", "flask/templating.py", "_render"),
    ("compression", "flask_compress/flask_compress.py", "after_request"),
)
TOTAL = ("flask/app.py", "wsgi_app")


@dataclass
class Cost:
    page: str
    path: str
    cpu_ms: float  # per request, without the profiler
    queries: str
    stages: dict[str, float] = field(default_factory=dict)  # share of the request's time
    functions: list[tuple[str, float]] = field(default_factory=list)  # the portal's, ms/request

    def summary(self) -> str:
        stages = ", ".join(f"{name} {share:.0%}" for name, share in self.stages.items())
        functions = ", ".join(f"`{name}` {ms:.1f} ms" for name, ms in self.functions)
        return (
            f"{self.cpu_ms:.1f} ms de CPU par requête, {self.queries} requêtes SQL ; "
            f"{stages} ; fonctions du portail les plus coûteuses : {functions}"
        )


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


def _asker(app, page, password: str):
    """A function asking `page` as its user (logged in through the real form)."""
    client = app.test_client()
    login = client.get("/connexion")
    sent = client.post(
        "/connexion",
        data={"csrf_token": _token(login.data), "email": page.email, "password": password},
    )
    if sent.status_code != 303:
        raise SystemExit(f"Connexion refusée pour {page.email} ({sent.status_code})")
    headers = {"Accept-Encoding": "br, gzip"}
    form = None
    if page.form:  # the session's CSRF token, read once from the form page
        form = {**page.form, "csrf_token": _token(client.get(page.path).data)}

    def ask():
        if form is not None:
            return client.post(page.path, data=form, headers=headers)
        return client.get(page.path, headers=headers)

    return ask


def _stat(stats: dict, suffix: str, function: str) -> float:
    return sum(
        row[3]
        for (filename, _, name), row in stats.items()
        if name == function and filename.endswith(suffix)
    )


def _counts(relative: str) -> bool:
    """A function worth naming: not a template, a view or a wrapper around the whole request."""
    name = os.path.basename(relative)
    return not (
        "/templates/" in relative
        or "/views" in relative
        or name.startswith("views")
        or relative in ("core/access.py", "core/htmx.py", "tenancy/__init__.py")
    )


def cost(app, page, password: str, requests: int = 200, top: int = 0, out=None) -> Cost:
    ask = _asker(app, page, password)
    first = ask()
    if first.status_code != 200:
        raise SystemExit(f"{page.name} : {page.path} répond {first.status_code}")
    for _ in range(5):
        ask()
    started = time.process_time()
    for _ in range(requests):
        ask()
    result = Cost(
        page.name,
        page.path,
        (time.process_time() - started) * 1000 / requests,
        first.headers.get("X-SQL-Queries", "?"),
    )
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(max(requests // 2, 1)):
        ask()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = _stat(stats.stats, *TOTAL) or 1.0
    result.stages = {name: _stat(stats.stats, *where) / total for name, *where in STAGES}
    app_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/app/"
    own = sorted(
        (
            (f"{filename[len(app_root) :]}:{name}", row[3] / total)
            for (filename, _, name), row in stats.stats.items()
            if filename.startswith(app_root) and _counts(filename[len(app_root) :])
        ),
        key=lambda item: -item[1],
    )
    result.functions = [(name, share * result.cpu_ms) for name, share in own[:4]]
    if top and out is not None:
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return result


def profile(database: str, pages, passwords, name: str | None, requests: int, top: int) -> None:
    app = _app(database)
    selected = [p for p in pages if name is None or p.name == name]
    if not selected:
        raise SystemExit(f"Page inconnue : {name!r} ; pages : {', '.join(p.name for p in pages)}")
    for page in selected:
        out = io.StringIO()
        result = cost(app, page, passwords[page.email], requests, top, out)
        print(f"{page.name} ({page.path}) : {result.summary()}")
        if top:
            print(out.getvalue())
