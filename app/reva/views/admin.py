"""The national administrator: indicators, every candidacy, the catalogue import."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app.accounts.roles import Role
from app.core import access
from app.core.models import utcnow
from app.indicators import reva as indicators
from app.reva import bp, candidacies, catalogue, queries
from app.reva.forms import CatalogueImportForm
from app.reva.models import Actor, Status

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
    status = request.args.get("statut")
    query = queries.candidacies_visible_to(user)
    if status in Status._value2member_map_:
        query = query.where(queries.Candidacy.status == Status(status))
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = queries.queue_page(query.order_by(queries.Candidacy.status_changed_at), page, 50)
    return render_template(
        "reva/queue.html",
        title="Toutes les candidatures",
        organism=None,
        rows=rows,
        counts=queries.count_by_status(queries.candidacies_visible_to(user)),
        awaiting=candidacies.statuses_awaiting(Actor.ADMIN),
        selected=status,
        now=utcnow(),
        late_after=candidacies.LATE_DECISION_DAYS,
        total=total,
        page=page,
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
