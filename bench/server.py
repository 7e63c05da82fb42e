"""Serve the benchmark database as production does: the Procfile's `web:` command (gunicorn)."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]


class Address(tuple):
    """(host, port) of the server, and the pid of its master process."""

    def __new__(cls, address: tuple[str, int], pid: int):
        instance = super().__new__(cls, address)
        instance.pid = pid
        return instance


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile_web(env: dict[str, str]) -> list[str]:
    """The Procfile's web command, its ${VAR:-default} expanded from `env`."""
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    command = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m.group(1), m.group(2)), line[4:])
    argv = shlex.split(command)
    argv[0] = str(Path(sys.executable).with_name(argv[0]))  # the virtualenv's gunicorn
    return argv


@contextlib.contextmanager
def serve(database_url: str, workers: int = 2):
    """Start the Procfile's web process on a free local port; yield its (host, port)."""
    port = free_port()
    folder = tempfile.mkdtemp(prefix="bench-server-")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(16),
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "RATELIMIT_ENABLED": "false",
        "QUERY_COUNT_HEADER": "true",
        "MAIL_OUTBOX_PATH": f"{folder}/outbox.jsonl",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("FLASK_DEBUG", None)
    argv = procfile_web(env)
    argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"  # loopback only
    with open(f"{folder}/gunicorn.log", "wb") as log:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if get(("127.0.0.1", port), "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn n'a pas démarré : voir {folder}/gunicorn.log")
                time.sleep(0.2)
            yield Address(("127.0.0.1", port), process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)


def get(address, path: str, cookie: str = "", encoding: str = "br", body: str = ""):
    """One GET (a POST of `body` when given): (status, headers, raw body as on the wire)."""
    connection = http.client.HTTPConnection(*address, timeout=30)
    try:
        headers = {"Accept-Encoding": encoding}
        if cookie:
            headers["Cookie"] = cookie
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request("POST" if body else "GET", path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def csrf_token(html: bytes) -> str:
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        rb'name="csrf_token" value="([^"]+)"', html
    )
    return token.group(1).decode()


def form_body(address, path: str, cookie: str, form: dict[str, str]) -> tuple[str, str]:
    """The urlencoded form with a CSRF token from the form page, and the session cookie that
    holds that token (the page may set a new one)."""
    _, headers, html = get(address, path, cookie, encoding="identity")
    return urlencode({**form, "csrf_token": csrf_token(html)}), _cookie(headers) or cookie


def login(address, email: str, password: str) -> str:
    """Log in through the real form (CSRF included); return the session cookie header."""
    status, headers, body = get(address, "/connexion", encoding="identity")
    cookie = _cookie(headers)
    connection = http.client.HTTPConnection(*address, timeout=30)
    try:
        form = {"csrf_token": csrf_token(body), "email": email, "password": password}
        connection.request(
            "POST",
            "/connexion",
            body=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        response = connection.getresponse()
        response.read()
        if response.status != 303:
            raise SystemExit(f"Connexion refusée pour {email} ({response.status})")
        return _cookie(response.headers) or cookie
    finally:
        connection.close()


def _cookie(headers) -> str:
    pairs = [h.split(";", 1)[0] for h in headers.get_all("Set-Cookie") or []]
    return "; ".join(pairs)
