"""Absolute URLs for mail and documents, built from the configured public address.

Never from the request's Host header: a forged Host would otherwise put an attacker's domain in
front of a valid token in a mail sent to the victim.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """`PUBLIC_BASE_URL` + the path of `endpoint`; works in requests, commands and jobs alike."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme
    )
    values = {key: value for key, value in values.items() if value is not None}
    return adapter.build(endpoint, values, force_external=True)
