"""Coordinators of a DORA territory: providers to moderate, members awaiting acceptance, sheets
to refresh by provider, suggestions waiting, the agreement's indicators, and the bulk import."""

from __future__ import annotations

from flask import abort, flash, g, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField

from app.accounts.roles import Role
from app.core import access, htmx
from app.dora import bp, forms, imports, queries, structures
from app.dora.models import ImportJob, JobStatus
from app.extensions import db
from app.indicators import dora as dora_indicators

coordinator = access.roles(Role.COORDINATOR)


def _user():
    return current_user._get_current_object()


@bp.get("/coordination/")
@coordinator
def coordination():
    return render_template(
        "dora/coordination/home.html",
        to_moderate=queries.providers_to_moderate(),
        join_requests=queries.join_requests_awaiting(),
        due=queries.providers_with_due_services(),
        suggestions=queries.suggestions_waiting(),
        indicators=dora_indicators.dora_indicators(),
        directory=queries.structures_without_provider(),
        form=forms.ConfirmForm(),
    )


@bp.post("/coordination/structures/<slug>/valider")
@coordinator
def validate_provider(slug: str):
    provider = queries.provider_by_slug(slug)
    if provider is None:
        abort(404)
    structures.validate_provider(_user(), provider)
    flash(f"« {provider.name} » est validée.", "success")
    return htmx.redirect(url_for("dora.coordination"))


@bp.post("/coordination/repertoire/<int:structure_id>")
@coordinator
def attach_structure(structure_id: int):
    """Open on DORA a structure already in the territory's directory (the same record)."""
    structure = queries.structure_in_directory(structure_id)
    if structure is None:
        abort(404)
    provider = structures.attach_provider(_user(), structure)
    structures.validate_provider(_user(), provider)
    flash(f"« {structure.name} » est référencée sur DORA : complétez sa fiche.", "success")
    return htmx.redirect(url_for("dora.edit_provider", slug=provider.slug))


@bp.post("/coordination/membres/<int:member_id>/<decision>")
@coordinator
def decide_member(member_id: int, decision: str):
    member = next((m for m in queries.join_requests_awaiting() if m.id == member_id), None)
    if member is None or decision not in ("accepter", "refuser"):
        abort(404)
    if decision == "accepter":
        structures.accept_member(_user(), member)
        flash(f"{member.user.full_name} est membre de {member.provider.name}.", "success")
    else:
        structures.refuse_member(_user(), member)
        flash("La demande est refusée.", "success")
    return htmx.redirect(url_for("dora.coordination"))


# Bulk import


class UploadForm(forms.ImportForm):
    file = FileField("Fichier (CSV, XLSX ou JSON data·inclusion, 5 Mo au plus)")


def _import_page(form, status=200, job=None):
    return (
        render_template(
            "dora/coordination/import.html",
            form=form,
            job=job,
            jobs=queries.recent_import_jobs(),
            columns=imports.COLUMNS,
            JobStatus=JobStatus,
        ),
        status,
    )


@bp.route("/coordination/import", methods=["GET", "POST"])
@coordinator
def import_file():
    """Upload: the file is read at once (unreadable: a 422 naming why); small files are checked
    (and imported, unless a dry run) within the request, larger ones by the worker."""
    form = UploadForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _import_page(form, 422 if form.errors else 200)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = ["Choisissez un fichier à importer."]
        return _import_page(form, 422)
    content = upload.read(imports.MAX_BYTES + 1)
    try:
        rows = imports.count_rows(upload.filename, content)
    except imports.FileRefused as refused:
        form.file.errors = [str(refused)]
        return _import_page(form, 422)
    job = ImportJob(
        territory_id=g.territory.id,
        created_by_id=_user().id,
        filename=upload.filename[:255],
        content=content,
        dry_run=request.form.get("mode") != "import",
        total=rows,
        report=[],
    )
    db.session.add(job)
    db.session.flush()
    if rows <= imports.INLINE_ROWS:
        imports.run(job, _user(), g.territory)
    return htmx.redirect(url_for("dora.import_job", public_id=job.public_id))


@bp.get("/coordination/import/<public_id>")
@coordinator
def import_job(public_id: str):
    """The job's state; htmx polls this fragment every two seconds while it runs."""
    job = queries.import_job(public_id)
    if job is None:
        abort(404)
    return htmx.render(
        "dora/coordination/import_job.html",
        "dora/includes/import_job.html",
        job=job,
        JobStatus=JobStatus,
    )
