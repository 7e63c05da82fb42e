"""Finance pages: thin views. Each loads its object, checks its named permission, calls one write
function and renders; a refused rule re-renders the form with its message beside the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import wraps

from flask import abort, flash, make_response, render_template, request, url_for
from flask_login import current_user

from app.core import htmx, spaces
from app.core.forms import choices
from app.extensions import db
from app.finance import (
    agreement,
    allocations,
    bp,
    clock,
    committees,
    exports,
    forms,
    ledger,
    perms,
    queries,
    startups,
    subsidies,
)
from app.finance.models import (
    AllocationSource,
    Amendment,
    Annex,
    Commitment,
    CommitteeReview,
    CostCentre,
    Decision,
    LegalAct,
    Payment,
    SubsidyReport,
)
from app.finance.rules import RuleError, euros


def _user():
    return current_user._get_current_object()


def allowed(predicate):
    """Tighten the blueprint's baseline: a reader without this permission gets a 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not predicate(_user()):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _refused(form, error: RuleError) -> None:
    """Nothing of a refused write is kept; its message goes beside its field."""
    db.session.rollback()
    field = getattr(form, error.field, None)
    if field is None:
        form.form_errors.append(error.message)
    else:
        field.errors = [*field.errors, error.message]


def _year() -> int:
    try:
        return int(request.args.get("annee", ""))
    except ValueError:
        return clock.today().year


# Dashboard


@bp.get("/")
def home():
    """Consumption per start-up and in total for a year, filtered by cost centre; what is due."""
    year = _year()
    cost_centre = request.args.get("centre", type=int)
    dashboard = queries.consumption(year, cost_centre)
    rows = queries.ledger_rows(year)
    if cost_centre:
        names = {r.startup.name for r in dashboard.rows}
        rows = [r for r in rows if r.startup in names]
    context = dict(
        dashboard=dashboard,
        series=queries.cumulative_by_month(rows),
        year=year,
        years=sorted({*queries.budget_years(), clock.today().year}, reverse=True),
        cost_centre=cost_centre,
        cost_centres=queries.cost_centres(),
        today=clock.today(),
        deadlines=queries.upcoming_deadlines(clock.today())[:4],
        reports=queries.subsidy_reports(pending_only=True),
    )
    return htmx.render("finance/home.html", "finance/includes/consumption.html", **context)


def space_cards(user) -> list[spaces.Card]:
    """What awaits this user: deadlines within 30 days, decisions the délégant still owes."""
    cards = [
        spaces.Card(
            title=f"{d.label} — {d.on.strftime('%d/%m/%Y')}",
            url=url_for("finance.home"),
            text=f"Article {d.article}",
        )
        for d in queries.upcoming_deadlines(clock.today(), 30)
    ]
    if perms.can_decide_committee(user):
        pending = queries.reviews_awaiting_decision()
        if pending:
            cards.append(
                spaces.Card(
                    title="Décisions de comité à enregistrer",
                    url=url_for("finance.committees_list"),
                    count=pending,
                )
            )
    return cards or [
        spaces.Card(
            title="Finances de la convention",
            url=url_for("finance.home"),
            text="Consommation des AE et CP par startup, convention et comités.",
        )
    ]


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
    if perms.can_edit_agreement(_user()):
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
    agreement.update_convention(_user(), convention, title=form.title.data, object=form.object.data)
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
                _user(),
                convention,
                signed_on=form.signed_on.data,
                object=form.object.data,
                document_reference=form.document_reference.data or "",
                extends_to=form.extends_to.data,
            )
        except RuleError as error:
            _refused(form, error)
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
        amendment = (
            db.session.get(Amendment, int(form.amendment.data)) if form.amendment.data else None
        )
        try:
            annex = agreement.add_annex(
                _user(),
                startup,
                amendment=amendment,
                period_start=form.period_start.data,
                period_end=form.period_end.data,
                budget=form.budget.amount,
                roadmap=form.roadmap.data or "",
            )
        except RuleError as error:
            _refused(form, error)
        else:
            flash(f"L'annexe n°{annex.number} est enregistrée.", "success")
            return htmx.redirect(url_for("finance.convention"))
    return _convention_page(422, annex_form=form)


