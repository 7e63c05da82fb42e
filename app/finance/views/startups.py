"""A start-up's envelope and ledger: the délégataire's entries, the délégant's allocations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import abort, flash, render_template, url_for

from app.core import htmx, paging
from app.core.forms import choices
from app.finance import (
    allocations,
    bp,
    clock,
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
    Commitment,
    LegalAct,
    Payment,
    SubsidyReport,
)
from app.finance.rules import RuleError, euros
from app.finance.views.common import allowed, amendment_choices, me, refused, year_param

# A start-up's envelope and ledger

LEDGER_PAGE_SIZE = paging.PAGE_SIZE


def _startup(slug):
    return queries.startup_by_slug(slug) or abort(404)


def _cost_centre_choices():
    return choices((c.code, f"{c.code} — {c.centre_label}") for c in queries.cost_centres())


def _startup_forms(startup, year, given):
    user = me()
    result = {}
    if perms.can_record_ledger(user):
        commitment_form = given.get("commitment_form") or forms.CommitmentForm(
            formdata=None,
            committed_on=clock.today(),
            cost_centre=startup.cost_centre.code if startup.cost_centre else None,
        )
        commitment_form.cost_centre.choices = _cost_centre_choices()
        result["commitment_form"] = commitment_form
    if perms.can_change_allocation(user):
        allocation_form = given.get("allocation_form") or forms.AllocationForm(
            formdata=None, year=year
        )
        allocation_form.amendment.choices = amendment_choices()
        result["allocation_form"] = allocation_form
    return result


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
    """The envelope's totals (one aggregate over every entry), then one page of the ledger,
    latest entries first (the exports hold the whole ledger)."""
    entries, total, page = queries.ledger_page(
        year, startup.id, paging.requested_page(), LEDGER_PAGE_SIZE
    )
    (row,) = queries.consumption(year, startup_id=startup.id).rows
    context = dict(
        startup=startup,
        year=year,
        years=sorted({*queries.budget_years(), clock.today().year}, reverse=True),
        consumption=row,
        entries=entries,
        entries_total=total,
        page=page,
        page_size=LEDGER_PAGE_SIZE,
        history=queries.allocation_history(startup.id),
        reports=queries.subsidy_reports(startup.id),
        chorus_error=given.get("chorus_error"),
        can_record=perms.can_record_ledger(me()),
        today=clock.today(),
        **_startup_forms(startup, year, given),
    )
    return render_template("finance/startup.html", **context), status


@bp.get("/startups/<slug>")
def startup(slug: str):
    return _startup_page(_startup(slug), year_param())


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
                me(),
                startup,
                committed_on=form.committed_on.data,
                amount=form.amount.amount,
                legal_act=LegalAct(form.legal_act.data),
                supplier=form.supplier.data,
                object=form.object.data,
                cost_centre=queries.cost_centre_by_code(form.cost_centre.data),
                chorus_number=form.chorus_number.data or "",
            )
        except RuleError as error:
            refused(form, error)
        else:
            flash(f"Engagement n°{commitment.id} enregistré.", "success")
            return _back_to(startup, commitment.committed_on)
    return _startup_page(startup, _form_year(form.committed_on.data), 422, commitment_form=form)


def _form_year(on):
    return on.year if on else clock.today().year


# A payment, a cancellation, an expected report and the imputation have their own page: their
# choice lists name every open entry (every subsidy for a report, every cost centre).


def _payment_form(startup, submitted=False):
    form = forms.PaymentForm() if submitted else forms.PaymentForm(None, paid_on=clock.today())
    form.commitment.choices = _open_commitment_choices(startup)
    return form


def _cancellation_form(startup, year, submitted=False):
    form = (
        forms.CancellationForm()
        if submitted
        else forms.CancellationForm(None, cancelled_on=clock.today())
    )
    form.target.choices = _cancellable_choices(startup, year)
    return form


ENTRY_HEADINGS = {
    "payment_form": "Paiement (CP)",
    "cancellation_form": "Annulation (correction)",
    "report_form": "Attendre un compte rendu de subvention",
    "imputation_form": "Imputation CHORUS de la startup (DNUM)",
}


def _entry_page(startup, year, status=200, **form):
    (name,) = form
    heading = ENTRY_HEADINGS[name]
    context = dict.fromkeys(ENTRY_HEADINGS) | form
    return render_template(
        "finance/entry.html", startup=startup, year=year, heading=heading, **context
    ), status


def _blank_entry_page(slug, **build):
    """The entry page of the one form `build` names, blank (built for the URL's start-up)."""
    startup = _startup(slug)
    return _entry_page(startup, year_param(), **{name: b(startup) for name, b in build.items()})


@bp.get("/startups/<slug>/paiements")
@allowed(perms.can_record_ledger)
def payment_page(slug: str):
    return _blank_entry_page(slug, payment_form=_payment_form)


@bp.get("/startups/<slug>/annulations")
@allowed(perms.can_record_ledger)
def cancellation_page(slug: str):
    startup, year = _startup(slug), year_param()
    return _entry_page(startup, year, cancellation_form=_cancellation_form(startup, year))


@bp.post("/startups/<slug>/paiements")
@allowed(perms.can_record_ledger)
def record_payment(slug: str):
    startup = _startup(slug)
    form = _payment_form(startup, submitted=True)
    if form.validate():
        commitment = queries.by_id(Commitment, form.commitment.data)
        try:
            ledger.record_payment(
                me(),
                commitment,
                paid_on=form.paid_on.data,
                amount=form.amount.amount,
                chorus_number=form.chorus_number.data or "",
            )
        except RuleError as error:
            refused(form, error)
        else:
            flash("Paiement enregistré.", "success")
            return _back_to(startup, form.paid_on.data)
    return _entry_page(startup, _form_year(form.paid_on.data), 422, payment_form=form)


@bp.post("/startups/<slug>/annulations")
@allowed(perms.can_record_ledger)
def record_cancellation(slug: str):
    startup = _startup(slug)
    year = year_param()
    form = _cancellation_form(startup, year, submitted=True)
    if form.validate():
        kind, _, target_id = form.target.data.partition("-")
        arguments = dict(
            cancelled_on=form.cancelled_on.data, amount=form.amount.amount, reason=form.reason.data
        )
        try:
            if kind == "c":
                ledger.cancel_commitment(me(), queries.by_id(Commitment, target_id), **arguments)
            else:
                ledger.cancel_payment(me(), queries.by_id(Payment, target_id), **arguments)
        except RuleError as error:
            refused(form, error)
        else:
            flash("Annulation enregistrée.", "success")
            return htmx.redirect(url_for("finance.startup", slug=startup.slug, annee=year))
    return _entry_page(startup, year, 422, cancellation_form=form)


@bp.post("/startups/<slug>/allocations")
@allowed(perms.can_change_allocation)
def change_allocation(slug: str):
    startup = _startup(slug)
    form = forms.AllocationForm()
    form.amendment.choices = amendment_choices()
    if form.validate():
        amendment = (
            queries.by_id(Amendment, form.amendment.data)
            if form.source.data == "amendment"
            else None
        )
        try:
            allocations.change(
                me(),
                startup,
                form.year.data,
                ae_delta=form.ae_delta.amount or Decimal("0"),
                cp_delta=form.cp_delta.amount or Decimal("0"),
                source=AllocationSource(form.source.data),
                reason=form.reason.data,
                amendment=amendment,
            )
        except RuleError as error:
            refused(form, error)
        else:
            flash("L'allocation est modifiée.", "success")
            return htmx.redirect(
                url_for("finance.startup", slug=startup.slug, annee=form.year.data)
            )
    year = form.year.data or clock.today().year
    return _startup_page(startup, year, 422, allocation_form=form)


@bp.post("/startups/<slug>/chorus")
@allowed(perms.can_record_ledger)
def retranscribe(slug: str):
    """Record the CHORUS number of a commitment or payment of this start-up."""
    startup = _startup(slug)
    form = forms.ChorusForm()
    if form.validate():
        kind, _, entry_id = form.entry.data.partition("-")
        model = {"c": Commitment, "p": Payment}.get(kind)
        entry = queries.by_id(model, entry_id) if model else None
        owner = entry if isinstance(entry, Commitment) else getattr(entry, "commitment", None)
        if owner is None or owner.startup_id != startup.id:
            abort(404)
        try:
            ledger.retranscribe(me(), entry, form.number.data)
        except RuleError as error:
            refused(form, error)
        else:
            flash("Numéro CHORUS enregistré.", "success")
            return htmx.redirect(url_for("finance.startup", slug=startup.slug, annee=year_param()))
    message = next(iter(form.number.errors or form.entry.errors), "")
    return _startup_page(startup, year_param(), 422, chorus_error=(form.entry.data, message))


def _imputation_form(startup, submitted=False):
    form = (
        forms.ImputationForm()
        if submitted
        else forms.ImputationForm(
            formdata=None,
            cost_centre=startup.cost_centre.code if startup.cost_centre else None,
            activity_code=startup.activity_code,
        )
    )
    form.cost_centre.choices = _cost_centre_choices()
    return form


@bp.get("/startups/<slug>/imputation")
@allowed(perms.can_record_ledger)
def imputation_page(slug: str):
    return _blank_entry_page(slug, imputation_form=_imputation_form)


@bp.post("/startups/<slug>/imputation")
@allowed(perms.can_record_ledger)
def set_imputation(slug: str):
    startup = _startup(slug)
    form = _imputation_form(startup, submitted=True)
    if form.validate():
        centre = queries.cost_centre_by_code(form.cost_centre.data)
        startups.set_imputation(
            me(), startup, cost_centre=centre, activity_code=form.activity_code.data or ""
        )
        flash("L'imputation CHORUS de la startup est enregistrée.", "success")
        return htmx.redirect(url_for("finance.startup", slug=startup.slug, annee=year_param()))
    return _entry_page(startup, year_param(), 422, imputation_form=form)


def _report_form(startup, submitted=False):
    form = forms.SubsidyReportForm() if submitted else forms.SubsidyReportForm(formdata=None)
    form.commitment.choices = _subsidy_choices(startup)
    return form


@bp.get("/startups/<slug>/comptes-rendus")
@allowed(perms.can_record_ledger)
def report_page(slug: str):
    return _blank_entry_page(slug, report_form=_report_form)


@bp.post("/startups/<slug>/comptes-rendus")
@allowed(perms.can_record_ledger)
def expect_report(slug: str):
    startup = _startup(slug)
    form = _report_form(startup, submitted=True)
    if form.validate():
        try:
            subsidies.expect_report(
                me(),
                queries.by_id(Commitment, form.commitment.data),
                due_on=form.due_on.data,
                expected=form.expected.data,
            )
        except RuleError as error:
            refused(form, error)
        else:
            flash("Le compte rendu attendu est enregistré.", "success")
            return htmx.redirect(url_for("finance.startup", slug=startup.slug, annee=year_param()))
    return _entry_page(startup, year_param(), 422, report_form=form)


@bp.post("/comptes-rendus/<int:report_id>/recu")
@allowed(perms.can_record_ledger)
def report_received(report_id: int):
    report = queries.by_id(SubsidyReport, report_id) or abort(404)
    slug = report.commitment.startup.slug
    try:
        subsidies.mark_received(me(), report)
    except RuleError as error:  # nothing was written: say why on the page
        flash(error.message, "error")
    else:
        flash("Compte rendu reçu.", "success")
    return htmx.redirect(url_for("finance.startup", slug=slug))
