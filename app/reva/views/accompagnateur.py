"""The accompagnateur: their organism's candidacies, the path, the feasibility file."""

from __future__ import annotations

from flask import abort, flash, g, request
from flask_login import current_user

from app.accounts.roles import Role
from app.core import access
from app.reva import bp, candidacies, files, perms, queries
from app.reva.forms import AttachmentForm, PathForm, parse_assessments
from app.reva.models import Actor
from app.reva.views import load_candidacy, render_queue, selected_status
from app.reva.views.candidacy import back_to, render_candidacy


@bp.get("/accompagnateur/")
@access.roles(Role.REVA_ACCOMPAGNATEUR, national=True)
def organism_queue():
    """My organism's candidacies, by status, with how long each has waited."""
    user = current_user._get_current_object()
    return render_queue(
        "Les candidatures de mon organisme",
        queries.candidacies_of_organism(user, selected_status()[1]),
        queries.candidacies_of_organism(user),
        Actor.ACCOMPAGNATEUR,
        organism=queries.organism_of(user),
    )


def _accompagnateur_only():
    if Actor.ACCOMPAGNATEUR not in g.actors:
        abort(403)


@bp.post("/candidatures/<public_id>/parcours")
@load_candidacy
def send_path(candidacy):
    """The organism proposes the path (hours, trainings), which the candidate then confirms."""
    _accompagnateur_only()
    form = PathForm()
    if not form.validate():
        return render_candidacy(candidacy, g.actors, path_form=form, status=422)
    if candidacies.find(candidacy, "send_path", Actor.ACCOMPAGNATEUR) is None:
        return render_candidacy(
            candidacy, g.actors, status=409, error=candidacies.refusal(candidacy, "send_path")
        )
    candidacies.set_path(
        candidacy, form.individual_hours.data, form.collective_hours.data, form.trainings.data or ""
    )
    candidacies.apply(candidacy, "send_path", Actor.ACCOMPAGNATEUR, current_user)
    flash("Parcours envoyé au candidat.", "success")
    return back_to(candidacy)


@bp.post("/candidatures/<public_id>/dossier")
@load_candidacy
def save_file(candidacy):
    """Each competence marked acquired / partly / not yet, with a comment."""
    if not perms.can_edit_file(g.actors, candidacy):
        abort(403)
    certification = queries.certification_with_blocks(candidacy.certification_id)
    ids = [c.id for b in certification.blocks for c in b.competences]
    marks, errors = parse_assessments(request.form, ids)
    if errors:
        return render_candidacy(candidacy, g.actors, assessment_errors=errors, status=422)
    files.save_assessments(candidacy, current_user._get_current_object(), marks)
    flash("Dossier de faisabilité enregistré.", "success")
    return back_to(candidacy, "#dossier")


@bp.url_value_preprocessor
def _raise_upload_limit(endpoint, values):
    # Runs before every before_request hook (CSRF reads the form there): only this route
    # accepts 10 MB files; elsewhere the application's MAX_CONTENT_LENGTH applies.
    if endpoint == "reva.add_attachment":
        request.max_content_length = files.MAX_ATTACHMENT_BYTES + 64 * 1024


@bp.post("/candidatures/<public_id>/pieces")
@load_candidacy
def add_attachment(candidacy):
    """Upload a PDF/JPEG/PNG of at most 10 MB (the upload limit is raised for this route only)."""
    if not perms.can_edit_file(g.actors, candidacy):
        abort(403)
    form = AttachmentForm()
    upload = form.file.data
    if not form.validate() or upload is None or not getattr(upload, "filename", ""):
        return render_candidacy(
            candidacy, g.actors, attachment_error="Choisissez un fichier.", status=422
        )
    try:
        files.add_attachment(
            candidacy, current_user._get_current_object(), upload.filename, upload.read()
        )
    except files.AttachmentRefusedError as refused:
        return render_candidacy(candidacy, g.actors, attachment_error=str(refused), status=422)
    flash("Pièce jointe ajoutée.", "success")
    return back_to(candidacy, "#dossier")