@bp.route("/annexes/<int:annex_id>", methods=["GET", "POST"])
@allowed(perms.can_edit_agreement)
def edit_annex(annex_id: int):
    annex = db.session.get(Annex, annex_id) or abort(404)
    form = forms.AnnexEditForm(obj=annex)
    if request.method == "POST" and form.validate():
        try:
            agreement.update_annex(
                _user(),
                annex,
                period_start=form.period_start.data,
                period_end=form.period_end.data,
                roadmap=form.roadmap.data or "",
            )
        except RuleError as error:
            _refused(form, error)
        else:
            flash(f"L'annexe n°{annex.number} est mise à jour.", "success")
            return htmx.redirect(url_for("finance.convention"))
    status = 422 if request.method == "POST" else 200
    return render_template("finance/annex_edit.html", annex=annex, form=form), status


# A start-up's envelope and ledger


def _startup(slug):
    return queries.startup_by_slug(slug) or abort(404)


def _cost_centre_choices():
    return choices((c.code, f"{c.code} — {c.centre_label}") for c in queries.cost_centres())


def _startup_forms(startup, year, given):
    user = _user()
    result = {}
    if perms.can_record_ledger(user):
        commitment_form = given.get("commitment_form") or forms.CommitmentForm(
            formdata=None,
            committed_on=clock.today(),
            cost_centre=startup.cost_centre.code if startup.cost_centre else None,
        )
        commitment_form.cost_centre.choices = _cost_centre_choices()
        payment_form = given.get("payment_form") or forms.PaymentForm(
            formdata=None, paid_on=clock.today()
        )
        payment_form.commitment.choices = _open_commitment_choices(startup)
        cancellation_form = given.get("cancellation_form") or forms.CancellationForm(
            formdata=None, cancelled_on=clock.today()
        )
        cancellation_form.target.choices = _cancellable_choices(startup, year)
        result.update(
            commitment_form=commitment_form,
            payment_form=payment_form,
            cancellation_form=cancellation_form,
        )
    if perms.can_record_ledger(user):
        imputation_form = given.get("imputation_form") or forms.ImputationForm(
            formdata=None,
            cost_centre=startup.cost_centre.code if startup.cost_centre else None,
            activity_code=startup.activity_code,
        )
        imputation_form.cost_centre.choices = _cost_centre_choices()
        report_form = given.get("report_form") or forms.SubsidyReportForm(formdata=None)
        report_form.commitment.choices = _subsidy_choices(startup)
        result.update(imputation_form=imputation_form, report_form=report_form)
    if perms.can_change_allocation(user):
        allocation_form = given.get("allocation_form") or forms.AllocationForm(
            formdata=None, year=year
        )
        allocation_form.amendment.choices = _amendment_choices()
        result["allocation_form"] = allocation_form
    return result


def _amendment_choices():
    convention = queries.current_convention()
    return choices(
        [("", "—")]
        + [
            (str(a.id), f"Avenant n°{a.number} du {a.signed_on.strftime('%d/%m/%Y')}")
            for a in convention.amendments
        ]
    )


def _subsidy_choices(startup):
    return choices(
        (str(c.id), f"n°{c.id} du {c.committed_on.strftime('%d/%m/%Y')} — {c.supplier}")
        for c in queries.subsidies_of(startup.id)
    )


def _open_commitment_choices(startup):
    return choices(
        (
            str(line.commitment.id),
            f"n°{line.commitment.id} du {line.commitment.committed_on.strftime('%d/%m/%Y')} — "
            f"{line.commitment.supplier} — reste {euros(line.remaining)}",
        )
        for line in queries.open_commitments_of(startup.id)
    )


