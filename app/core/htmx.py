"""htmx helpers: decide on the HX-Request header, render a fragment or its page."""

from __future__ import annotations

from flask import make_response, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render(page_template: str, fragment_template: str, status: int = 200, **context):
    """The fragment for htmx requests, the full page (which includes the fragment) otherwise."""
    template = fragment_template if is_htmx() else page_template
    response = make_response(render_template(template, **context), status)
    response.headers.add("Vary", "HX-Request")
    return response


def redirect(location: str):
    """After a POST: HX-Redirect for htmx, a 303 otherwise."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    response = make_response("", 303)
    response.headers["Location"] = location
    return response
