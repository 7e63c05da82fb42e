"""Investment committees: record one, read its report, decide, comment."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for

from app.core import htmx
from app.core.forms import choices
from app.finance import (
    bp,
    clock,
    committees,
    forms,
    perms,
    queries,
)
from app.finance.models import (
    CommitteeReview,
    Decision,
)
from app.finance.rules import RuleError
from app.finance.views.common import allowed, me, refused

# Investment committees


def _committee_form(**kwargs):
    form = forms.CommitteeForm(**kwargs)
    form.startups.choices = choices((s.slug, s.name) for s in queries.startups())
    return form


@bp.get("/comites")
def committees_list(form=None, status=200):
    form = form or (
        _committee_form(formdata=None, held_on=clock.today())
        if perms.can_hold_committee(me())
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
                me(), held_on=form.held_on.data, title=form.title.data, startups=chosen
            )
        except RuleError as error:
            refused(form, error)
        else:
            flash("Le comité est enregistré avec les indicateurs et budgets du jour.", "success")
            return htmx.redirect(url_for("finance.committee", committee_id=committee.id))
    return committees_list(form=form, status=422)


@bp.get("/comites/<int:committee_id>")
def committee(committee_id: int, status=200, failed_review=None, failed_form=None):
    committee = queries.committee_with_reviews(committee_id) or abort(404)
    user = me()
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
    return queries.review_of(committee_id, review_id) or abort(404)


@bp.post("/comites/<int:committee_id>/revues/<int:review_id>/decision")
@allowed(perms.can_decide_committee)
def decide(committee_id: int, review_id: int):
    review = _review(committee_id, review_id)
    form = forms.DecisionForm(prefix=f"r{review.id}")
    if form.validate():
        try:
            committees.decide(
                me(),
                review,
                decision=Decision(form.decision.data),
                next_year=form.next_year.data,
                next_ae=form.next_ae.amount,
                next_cp=form.next_cp.amount,
                comment=form.comment.data or "",
            )
        except RuleError as error:
            refused(form, error)
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
        committees.add_comment(me(), review, form.body.data)
        return htmx.redirect(
            url_for("finance.committee", committee_id=committee_id) + f"#revue-{review.id}"
        )
    return committee(committee_id, 422, review.id, form)