def _cancellable_choices(startup, year):
    pairs = [
        (
            f"c-{line.commitment.id}",
            f"Engagement n°{line.commitment.id} — non payé {euros(line.remaining)}",
        )
        for line in queries.commitments_of(startup.id, year)
        if line.remaining > 0
    ]
    pairs += [
        (
            f"p-{payment.id}",
            f"Paiement n°{payment.id} du {payment.paid_on.strftime('%d/%m/%Y')} — "
            f"{euros(payment.amount - cancelled)}",
        )
        for payment, cancelled in queries.payments_of(startup.id, year)
        if payment.amount > cancelled
    ]
    return choices(pairs)


def _startup_page(startup, year, status=200, **given):
    dashboard = queries.consumption(year)
    row = next(r for r in dashboard.rows if r.startup.id == startup.id)
    context = dict(
        startup=startup,
        year=year,
        years=sorted({*queries.budget_years(), clock.today().year}, reverse=True),
        consumption=row,
        commitments=queries.commitments_of(startup.id, year),
        payments=queries.payments_of(startup.id, year),
        entries=queries.ledger_rows(year, startup.id),
        history=queries.allocation_history(startup.id),
        reports=queries.subsidy_reports(startup.id),
        today=clock.today(),
        **_startup_forms(startup, year, given),
    )
    return render_template("finance/startup.html", **context), status


@bp.get("/startups/<slug>")
def startup(slug: str):
    return _startup_page(_startup(slug), _year())


def _back_to(startup, on: date | None):
    year = on.year if on else clock.today().year
    return htmx.redirect(url_for("finance.startup", slug=startup.slug, annee=year))


@bp.post("/startups/<slug>/engagements")
@allowed(perms.can_record_ledger)
def record_commitment(slug: str):
    startup = _startup(slug)
    form = forms.CommitmentForm()
    form.cost_centre.choices = _cost_centre_choices()
    if form.validate():
        try:
            commitment = ledger.record_commitment(
                _user(),
                startup,
                committed_on=form.committed_on.data,
                amount=form.amount.amount,
                legal_act=LegalAct(form.legal_act.data),
                supplier=form.supplier.data,
                object=form.object.data,
                cost_centre=db.session.scalar(
                    db.select(CostCentre).where(CostCentre.code == form.cost_centre.data)
                ),
                chorus_number=form.chorus_number.data or "",
            )
        except RuleError as error:
            _refused(form, error)
        else:
            flash(f"Engagement n°{commitment.id} enregistré.", "success")
            return _back_to(startup, commitment.committed_on)
    return _startup_page(startup, _form_year(form.committed_on.data), 422, commitment_form=form)


def _form_year(on):
    return on.year if on else clock.today().year


@bp.post("/startups/<slug>/paiements")
@allowed(perms.can_record_ledger)
def record_payment(slug: str):
    startup = _startup(slug)
    form = forms.PaymentForm()
    form.commitment.choices = _open_commitment_choices(startup)
    if form.validate():
        commitment = db.session.get(Commitment, int(form.commitment.data))
        try:
            ledger.record_payment(
                _user(),
                commitment,
                paid_on=form.paid_on.data,
                amount=form.amount.amount,
                chorus_number=form.chorus_number.data or "",
            )
        except RuleError as error:
            _refused(form, error)
        else:
            flash("Paiement enregistré.", "success")
            return _back_to(startup, form.paid_on.data)
    return _startup_page(startup, _form_year(form.paid_on.data), 422, payment_form=form)


