"""Carnet de bord: the notebooks of professionals and the notebook page. Thin: a decorator loads
the notebook through its rule, the view validates a form, calls one write function, renders."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import (
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.accounts.roles import Role
from app.carnet import bp, forms, notes, perms, plans, queries, reads, surveys
from app.carnet import notebooks as notebook_writes
from app.carnet.decorators import JOIN, granted_notebook_view, notebook_view
from app.carnet.models import (
    ActionStatus,
    AppointmentStatus,
    BarrierStatus,
    BarrierTheme,
    ObjectiveStatus,
    Visibility,
)
from app.carnet.perms import Access
from app.core import access, grants, paging
from app.core import htmx as hx

PAGE_SIZE = 50
TIMELINE_SIZE = 30  # the notebook page shows one screenful of its history
PARIS = ZoneInfo("Europe/Paris")  # dates typed and shown in French local time


def acting_user():
    return current_user._get_current_object()


def back_to(notebook, anchor=""):
    return url_for("carnet.notebook", notebook_id=notebook.id) + (
        f"#section-{anchor}" if anchor else ""
    )


def _join_url(notebook, listed: bool | None = None) -> str:
    """The identity page of a notebook found by an exact-match search: members and coordinators
    reach it by its id; another professional through a grant bound to them and this notebook.
    `listed`, when the search knows it, is `perms.access_level(...) > Access.NONE`."""
    if listed is None:
        listed = perms.access_level(acting_user(), notebook, g.territory) > Access.NONE
    if listed:
        return url_for("carnet.identity", notebook_id=notebook.id)
    token = grants.issue(acting_user(), JOIN, notebook.id)
    return url_for("carnet.granted_identity", grant=token)


# Home and lists


@bp.get("/")
@access.roles(Role.BENEFICIARY, Role.PROFESSIONAL, Role.COORDINATOR, Role.STRUCTURE_ADMIN)
def index():
    roles = current_user.roles_in(g.territory)
    if Role.PROFESSIONAL in roles:
        return redirect(url_for("carnet.notebooks"))
    if Role.BENEFICIARY in roles:
        return redirect(url_for("carnet.mine"))
    if Role.COORDINATOR in roles:
        return redirect(url_for("carnet.coordination_home"))
    return redirect(url_for("carnet.structure_home"))


@bp.get("/carnets")
@access.roles(Role.PROFESSIONAL)
def notebooks():
    form = forms.ListFilterForm(request.args)
    page = requested = paging.requested_page()
    rows, total = ([], 0)
    if form.validate():
        rows, total, page = queries.notebooks_supported_by(
            acting_user(),
            query=form.q.data or "",
            birth_date=form.birth_date.data,
            theme=form.theme.data or None,
            without_referent=form.without_referent.data,
            inactive=form.inactive.data,
            page=page,
            page_size=PAGE_SIZE,
        )
    # What awaits the professional tops their home (the list's first page, unfiltered): not a
    # search, a filter, a further page or an htmx refresh of the results.
    at_home = requested == 1 and not hx.is_htmx() and not any(f.data for f in form)
    context = dict(
        form=form,
        rows=rows,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        survey_due=surveys.is_due(acting_user(), g.territory),
        landing=queries.professional_landing(acting_user()) if at_home else None,
        PARIS=PARIS,
    )
    return hx.render(
        "carnet/notebooks.html",
        "carnet/includes/notebook_list.html",
        status=200 if not form.errors else 422,
        **context,
    )


@bp.get("/mon-carnet")
@access.roles(Role.BENEFICIARY)
def mine():
    notebook = queries.notebook_of(acting_user())
    if notebook is None:
        return render_template("carnet/no_notebook.html")
    return redirect(url_for("carnet.notebook", notebook_id=notebook.id))


# Creating and joining


@bp.route("/carnets/nouveau", methods=["GET", "POST"])
@access.roles(Role.PROFESSIONAL)
def create():
    form = forms.NotebookCreateForm()
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("carnet/create.html", form=form), status
    data = {
        name: form[name].data
        for name in (
            "first_name",
            "last_name",
            "birth_date",
            "email",
            "mobile",
            "address",
            "postal_code",
            "commune",
            "caf_number",
            "france_travail_id",
            "nir",
        )
    }
    data["situation"] = form.situation.data
    data = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in data.items()}
    structure = queries.professional_structure(acting_user(), g.territory)
    try:
        notebook = notebook_writes.create_notebook(acting_user(), g.territory, data, structure)
    except notebook_writes.DuplicateBeneficiary as duplicate:
        return render_template(
            "carnet/create.html",
            form=form,
            duplicate=duplicate.notebook,
            join_url=_join_url(duplicate.notebook) if duplicate.notebook else None,
            reason=duplicate.reason,
        ), 409
    if form.invite.data:
        notebook_writes.invite_beneficiary(acting_user(), g.territory, notebook)
        flash(
            "Carnet créé. La personne va recevoir un lien pour y accéder et donner son "
            "consentement.",
            "success",
        )
    else:
        flash(
            "Carnet créé. La personne doit donner son consentement pour que vous voyiez son contenu.",
            "success",
        )
    return redirect(url_for("carnet.identity", notebook_id=notebook.id), 303)


@bp.route("/rechercher", methods=["GET", "POST"])
@access.roles(Role.PROFESSIONAL, Role.COORDINATOR)
def search():
    """Exact match only, sent by POST: names, birth dates and NIRs never appear in a URL or in
    an access log; each result carries a grant rather than a walkable id."""
    form = forms.JoinSearchForm()
    results = None
    status = 200
    if request.method == "POST":
        if form.validate():
            found = queries.exact_matches_for(
                acting_user(),
                last_name=form.last_name.data or "",
                first_name=form.first_name.data or "",
                birth_date=form.birth_date.data,
                nir=form.nir.data,
            )
            results = [(notebook, _join_url(notebook, listed)) for notebook, listed in found]
        else:
            status = 422
    return render_template("carnet/search.html", form=form, results=results), status


def _identity_page(notebook, join_url: str):
    level = g.notebook_level
    reads.record_read(acting_user(), notebook, min(level, Access.IDENTITY), "identity")
    return render_template(
        "carnet/identity.html",
        notebook=notebook,
        level=level,
        can_join=perms.can_request_to_join(acting_user(), notebook, g.territory),
        pending=perms.has_pending_request(acting_user(), notebook),
        join_url=join_url,
        covered=lambda member: perms.member_is_covered(member, notebook),
    )


@bp.get("/carnets/<int:notebook_id>/fiche")
@notebook_view(Access.IDENTITY)
def identity(notebook):
    """Identity and supporters' contacts: what a supporter sees before consent."""
    return _identity_page(notebook, url_for("carnet.join", notebook_id=notebook.id))


