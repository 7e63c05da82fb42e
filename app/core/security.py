"""Security headers on every response."""

from __future__ import annotations

from flask import current_app, request


def set_security_headers(response):
    # A stricter policy set by the view stays (a stored file is served sandboxed: uploads.py).
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; "
        "script-src 'self'; "
        "style-src 'self'; "
        "font-src 'self'; "
        "img-src 'self' data:; "
        "connect-src 'self'; "
        "object-src 'none'; "
        "base-uri 'self'; "
        "form-action 'self'; "
        "frame-ancestors 'none'",
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not current_app.debug:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Pages, fragments, exports and API answers may carry personal data, whatever their
        # type: never stored by a cache. A public, data-free answer may set its own header.
        response.headers.setdefault("Cache-Control", "no-store")
    return response