@bp.post("/startups/<slug>/annulations")
@allowed(perms.can_record_ledger)
def record_cancellation(slug: str):
    startup = _startup(slug)
    year = _year()
    form = forms.CancellationForm()
    form.target.choices = _cancellable_choices(startup, year)
    if form.validate():
        kind, _, target_id = form.target.data.partition("-")
        arguments = dict(
            cancelled_on=form.cancelled_on.data, amount=form.amount.amount, reason=form.reason.data
        )
        try:
            if kind == "c":
                ledger.cancel_commitment(
                    _user(), db.session.get(Commitment, int(target_id)), **arguments
                )
            else:
                ledger.cancel_payment(_user(), db.session.get(Payment, int(target_id)), **arguments)
        except RuleError as error:
            _refused(form, error)
        else:
            flash("Annulation enregistrée.", "success")
            return htmx.redirect(url_for("finance.startup", slug=startup.slug, annee=year))
    return _startup_page(startup, year, 422, cancellation_form=form)


@bp.post("/startups/<slug>/allocations")
@allowed(perms.can_change_allocation)
def change_allocation(slug: str):
    startup = _startup(slug)
    form = forms.AllocationForm()
    form.amendment.choices = _amendment_choices()
    if form.validate():
        amendment = (
            db.session.get(Amendment, int(form.amendment.data))
            if form.source.data == "amendment"
            else None
        )
        try:
            allocations.change(
                _user(),
                startup,
                form.year.data,
                ae_delta=form.ae_delta.amount or Decimal("0"),
                cp_delta=form.cp_delta.amount or Decimal("0"),
                source=AllocationSource(form.source.data),
                reason=form.reason.data,
                amendment=amendment,
            )
        except RuleError as error:
            _refused(form, error)
        else:
            flash("L'allocation est modifiée.", "success")
            return htmx.redirect(
                url_for("finance.startup", slug=startup.slug, annee=form.year.data)
            )
    year = form.year.data or clock.today().year
    return _startup_page(startup, year, 422, allocation_form=form)


@bp.post("/startups/<slug>/imputation")
@allowed(perms.can_record_ledger)
def set_imputation(slug: str):
    startup = _startup(slug)
    form = forms.ImputationForm()
    form.cost_centre.choices = _cost_centre_choices()
    if form.validate():
        centre = db.session.scalar(
            db.select(CostCentre).where(CostCentre.code == form.cost_centre.data)
        )
        startups.set_imputation(
            _user(), startup, cost_centre=centre, activity_code=form.activity_code.data or ""
        )
        flash("L'imputation CHORUS de la startup est enregistrée.", "success")
        return htmx.redirect(url_for("finance.startup", slug=startup.slug, annee=_year()))
    return _startup_page(startup, _year(), 422, imputation_form=form)


@bp.post("/startups/<slug>/comptes-rendus")
@allowed(perms.can_record_ledger)
def expect_report(slug: str):
    startup = _startup(slug)
    form = forms.SubsidyReportForm()
    form.commitment.choices = _subsidy_choices(startup)
    if form.validate():
        try:
            subsidies.expect_report(
                _user(),
                db.session.get(Commitment, int(form.commitment.data)),
                due_on=form.due_on.data,
                expected=form.expected.data,
            )
        except RuleError as error:
            _refused(form, error)
        else:
            flash("Le compte rendu attendu est enregistré.", "success")
            return htmx.redirect(url_for("finance.startup", slug=startup.slug, annee=_year()))
    return _startup_page(startup, _year(), 422, report_form=form)


@bp.post("/comptes-rendus/<int:report_id>/recu")
@allowed(perms.can_record_ledger)
def report_received(report_id: int):
    report = db.session.get(SubsidyReport, report_id) or abort(404)
    slug = report.commitment.startup.slug
    try:
        subsidies.mark_received(_user(), report)
    except RuleError as error:  # nothing was written: say why on the page
        flash(error.message, "error")
    else:
        flash("Compte rendu reçu.", "success")
    return htmx.redirect(url_for("finance.startup", slug=slug))


# Exports


def _export_rows():
    year = _year()
    return year, queries.ledger_rows(year)


@bp.get("/export.csv")
@allowed(perms.can_export_ledger)
def export_csv():
    year, rows = _export_rows()
    response = make_response(exports.ledger_csv(rows))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="grand-livre-{year}.csv"'
    return response


