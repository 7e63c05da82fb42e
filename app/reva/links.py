"""Absolute URLs for mail and badge documents."""

from __future__ import annotations

from flask import current_app, url_for


def external(endpoint: str, **values) -> str:
    """An absolute URL built from PUBLIC_BASE_URL when configured, never from the request Host."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
