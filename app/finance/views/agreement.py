"""The agreement as the délégant edits it: convention, amendments, annexes."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for

from app.core import htmx
from app.core.forms import choices
from app.finance import (
    agreement,
    bp,
    forms,
    perms,
    queries,
)
from app.finance.models import (
    Amendment,
    Annex,
)
from app.finance.rules import RuleError
from app.finance.views.common import allowed, me, refused

# Agreement


@bp.get("/convention")
def convention():
    return _convention_page()


def _convention_page(status=200, **forms_):
    convention = queries.current_convention()
    if convention is None:
        abort(404)
    context = dict(
        convention=convention,
        effective_end=agreement.effective_end(convention),
        annexes=queries.annexes_of_convention(),
        cost_centres=queries.cost_centres(),
        startups=queries.startups(),
    )
    if perms.can_edit_agreement(me()):
        context.update(
            convention_form=forms_.get("convention_form")
            or forms.ConventionForm(formdata=None, obj=convention),
            amendment_form=forms_.get("amendment_form") or forms.AmendmentForm(formdata=None),
            annex_form=forms_.get("annex_form") or _annex_form(convention, formdata=None),
        )
    return render_template("finance/convention.html", **context), status


def _annex_form(convention, **kwargs):
    form = forms.AnnexForm(**kwargs)
    form.startup.choices = choices((s.slug, s.name) for s in queries.startups())
    form.amendment.choices = choices(
        [("", "— aucun (annexe d'origine) —")]
        + [(str(a.id), f"Avenant n°{a.number}") for a in convention.amendments]
    )
    return form


@bp.post("/convention")
@allowed(perms.can_edit_agreement)
def update_convention():
    convention = queries.current_convention()
    form = forms.ConventionForm()
    if not form.validate():
        return _convention_page(422, convention_form=form)
    agreement.update_convention(me(), convention, title=form.title.data, object=form.object.data)
    flash("La convention est mise à jour.", "success")
    return htmx.redirect(url_for("finance.convention"))


@bp.post("/convention/avenants")
@allowed(perms.can_edit_agreement)
def add_amendment():
    convention = queries.current_convention()
    form = forms.AmendmentForm()
    if form.validate():
        try:
            amendment = agreement.add_amendment(
                me(),
                convention,
                signed_on=form.signed_on.data,
                object=form.object.data,
                document_reference=form.document_reference.data or "",
                extends_to=form.extends_to.data,
            )
        except RuleError as error:
            refused(form, error)
        else:
            flash(f"L'avenant n°{amendment.number} est enregistré.", "success")
            return htmx.redirect(url_for("finance.convention"))
    return _convention_page(422, amendment_form=form)


@bp.post("/convention/annexes")
@allowed(perms.can_edit_agreement)
def add_annex():
    convention = queries.current_convention()
    form = _annex_form(convention)
    if form.validate():
        startup = queries.startup_by_slug(form.startup.data)
        amendment = queries.by_id(Amendment, form.amendment.data) if form.amendment.data else None
        try:
            annex = agreement.add_annex(
                me(),
                startup,
                amendment=amendment,
                period_start=form.period_start.data,
                period_end=form.period_end.data,
                budget=form.budget.amount,
                roadmap=form.roadmap.data or "",
            )
        except RuleError as error:
            refused(form, error)
        else:
            flash(f"L'annexe n°{annex.number} est enregistrée.", "success")
            return htmx.redirect(url_for("finance.convention"))
    return _convention_page(422, annex_form=form)


@bp.route("/annexes/<int:annex_id>", methods=["GET", "POST"])
@allowed(perms.can_edit_agreement)
def edit_annex(annex_id: int):
    annex = queries.by_id(Annex, annex_id) or abort(404)
    form = forms.AnnexEditForm(obj=annex)
    if request.method == "POST" and form.validate():
        try:
            agreement.update_annex(
                me(),
                annex,
                period_start=form.period_start.data,
                period_end=form.period_end.data,
                roadmap=form.roadmap.data or "",
            )
        except RuleError as error:
            refused(form, error)
        else:
            flash(f"L'annexe n°{annex.number} est mise à jour.", "success")
            return htmx.redirect(url_for("finance.convention"))
    status = 422 if request.method == "POST" else 200
    return render_template("finance/annex_edit.html", annex=annex, form=form), status