@bp.get("/export.xlsx")
@allowed(perms.can_export_ledger)
def export_xlsx():
    year, rows = _export_rows()
    response = make_response(exports.ledger_xlsx(rows, f"Grand livre {year}"))
    response.headers["Content-Type"] = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="grand-livre-{year}.xlsx"'
    return response


# Investment committees


def _committee_form(**kwargs):
    form = forms.CommitteeForm(**kwargs)
    form.startups.choices = choices((s.slug, s.name) for s in queries.startups())
    return form


@bp.get("/comites")
def committees_list(form=None, status=200):
    form = form or (
        _committee_form(formdata=None, held_on=clock.today())
        if perms.can_hold_committee(_user())
        else None
    )
    return render_template(
        "finance/committees.html", committees=queries.committees(), form=form
    ), status


@bp.post("/comites")
@allowed(perms.can_hold_committee)
def hold_committee():
    form = _committee_form()
    if form.validate():
        chosen = [s for s in queries.startups() if s.slug in (form.startups.data or [])]
        try:
            committee = committees.hold(
                _user(), held_on=form.held_on.data, title=form.title.data, startups=chosen
            )
        except RuleError as error:
            _refused(form, error)
        else:
            flash("Le comité est enregistré avec les indicateurs et budgets du jour.", "success")
            return htmx.redirect(url_for("finance.committee", committee_id=committee.id))
    return committees_list(form=form, status=422)


@bp.get("/comites/<int:committee_id>")
def committee(committee_id: int, status=200, failed_review=None, failed_form=None):
    committee = queries.committee_with_reviews(committee_id) or abort(404)
    user = _user()
    decision_forms, comment_forms = {}, {}
    for review in committee.reviews:
        if review.decision is None and perms.can_decide_committee(user):
            decision_forms[review.id] = forms.DecisionForm(
                formdata=None, prefix=f"r{review.id}", next_year=committee.held_on.year
            )
        if perms.can_comment_committee(user):
            comment_forms[review.id] = forms.CommentForm(formdata=None, prefix=f"c{review.id}")
    if failed_review is not None:
        target = decision_forms if isinstance(failed_form, forms.DecisionForm) else comment_forms
        target[failed_review] = failed_form
    return render_template(
        "finance/committee.html",
        committee=committee,
        previous=queries.previous_reviews(committee),
        decision_forms=decision_forms,
        comment_forms=comment_forms,
        Decision=Decision,
    ), status


def _review(committee_id: int, review_id: int) -> CommitteeReview:
    review = db.session.get(CommitteeReview, review_id)
    if review is None or review.committee_id != committee_id:
        abort(404)
    return review


@bp.post("/comites/<int:committee_id>/revues/<int:review_id>/decision")
@allowed(perms.can_decide_committee)
def decide(committee_id: int, review_id: int):
    review = _review(committee_id, review_id)
    form = forms.DecisionForm(prefix=f"r{review.id}")
    if form.validate():
        try:
            committees.decide(
                _user(),
                review,
                decision=Decision(form.decision.data),
                next_year=form.next_year.data,
                next_ae=form.next_ae.amount,
                next_cp=form.next_cp.amount,
                comment=form.comment.data or "",
            )
        except RuleError as error:
            _refused(form, error)
        else:
            flash(f"Décision enregistrée pour {review.startup.name}.", "success")
            return htmx.redirect(url_for("finance.committee", committee_id=committee_id))
    return committee(committee_id, 422, review.id, form)


@bp.post("/comites/<int:committee_id>/revues/<int:review_id>/commentaires")
@allowed(perms.can_comment_committee)
def comment(committee_id: int, review_id: int):
    review = _review(committee_id, review_id)
    form = forms.CommentForm(prefix=f"c{review.id}")
    if form.validate():
        committees.add_comment(_user(), review, form.body.data)
        return htmx.redirect(
            url_for("finance.committee", committee_id=committee_id) + f"#revue-{review.id}"
        )
    return committee(committee_id, 422, review.id, form)
