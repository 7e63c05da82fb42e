"""Orientations: the caseworker's form and their list; the structure's page behind its signed
link (no account; the page shows, its buttons POST)."""

from __future__ import annotations

from flask import abort, flash, g, render_template, request, url_for
from flask_login import current_user

from app.carnet import reads
from app.carnet.perms import Access
from app.core import access, audit, htmx
from app.core.forms import choices
from app.dora import bp, carnet_link, orientations, perms, queries, search_log
from app.dora.forms import ConfirmForm
from app.dora.forms_search import OrientationForm, RefuseForm, StartForm
from app.dora.models import ContactPreference, OrientationStatus
from app.dora.questions import criteria_for


def _user():
    return current_user._get_current_object()


@bp.route("/recherche/fiches/<public_id>/orienter", methods=["GET", "POST"])
def orient(public_id: str):
    """A caseworker of the territory orients a person to a published sheet."""
    user = _user()
    if not perms.can_orient(user, g.territory.id):
        abort(403)
    service = queries.public_service(public_id)
    if service is None:
        abort(404)
    sid = (request.values.get("sid") or "")[:16]
    grant = request.values.get("frein") or ""
    search = search_log.search_of(sid)
    barrier = carnet_link.barrier_from_grant(user, grant)
    if grant and barrier is None:
        flash(
            "Le lien avec le carnet de bord a expiré : l'orientation ne sera pas ajoutée au "
            "carnet. Repartez du frein pour l'y rattacher.",
            "warning",
        )
        grant = ""
    met = criteria_for(search.theme, search.answers).met if search is not None else []
    form = OrientationForm(
        data=carnet_link.prefill(barrier) if barrier and request.method == "GET" else None
    )
    form.criteria.choices = choices([(label, label) for label in met])
    if request.method == "GET":
        form.criteria.data = met
    if form.validate_on_submit():
        data = {name: form[name].data for name in form._fields if name != "csrf_token"}
        data["contact_preference"] = ContactPreference(data["contact_preference"])
        try:
            orientation = orientations.create(user, service, data, search=search, barrier=barrier)
        except orientations.Refused as refused:
            form.reason.errors = [*form.reason.errors, str(refused)]
        else:
            flash(
                "L'orientation est envoyée : la structure a reçu un lien pour répondre.", "success"
            )
            return htmx.redirect(url_for("dora.orientation", public_id=orientation.public_id))
    return render_template(
        "dora/orient.html",
        form=form,
        service=service,
        provider=service.provider,
        sid=sid,
        grant=grant,
        barrier=barrier,
    ), (422 if form.errors else 200)


@bp.get("/orientations/")
def my_orientations():
    """The caseworker follows the orientations they made, and their states."""
    return render_template(
        "dora/orientations.html", orientations=queries.orientations_made_by(_user())
    )


@bp.get("/orientations/<public_id>")
def orientation(public_id: str):
    """One orientation, for whoever may see the person's details (else 404)."""
    found = queries.orientation_by_public_id(public_id)
    if found is None or not perms.can_view_orientation(_user(), found):
        abort(404)
    audit.record(_user(), "viewed", "dora_orientation", found.id, "orientation consultée")
    notebook = carnet_link.supported_notebook(_user(), found)
    if notebook is not None:  # the person sees this read among their notebook's
        reads.record_read(_user(), notebook, Access.FULL, "orientation")
    return render_template(
        "dora/orientation.html",
        orientation=found,
        transitions=orientations.TRANSITIONS,
        notebook=notebook if found.created_by_id != _user().id else None,
    )


@bp.route("/orientations/lien/<token>", methods=["GET", "POST"])
@access.public
def orientation_link(token: str):
    """The structure's page behind the mailed link: it acts on that orientation only."""
    check = orientations.read_link(token)
    if check.orientation is None:
        return render_template("dora/orientation_link.html", error=check.error), 400
    orientation = check.orientation
    if request.method == "GET" and not check.error:
        audit.record(None, "viewed", "dora_orientation", orientation.id, "consultée par le lien")
    forms = {"confirm": ConfirmForm(), "refuse": RefuseForm(), "start": StartForm()}
    status, done = 200, ""
    if request.method == "POST":
        action = request.form.get("action", "")
        status, done = _act_on_link(orientation, check, action, forms)
    if check.error and not done:
        return render_template(
            "dora/orientation_link.html",
            error=check.error,
            renewable=check.renewable,
            token=token,
            forms=forms,
        ), (200 if request.method == "GET" else 400)
    return render_template(
        "dora/orientation_link.html",
        orientation=orientation,
        service=orientation.service,
        forms=forms,
        token=token,
        done=done,
        can=lambda name: orientations.allowed(orientation, name),
        OrientationStatus=OrientationStatus,
    ), status


def _act_on_link(orientation, check, action: str, forms) -> tuple[int, str]:
    """One POST of the link's page; (status, what was done)."""
    if action == "renouveler" and check.renewable and forms["confirm"].validate_on_submit():
        orientations.renew_link(orientation)
        return 200, "Un nouveau lien a été envoyé à l'adresse de la structure."
    if check.error:
        return 400, ""
    try:
        if action == "accepter" and forms["confirm"].validate_on_submit():
            orientations.accept(orientation)
            return 200, "Vous avez accepté l'orientation : l'accompagnateur·rice est prévenu·e."
        if action == "refuser" and forms["refuse"].validate_on_submit():
            orientations.refuse(orientation, forms["refuse"].refusal_reason.data)
            return 200, "Vous avez refusé l'orientation : l'accompagnateur·rice est prévenu·e."
        if action == "demarrage" and forms["start"].validate_on_submit():
            orientations.record_start(orientation, forms["start"].started_on.data)
            return 200, "La date de démarrage est enregistrée. Merci !"
    except orientations.Refused as refused:
        forms["confirm"].form_errors.append(str(refused))
        return 409, ""
    if action not in ("accepter", "refuser", "demarrage", "renouveler"):
        forms["confirm"].form_errors.append("Action inconnue.")
    return 422, ""


@bp.get("/fiches/numero/<int:service_id>")
@access.public
def sheet_of_action(service_id: int):
    """From a notebook's action: the published sheet it names (drafts are a 404)."""
    service = queries.sheet_by_id(service_id)
    if service is None:
        abort(404)
    return htmx.redirect(url_for("dora.public_service", public_id=service.public_id))
