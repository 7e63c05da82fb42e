"""Security headers on every response."""

from __future__ import annotations

from flask import current_app, request


def _form_action() -> str:
    """'self', and the ProConnect provider when configured: the ProConnect button and the
    logout are forms whose answer redirects there, which `form-action` also governs."""
    from app.accounts import proconnect

    origin = proconnect.issuer_origin()
    return "'self'" + (f" {origin}" if origin else "")


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
        f"form-action {_form_action()}; "
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
