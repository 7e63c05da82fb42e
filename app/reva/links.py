"""Absolute URLs for mail and badge documents."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for

LOCAL_BASE = "http://127.0.0.1:5000"


def external(endpoint: str, **values) -> str:
    """An absolute URL built from PUBLIC_BASE_URL when configured, never from the request Host
    (outside a request without it — a local command — the development server's address)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=LOCAL_BASE):
        return url_for(endpoint, _external=True, **values)
