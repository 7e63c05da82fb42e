"""Pages without an account: a published sheet's public page (phone first, printable), and the
page a reminder's signed link opens, whose single button POSTs (no change on GET)."""

from __future__ import annotations

import io

import segno
from flask import abort, render_template
from markupsafe import Markup

from app.core import access, htmx
from app.dora import bp, forms, freshness, queries
from app.dora.models import Public


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code of `url` (no script, no external resource: CSP-safe)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=3, xmldecl=False, svgns=True, title="QR code"
    )
    return Markup(buffer.getvalue().decode())  # noqa: S704 (segno's own SVG output)


@bp.get("/fiches/<public_id>")
@access.public
def public_service(public_id: str):
    """Anyone may read a published sheet; drafts and archived sheets are never public (404)."""
    service = queries.public_service(public_id)
    if service is None:
        abort(404)
    publics = {p.value: p.label for p in Public}
    return render_template(
        "dora/public_service.html",
        service=service,
        provider=service.provider,
        publics=publics,
        out_of_date=service.is_due(),
    )


@bp.route("/actualiser/<token>", methods=["GET", "POST"])
@access.public
def refresh_link(token: str):
    """The reminder's one-click link: GET shows the sheets and one button; the POST confirms."""
    try:
        provider_id, service_ids = freshness.read_refresh_token(token)
    except freshness.LinkRefused as refused:
        return render_template("dora/refresh_link.html", error=str(refused), services=[]), 400
    provider, services = freshness.services_for_link(provider_id, service_ids)
    if provider is None:
        abort(404)
    form = forms.ConfirmForm()
    done = False
    if form.validate_on_submit():
        freshness.confirm_from_link(services)
        done = True
    return htmx.render(
        "dora/refresh_link.html",
        "dora/refresh_link.html",
        provider=provider,
        services=services,
        form=form,
        token=token,
        done=done,
    )
