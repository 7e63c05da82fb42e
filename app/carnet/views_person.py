"""Carnet de bord: the person's own pages (contact details, sharing decisions, who viewed their
notebook, their data, deletion). Each is the owner's only (`check=owner`)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, jsonify, redirect, render_template

from app.carnet import bp, consents, forms, queries, reads, renewals
from app.carnet import notebooks as notebook_writes
from app.carnet.decorators import notebook_view, owner
from app.carnet.perms import Access
from app.carnet.views import acting_user, back_to, section
from app.core import paging

LOG_PAGE_SIZE = 50


@bp.post("/carnets/<int:notebook_id>/coordonnees")
@notebook_view(Access.FULL, check=owner)
def edit_contact(notebook):
    form = forms.ContactForm()
    if not form.validate():
        return section(notebook, "contact", 422, contact_form=form)
    notebook_writes.update_contact(
        acting_user(),
        notebook.beneficiary,
        email=form.email.data,
        mobile=form.mobile.data,
        address=form.address.data,
        postal_code=form.postal_code.data,
        commune=form.commune.data,
    )
    return section(notebook, "contact")


@bp.post("/carnets/<int:notebook_id>/partage/<int:consent_id>")
@notebook_view(Access.FULL, check=owner)
def decide_consent(notebook, consent_id: int):
    consent = queries.consent_for(notebook, consent_id)
    if consent is None:
        abort(404)
    form = forms.DecisionForm()
    if not form.validate():
        return section(notebook, "sharing", 422, error_form=form)
    decision = form.decision.data
    if decision == "structure":
        if consent.structure is None:
            abort(404)
        consents.grant_structure_consent(acting_user(), notebook, consent.structure)
        flash(f"Partage accordé à toute la structure {consent.structure.name}.", "success")
        return section(notebook, "sharing")
    if decision == "retirer":
        ended = consents.revoke_consent(acting_user(), consent)
        if ended:
            verb = "n'ont" if len(ended) > 1 else "n'a"
            flash(
                f"Partage retiré : {', '.join(ended)} {verb} plus accès au contenu de votre carnet.",
                "success",
            )
        else:
            flash("Partage retiré.", "success")
        return section(notebook, "sharing")
    actions = {
        "accorder": consents.grant_consent,
        "renouveler": consents.renew_consent,
        "refuser": consents.refuse_consent,
    }
    actions[decision](acting_user(), consent)
    messages = {
        "accorder": "Partage accordé.",
        "renouveler": "Partage renouvelé.",
        "refuser": "Partage refusé.",
    }
    flash(messages[decision], "success")
    return section(notebook, "sharing")


@bp.post("/carnets/<int:notebook_id>/renouvellement/<int:consent_id>")
@notebook_view(Access.FULL, check=owner)
def answer_renewal(notebook, consent_id: int):
    consent = next(
        (c for c in queries.renewals_awaiting_answer(notebook) if c.id == consent_id), None
    )
    if consent is None:
        abort(404)
    form = forms.RenewalForm()
    if not form.validate():
        abort(400)
    if form.decision.data == "renouveler":
        renewals.renew(acting_user(), consent)
        flash(f"Partage renouvelé jusqu'au {consent.expires_at.strftime('%d/%m/%Y')}.", "success")
    else:
        renewals.decline(acting_user(), consent)
        flash(
            f"Partage non renouvelé : il prend fin le {consent.expires_at.strftime('%d/%m/%Y')}.",
            "success",
        )
    return redirect(back_to(notebook, "sharing"), 303)


@bp.get("/carnets/<int:notebook_id>/acces")
@notebook_view(Access.FULL, check=owner)
def access_log(notebook):
    entries, total, page = queries.access_log(
        notebook, page=paging.requested_page(), page_size=LOG_PAGE_SIZE
    )
    return render_template(
        "carnet/access_log.html",
        notebook=notebook,
        entries=entries,
        total=total,
        page=page,
        page_size=LOG_PAGE_SIZE,
        kinds=reads.KINDS,
    )


@bp.get("/carnets/<int:notebook_id>/export.json")
@notebook_view(Access.FULL, check=owner)
def export_json(notebook):
    reads.record_read(acting_user(), notebook, Access.FULL, "export")
    response = jsonify(queries.notebook_export(notebook))
    response.headers["Content-Disposition"] = (
        f'attachment; filename="mon-carnet-{notebook.id}.json"'
    )
    return response


@bp.get("/carnets/<int:notebook_id>/imprimer")
@notebook_view(Access.FULL, check=owner)
def printable(notebook):
    reads.record_read(acting_user(), notebook, Access.FULL, "print")
    return render_template(
        "carnet/printable.html",
        notebook=notebook,
        data=queries.notebook_export(notebook),
        now_date=date.today().strftime("%d/%m/%Y"),
    )


@bp.post("/carnets/<int:notebook_id>/suppression")
@notebook_view(Access.FULL, check=owner)
def request_deletion(notebook):
    form = forms.ConfirmForm()
    if not form.validate():
        abort(400)
    notebook_writes.request_deletion(acting_user(), notebook.beneficiary)
    flash(
        "Votre demande de suppression est enregistrée. Le coordinateur du territoire vous recontactera.",
        "success",
    )
    return redirect(back_to(notebook), 303)