@bp.get("/carnets/acces/<grant>")
@granted_notebook_view()
def granted_identity(notebook):
    """The identity page of a notebook found by an exact-match search (through its grant)."""
    return _identity_page(
        notebook, url_for("carnet.granted_join", grant=request.view_args["grant"])
    )


def _join(notebook):
    if not perms.can_request_to_join(acting_user(), notebook, g.territory):
        flash("Votre demande est déjà en attente de la réponse de la personne.", "info")
        return hx.redirect(url_for("carnet.identity", notebook_id=notebook.id))
    requested = notebook_writes.request_to_join(
        acting_user(), notebook, queries.professional_structure(acting_user(), g.territory)
    )
    if requested is None:
        flash(
            "Vous avez rejoint le carnet : la personne le partage avec votre structure.",
            "success",
        )
        return hx.redirect(url_for("carnet.notebook", notebook_id=notebook.id))
    flash("Demande envoyée : la personne doit donner son consentement.", "success")
    return hx.redirect(url_for("carnet.identity", notebook_id=notebook.id))


@bp.post("/carnets/<int:notebook_id>/rejoindre")
@notebook_view(Access.IDENTITY, roles={Role.PROFESSIONAL})
def join(notebook):
    return _join(notebook)


@bp.post("/carnets/acces/<grant>/rejoindre")
@granted_notebook_view(roles={Role.PROFESSIONAL})
def granted_join(notebook):
    return _join(notebook)


# The notebook


