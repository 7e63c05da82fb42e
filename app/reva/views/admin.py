"""The national administrator: indicators, every candidacy, the catalogue import."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app.accounts.roles import Role
from app.core import access
from app.indicators import reva as indicators
from app.reva import bp, candidacies, catalogue, queries
from app.reva.forms import CatalogueImportForm
from app.reva.models import Actor, Status
from app.reva.views import render_queue, selected_status

admin_only = access.roles(Role.ADMIN, national=True)


@bp.get("/admin/")
@admin_only
def admin_home():
    return render_template(
        "reva/admin.html",
        data=indicators.compute(),
        statuses=list(Status)[:-1],
        late_after=candidacies.LATE_DECISION_DAYS,
    )


@bp.get("/admin/candidatures")
@admin_only
def admin_candidacies():
    user = current_user._get_current_object()
    query = queries.candidacies_visible_to(user)
    statuses = selected_status()[1]
    if statuses:
        query = query.where(queries.Candidacy.status.in_(statuses))
    return render_queue(
        "Toutes les candidatures",
        query.order_by(queries.Candidacy.status_changed_at),
        queries.candidacies_visible_to(user),
        Actor.ADMIN,
        late_after=candidacies.LATE_DECISION_DAYS,
    )


@bp.route("/admin/catalogue", methods=["GET", "POST"])
@admin_only
def import_catalogue():
    """Upload a CSV: checked first (dry run), imported only when asked and clean."""
    form = CatalogueImportForm()
    report = None
    status = 200
    if request.method == "POST":
        upload = form.file.data
        if not form.validate() or upload is None or not getattr(upload, "filename", ""):
            form.file.errors = ["Choisissez un fichier CSV."]
            status = 422
        else:
            report = catalogue.import_catalogue(
                # One byte beyond the limit is enough to refuse a file: the rest is never read.
                upload.read(catalogue.MAX_BYTES + 1),
                current_user._get_current_object(),
                dry_run=not form.confirm.data,
            )
            status = 200 if report.ok else 422
    return render_template(
        "reva/catalogue_import.html", form=form, report=report, columns=catalogue.COLUMNS
    ), status
