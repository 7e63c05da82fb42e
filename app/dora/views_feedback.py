"""From any search, "je n'ai pas trouvé de solution" / "je connais une solution"; the
coordinator's queue of these reports and the search indicators; the time-saved question."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts import auth
from app.accounts.roles import Role
from app.core import access, htmx
from app.core.models import utcnow
from app.dora import (
    bp,
    carnet_link,
    perms,
    queries,
    questions,
    search_form,
    search_log,
    suggestions,
)
from app.dora.forms import ConfirmForm
from app.dora.forms_search import FeedbackForm, TimeSavedForm
from app.dora.models import (
    FeedbackKind,
    Provider,
    SearchFeedback,
    SuggestionStatus,
)
from app.extensions import db
from app.indicators.dora_search import search_indicators

coordinator = access.roles(Role.COORDINATOR)
TIME_SAVED_EVERY = timedelta(days=30)


def _user():
    return current_user._get_current_object()


@bp.route("/recherche/retour", methods=["GET", "POST"])
def feedback():
    """A caseworker reports a missing solution, or one they know, for the search's commune and
    theme (no personal data: the form says so)."""
    query = search_form.read_query(request.values, g.territory.department_code)
    kind_value = request.values.get("type_retour", FeedbackKind.NO_SOLUTION.value)
    if not query.ready or kind_value not in {k.value for k in FeedbackKind}:
        return render_template("dora/feedback.html", invalid=True, query=query), 400
    kind = FeedbackKind(kind_value)
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            suggestions.report(
                _user(),
                kind,
                commune_code=query.place.code,
                theme=query.theme,
                search=search_log.search_of(query.sid) or _log(query.sid),
                need=form.need.data,
                comment=form.comment.data,
                structure_name=form.structure_name.data,
                service_name=form.service_name.data,
            )
        except suggestions.Refused as refused:
            form.structure_name.errors = [str(refused)]
        else:
            flash("Merci : la coordination du territoire a reçu votre retour.", "success")
            return htmx.redirect(url_for("dora.search", **search_form.url_args(query)))
    return render_template(
        "dora/feedback.html",
        form=form,
        kind=kind,
        query=query,
        theme_label=questions.theme_label(query.theme),
        back_url=url_for("dora.search", **search_form.url_args(query)),
        hidden=search_form.url_args(query, type_retour=kind.value),
    ), (422 if form.errors else 200)


def _log(sid: str):
    from app.dora.models import SearchLog

    return db.session.scalar(select(SearchLog).where(SearchLog.public_id == sid)) if sid else None


@bp.get("/coordination/retours")
@coordinator
def feedback_queue():
    """The coordinator's queue of reports from searches, with the search indicators."""
    pending = db.session.scalars(
        select(SearchFeedback)
        .where(SearchFeedback.status == SuggestionStatus.PENDING)
        .order_by(SearchFeedback.created_at)
        .limit(200)
    ).all()
    from app.dora.queries import communes_by_code, providers_directory

    return render_template(
        "dora/coordination/feedback.html",
        pending=pending,
        communes=communes_by_code(f.commune_code for f in pending),
        providers=providers_directory("")
        if any(f.kind == FeedbackKind.KNOWN_SOLUTION for f in pending)
        else [],
        theme_label=questions.theme_label,
        form=ConfirmForm(),
        FeedbackKind=FeedbackKind,
    )


@bp.post("/coordination/retours/<int:feedback_id>/<decision>")
@coordinator
def decide_feedback(feedback_id: int, decision: str):
    found = db.session.scalar(select(SearchFeedback).where(SearchFeedback.id == feedback_id))
    if found is None or decision not in ("accepter", "ecarter"):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    provider = None
    if request.form.get("provider"):
        provider = db.session.scalar(
            select(Provider).where(Provider.slug == request.form["provider"])
        )
    try:
        if decision == "accepter":
            suggestions.accept(_user(), found, provider)
            flash(
                "Retour pris en compte"
                + (" : une fiche brouillon est créée pour la structure." if provider else "."),
                "success",
            )
        else:
            suggestions.reject(_user(), found)
            flash("Retour écarté.", "success")
    except suggestions.Refused as refused:
        flash(str(refused), "error")
    return htmx.redirect(url_for("dora.feedback_queue"))


@bp.app_template_global("dora_search_indicators")
def _search_indicators_for_template():
    """The search indicators, for the coordination page's fragment."""
    return search_indicators()


@bp.app_template_global("dora_solution_url")
def _solution_url(barrier):
    """From a notebook's barrier: the search prefilled (None if not for this user)."""
    return carnet_link.search_url(_user(), barrier)


@bp.app_template_global("dora_sheet_url")
def _sheet_url(action):
    """From a notebook's action made by an orientation: its sheet."""
    if not action.dora_service_id or not carnet_link.runs_here():
        return None
    return url_for("dora.sheet_of_action", service_id=action.dora_service_id)


@bp.app_template_global("dora_orientation")
def _orientation_of_action(action, notebook):
    """From a notebook's action made by an orientation: its state, and the orientation's page
    for those who support the person (the page checks again). Read once per notebook."""
    if not action.dora_service_id or not carnet_link.runs_here():
        return None
    found = g.setdefault("dora_orientations", {})
    if notebook.id not in found:
        found[notebook.id] = queries.orientations_of_notebook(notebook.id)
    row = found[notebook.id].get(action.id)
    if row is None:
        return None
    return {
        "status": row.status,
        "started_on": row.started_on,
        "url": url_for("dora.orientation", public_id=row.public_id),
    }


def time_saved_due(user) -> bool:
    """Ask a caseworker at most once a month, whatever the territory (an answer or a skip
    waits a month). Their last answer is read with them (`dora.time_saved_at`)."""
    if not perms.is_caseworker(user, g.territory.id):
        return False
    last = auth.fact(user, "dora.time_saved_at", lambda: queries.last_time_saved(user.id))
    return last is None or last <= utcnow() - TIME_SAVED_EVERY


@bp.app_template_global("dora_time_saved_form")
def _time_saved_form():
    user = _user()
    if not getattr(user, "is_authenticated", False) or g.get("territory") is None:
        return None
    return TimeSavedForm() if time_saved_due(user) else None


@bp.post("/temps-gagne")
def time_saved():
    """The caseworker answers or skips the monthly question."""
    form = TimeSavedForm()
    if not time_saved_due(_user()):
        return htmx.render(
            "dora/includes/time_saved.html", "dora/includes/time_saved.html", form=None, thanks=True
        )
    if not form.validate_on_submit():
        return htmx.render(
            "dora/includes/time_saved.html", "dora/includes/time_saved.html", status=422, form=form
        )
    answer = {"oui": True, "non": False}.get(form.answer.data)
    suggestions.answer_time_saved(_user(), answer)
    if not htmx.is_htmx():
        flash("Merci pour votre réponse.", "success")
        return htmx.redirect(
            request.referrer if _safe(request.referrer) else url_for("dora.search")
        )
    return htmx.render(
        "dora/includes/time_saved.html", "dora/includes/time_saved.html", form=None, thanks=True
    )


def _safe(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)