def _page_context(notebook, **forms_in_error):
    user = acting_user()
    queries.with_sections(notebook)
    owner_ = perms.is_owner(user, notebook)

    def can_detail(barrier):
        return perms.can_see_barrier_detail(user, notebook, barrier)

    events = queries.timeline(
        notebook, [b.id for b in notebook.barriers if can_detail(b)], limit=TIMELINE_SIZE
    )
    can_write_notes = perms.can_write_professional_notes(user, notebook, g.territory)

    def form(name, make, shown=True):
        """The form in error if any, a blank one where the page shows it, None elsewhere."""
        return forms_in_error.get(name) or (make() if shown else None)

    return dict(
        notebook=notebook,
        owner=owner_,
        can_detail=can_detail,
        can_write_notes=can_write_notes,
        covered=lambda member: perms.member_is_covered(member, notebook),
        extends_to_structure=lambda consent: perms.may_extend_to_structure(consent, notebook),
        events=events,
        barrier_form=form("barrier_form", lambda: forms.BarrierForm(formdata=None)),
        interview_form=form(
            "interview_form", lambda: forms.InterviewForm(formdata=None), can_write_notes
        ),
        appointment_form=form(
            "appointment_form", lambda: forms.AppointmentForm(formdata=None), can_write_notes
        ),
        AppointmentStatus=AppointmentStatus,
        PARIS=PARIS,
        diagnostic_form=form(
            "diagnostic_form",
            lambda: forms.DiagnosticForm(formdata=None, obj=notebook),
            can_write_notes,
        ),
        contact_form=form(
            "contact_form",
            lambda: forms.ContactForm(formdata=None, obj=notebook.beneficiary),
            owner_,
        ),
        errors_for=forms_in_error.get("errors_for"),
        error_form=forms_in_error.get("error_form"),
        BarrierStatus=BarrierStatus,
        ObjectiveStatus=ObjectiveStatus,
        ActionStatus=ActionStatus,
        BarrierTheme=BarrierTheme,
        Visibility=Visibility,
        consents=queries.current_consents(notebook),
        renewals=queries.renewals_awaiting_answer(notebook) if owner_ else [],
        lapses_on=lambda member: perms.coverage_lapses_on(member, notebook),
        referent=next((m for m in notebook.members if m.is_referent and m.active), None),
        users=queries.users_by_id(e.actor_id for e in events),
    )


@bp.get("/carnets/<int:notebook_id>")
@notebook_view(Access.FULL)
def notebook(notebook):
    reads.record_read(acting_user(), notebook, Access.FULL, "page")
    return render_template(
        "carnet/notebook.html",
        survey_due=surveys.is_due(acting_user(), g.territory),
        **_page_context(notebook),
    )


def section(notebook, name: str, status: int = 200, **forms_in_error):
    """After a change: the section's fragment for htmx, a redirect otherwise. A refused input
    (422) answers with the form being corrected only, never the rest of the notebook."""
    if status >= 400:
        form = next((f for key, f in forms_in_error.items() if key.endswith("form")), None)
        response = make_response(
            render_template(
                "carnet/includes/correction.html",
                notebook=notebook,
                form=form,
                section=name,
                action=request.path,
                layout=not hx.is_htmx(),
            ),
            status,
        )
        if hx.is_htmx():
            response.headers["HX-Retarget"] = f"#section-{name}"
            response.headers["HX-Reswap"] = "outerHTML"
        response.headers["Vary"] = "HX-Request"
        return response
    if hx.is_htmx():
        reads.record_read(acting_user(), notebook, Access.FULL, "fragment")
        response = make_response(
            render_template(f"carnet/includes/{name}.html", **_page_context(notebook))
        )
        response.headers["Vary"] = "HX-Request"
        return response
    return redirect(back_to(notebook, name), 303)


def _find(items, item_id):
    found = next((item for item in items if item.id == item_id), None)
    if found is None:
        abort(404)
    return found


def _readable_barrier(notebook, barrier_id: int):
    """A barrier whose detail (and so its objectives and actions) the user may read: 403 for a
    summary-only barrier they see the theme of, 404 for another notebook's."""
    barrier = _find(notebook.barriers, barrier_id)
    if not perms.can_see_barrier_detail(acting_user(), notebook, barrier):
        abort(403)
    return barrier


@bp.post("/carnets/<int:notebook_id>/freins")
@notebook_view(Access.FULL)
def add_barrier(notebook):
    form = forms.BarrierForm()
    if not form.validate():
        return section(notebook, "barriers", 422, barrier_form=form)
    plans.add_barrier(
        acting_user(),
        notebook,
        theme=BarrierTheme(form.theme.data),
        situation=form.situation.data,
        visibility=Visibility(form.visibility.data) if form.visibility.data else None,
    )
    return section(notebook, "barriers")


@bp.post("/carnets/<int:notebook_id>/freins/<int:barrier_id>")
@notebook_view(Access.FULL)
def edit_barrier(notebook, barrier_id: int):
    barrier = _readable_barrier(notebook, barrier_id)
    form = forms.BarrierEditForm()
    if not form.validate():
        return section(notebook, "barriers", 422, error_form=form)
    values = {"situation": form.situation.data}
    # The person rewords their barriers; status and sharing are set by the professionals.
    if not perms.is_owner(acting_user(), notebook):
        if form.status.data:
            values["status"] = BarrierStatus(form.status.data)
        if form.visibility.data:
            values["visibility"] = Visibility(form.visibility.data)
    plans.update_barrier(acting_user(), barrier, **values)
    return section(notebook, "barriers")


