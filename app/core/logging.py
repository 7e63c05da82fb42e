"""Structured logs: one JSON object per line, with the request id, user id and territory, and no
personal data.

- Every record of the app's logger carries `request_id` (the router's `X-Request-Id` when it is a
  plain token, else a new one; echoed in the response), `user_id` and `territory` (a slug).
- One `request` line per request: method, endpoint, path without its query string, status and
  duration. A query string may carry what someone typed: it is never logged.
- Defence in depth: email addresses, phone numbers and long digit runs (NIR) are masked in every
  line, exception texts included; SQL parameters are hidden from SQLAlchemy's errors.
- Secrets in paths (login-link and invitation tokens) are masked, here and in gunicorn's access
  log (gunicorn.conf.py: JSON lines, the path without its query string, no referer).

`LOG_FORMAT=json` (the default outside debug) or `text`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import NoInspectionAvailable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\w)")
LONG_NUMBER = re.compile(r"(?<![\w])(?:[12](?:\s?[0-9AB]){12,14}|\d{11,})(?![\w])")
# Until the app's routes are known (`mask_secret_routes`): the login and invitation links.
SECRET_PATH = re.compile(r"^(/connexion/lien/|/invitations/)[^/?#]+")
SECRET_VARIABLES = frozenset({"token", "grant"})
SECRET_VARIABLE = re.compile(r"<(?:[^:<>]+:)?(?:token|grant)>")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")


def scrub(text: str) -> str:
    """Mask email addresses, phone numbers and NIR-like numbers."""
    text = EMAIL.sub("<courriel>", text)
    text = PHONE.sub("<téléphone>", text)
    return LONG_NUMBER.sub("<numéro>", text)


def safe_path(path: str) -> str:
    """The path with secret tokens masked (login links, invitations, signed links)."""
    return SECRET_PATH.sub(r"\1<jeton>", path)


def mask_secret_routes(app: Flask) -> None:
    """A URL variable named `token` (a link that acts without a login) or `grant` (a signed,
    user-bound access) is a secret: every route that has one is masked in the app's request log
    and gunicorn's access log, which both go through `safe_path`. Built from the routes once
    they are registered, so a new signed link is masked without anyone listing it here."""
    global SECRET_PATH
    heads = set()
    for rule in app.url_map.iter_rules():
        if not rule.arguments & SECRET_VARIABLES:
            continue
        head = SECRET_VARIABLE.split(rule.rule, maxsplit=1)[0]
        parts = re.split(r"<[^<>]+>", head)
        heads.add("[^/]+".join(re.escape(part) for part in parts))
    if heads:
        SECRET_PATH = re.compile(f"^({'|'.join(sorted(heads))})[^/?#]+")


def request_id() -> str | None:
    if not has_request_context():
        return None
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
    return g.request_id


def _context() -> dict:
    """Who and where, from what the request already loaded (logging never queries)."""
    if not has_request_context():
        return {}
    user = g.get("_login_user")  # Flask-Login's loaded user, if any
    token = g.get("api_token")
    return {
        "request_id": request_id(),
        "user_id": _identity(user) if getattr(user, "is_authenticated", False) else None,
        "api_token_id": _identity(token) if token is not None else None,
        "territory": g.get("territory_slug"),
    }


def _identity(row):
    """The row's id without touching its attributes: after the request's commit they are
    expired, and reading `row.id` would reload it (a user with its memberships) just to log."""
    try:
        identity = sa_inspect(row).identity
    except NoInspectionAvailable:
        return getattr(row, "id", None)
    return identity[0] if identity else None


class JsonFormatter(logging.Formatter):
    FIELDS = ("method", "endpoint", "path", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
            **{k: v for k, v in getattr(record, "context", {}).items() if v is not None},
        }
        for name in self.FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.context = _context()
        return True


def _start_timer():
    g.request_started = time.perf_counter()
    request_id()


def _log_request(response):
    started = g.get("request_started")
    response.headers["X-Request-Id"] = request_id()
    logging.getLogger("app.request").info(
        "request",
        extra={
            "method": request.method,
            "endpoint": request.endpoint,
            "path": safe_path(request.path),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        },
    )
    return response


def init_app(app: Flask) -> None:
    """Before db.init_app: SQLAlchemy errors must not carry their parameters (values people
    typed) into logs."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("hide_parameters", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    json_lines = app.config.get("LOG_FORMAT", "text" if app.debug else "json") == "json"
    handler = logging.StreamHandler(app.config.get("LOG_STREAM") or sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else TextFormatter("%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s")
    )
    handler.addFilter(ContextFilter())
    logger = logging.getLogger(app.name)  # app.logger, and app.request below it
    logger.handlers = [handler]
    logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    logger.propagate = False
    logger.disabled = False  # alembic's fileConfig disables loggers that existed before it
    app.before_request(_start_timer)
    app.after_request(_log_request)
