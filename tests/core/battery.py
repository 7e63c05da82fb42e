"""Helpers of the security batteries: every route of the URL map, and a client per demo role."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from werkzeug.routing import IntegerConverter

from app.accounts.seed import DEMO_PASSWORD


def all_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def is_int_argument(rule, name: str) -> bool:
    return isinstance(rule._converters[name], IntegerConverter)


def build_path(rule, values: dict) -> str:
    """The rule's path with `values` (quoted) in place of its arguments."""
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^>:]+:)?{name}>", lambda _m, v=value: quote(str(v), safe=""), path)
    return path


def seed_demo(app) -> list[dict]:
    """Run `flask seed demo` (every service adds its demo data there); return the logins."""
    result = app.test_cli_runner().invoke(args=["seed", "demo", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def demo_clients(app, logins: list[dict]) -> dict[str, object]:
    """One logged-in client per demo role (its first territory), plus "anonymous"."""
    clients = {"anonymous": app.test_client()}
    for login in logins:
        label = login["role"]
        if label in clients:
            continue
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{len(clients)}"
        log_in(client, login["email"])
        clients[label] = client
    return clients


def log_in(client, email: str) -> None:
    response = client.post("/connexion", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 303, response.status_code
