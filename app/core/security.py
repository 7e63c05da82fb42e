"""Security headers on every response."""

from __future__ import annotations

from flask import current_app, request


def set_security_headers(response):
    cdn = (
        "" if current_app.extensions["assets"].all_local else " " + current_app.config["ASSETS_CDN"]
    )
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self'{cdn}; "
        f"style-src 'self'{cdn}; "
        f"font-src 'self'{cdn}; "
        f"img-src 'self' data:{cdn}; "
        "connect-src 'self'; "
        "object-src 'none'; "
        "base-uri 'self'; "
        "form-action 'self'; "
        "frame-ancestors 'none'"
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
