"""The certifier: candidacies of their certifications and departments, decisions and juries."""

from __future__ import annotations

from flask import abort, flash, g
from flask_login import current_user

from app.accounts.roles import Role
from app.core import access
from app.core.forms import choices
from app.reva import bp, candidacies, queries
from app.reva.candidacies import LATE_DECISION_DAYS
from app.reva.forms import JuryForm, JuryResultForm
from app.reva.models import Actor
from app.reva.views import load_candidacy, render_queue, selected_status
from app.reva.views.candidacy import back_to, render_candidacy


@bp.get("/certificateur/")
@access.roles(Role.CERTIFIER, national=True)
def certifier_queue():
    """Decisions awaiting me first, with the days waited (flagged past 15 days)."""
    user = current_user._get_current_object()
    return render_queue(
        "Les candidatures à instruire",
        queries.candidacies_of_certifier(user, selected_status()[1]),
        queries.candidacies_of_certifier(user),
        Actor.CERTIFIER,
        late_after=LATE_DECISION_DAYS,
    )


def _certifier_only():
    if Actor.CERTIFIER not in g.actors:
        abort(403)


@bp.post("/candidatures/<public_id>/jury")
@load_candidacy
def schedule_jury(candidacy):
    _certifier_only()
    form = JuryForm()
    if not form.validate():
        return render_candidacy(candidacy, g.actors, jury_form=form, status=422)
    if candidacies.find(candidacy, "schedule_jury", Actor.CERTIFIER) is None:
        return render_candidacy(
            candidacy, g.actors, status=409, error=candidacies.refusal(candidacy, "schedule_jury")
        )
    candidacies.set_jury(candidacy, form.jury_date.data, form.jury_place.data)
    candidacies.apply(
        candidacy,
        "schedule_jury",
        Actor.CERTIFIER,
        current_user,
        f"Jury le {form.jury_date.data:%d/%m/%Y} — {form.jury_place.data}",
    )
    flash("Jury programmé.", "success")
    return back_to(candidacy)


@bp.post("/candidatures/<public_id>/resultat")
@load_candidacy
def record_jury_result(candidacy):
    """Full or partial validation, or failure; a partial validation issues block badges."""
    _certifier_only()
    certification = queries.certification_with_blocks(candidacy.certification_id)
    form = JuryResultForm()
    form.blocks.choices = choices((b.id, b.label) for b in certification.blocks)
    if not form.validate():
        return render_candidacy(candidacy, g.actors, result_form=form, status=422)
    blocks = [b for b in certification.blocks if b.id in set(form.blocks.data or [])]
    try:
        candidacies.record_jury_result(
            candidacy,
            current_user._get_current_object(),
            form.result.data,
            blocks,
            form.comment.data or "",
        )
    except candidacies.TransitionRefusedError as refused:
        return render_candidacy(candidacy, g.actors, status=409, error=str(refused))
    flash(f"Résultat enregistré : {candidacy.status.label}.", "success")
    return back_to(candidacy)