@bp.post("/carnets/<int:notebook_id>/freins/<int:barrier_id>/objectifs")
@notebook_view(Access.FULL)
def add_objective(notebook, barrier_id: int):
    barrier = _readable_barrier(notebook, barrier_id)
    form = forms.ObjectiveForm()
    if not form.validate():
        return section(notebook, "barriers", 422, error_form=form)
    plans.add_objective(acting_user(), barrier, form.title.data)
    return section(notebook, "barriers")


def _objective(notebook, objective_id):
    objective = _find([o for b in notebook.barriers for o in b.objectives], objective_id)
    _readable_barrier(notebook, objective.barrier_id)
    return objective


@bp.post("/carnets/<int:notebook_id>/objectifs/<int:objective_id>/statut")
@notebook_view(Access.FULL)
def objective_status(notebook, objective_id: int):
    objective = _objective(notebook, objective_id)
    form = forms.ObjectiveStatusForm()
    if not form.validate():
        return section(notebook, "barriers", 422, error_form=form)
    plans.set_objective_status(acting_user(), objective, ObjectiveStatus(form.status.data))
    return section(notebook, "barriers")


@bp.post("/carnets/<int:notebook_id>/objectifs/<int:objective_id>/actions")
@notebook_view(Access.FULL)
def add_action(notebook, objective_id: int):
    objective = _objective(notebook, objective_id)
    form = forms.ActionForm()
    if not form.validate():
        return section(notebook, "barriers", 422, error_form=form)
    plans.add_action(
        acting_user(),
        objective,
        title=form.title.data,
        start_date=form.start_date.data,
        done=form.done.data,
    )
    return section(notebook, "barriers")


@bp.post("/carnets/<int:notebook_id>/actions/<int:action_id>/statut")
@notebook_view(Access.FULL)
def action_status(notebook, action_id: int):
    action = _find(
        [a for b in notebook.barriers for o in b.objectives for a in o.actions], action_id
    )
    _readable_barrier(notebook, action.objective.barrier_id)
    form = forms.ActionStatusForm()
    if not form.validate():
        return section(notebook, "barriers", 422, error_form=form)
    plans.set_action_status(acting_user(), action, ActionStatus(form.status.data))
    return section(notebook, "barriers")


@bp.post("/carnets/<int:notebook_id>/entretiens")
@notebook_view(Access.FULL, check=perms.can_write_professional_notes)
def add_interview(notebook):
    form = forms.InterviewForm()
    if not form.validate():
        return section(notebook, "interviews", 422, interview_form=form)
    notes.add_interview(acting_user(), notebook, on=form.date.data, text=form.text.data)
    return section(notebook, "interviews")


@bp.post("/carnets/<int:notebook_id>/diagnostic")
@notebook_view(Access.FULL, check=perms.can_write_professional_notes)
def edit_diagnostic(notebook):
    form = forms.DiagnosticForm()
    if not form.validate():
        return section(notebook, "diagnostic", 422, diagnostic_form=form)
    notes.update_diagnostic(
        acting_user(),
        notebook,
        work_situation=form.work_situation.data or None,
        education_level=form.education_level.data or None,
        contract_type=form.contract_type.data,
        contract_start=form.contract_start.data,
        contract_end=form.contract_end.data,
        diagnostic=form.diagnostic.data or "",
    )
    return section(notebook, "diagnostic")


@bp.post("/carnets/<int:notebook_id>/rendez-vous")
@notebook_view(Access.FULL, roles={Role.PROFESSIONAL})
def add_appointment(notebook):
    form = forms.AppointmentForm()
    if not form.validate():
        return section(notebook, "appointments", 422, appointment_form=form)
    at = form.at.data.replace(tzinfo=PARIS).astimezone(UTC)
    notes.add_appointment(acting_user(), notebook, at)
    return section(notebook, "appointments")


@bp.post("/carnets/<int:notebook_id>/rendez-vous/<int:appointment_id>")
@notebook_view(Access.FULL, roles={Role.PROFESSIONAL})
def appointment_status(notebook, appointment_id: int):
    appointment = _find(notebook.appointments, appointment_id)
    form = forms.AppointmentStatusForm()
    if not form.validate():
        return section(notebook, "appointments", 422, error_form=form)
    notes.set_appointment_status(acting_user(), appointment, AppointmentStatus(form.status.data))
    return section(notebook, "appointments")
