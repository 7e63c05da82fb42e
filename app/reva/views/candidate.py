"""The candidate: start a candidacy, write skills, share them."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.core import access, htmx
from app.core.forms import choices
from app.reva import badges, bp, candidacies, perms, queries, surveys
from app.reva.forms import CandidacyForm, ShareForm, SkillForm, SurveyForm
from app.reva.models import Actor
from app.reva.views import load_candidacy
from app.reva.views.candidacy import render_candidacy

ALONE = "seul"


def _organism_choices(department: str | None):
    organisms = queries.organisms_serving(department) if department else []
    return organisms, choices(
        [(str(o.id), o.name) for o in organisms] + [(ALONE, "Sans accompagnateur")]
    )


@bp.route("/candidature/nouvelle", methods=["GET", "POST"])
@access.authenticated
def new_candidacy():
    """Goals, experiences and an organism serving the candidate's department (or none)."""
    certification = queries.certification_with_blocks(
        request.args.get("certification", 0, type=int)
    )
    if certification is None or not certification.is_active:
        flash("Choisissez d'abord la certification visée.", "info")
        return redirect(url_for("reva.catalogue"))
    form = CandidacyForm()
    department = form.department.data or request.args.get("department")
    organisms, form.organism.choices = _organism_choices(department)
    status = 200
    if request.method == "POST" and not request.form.get("refresh"):
        if form.validate():
            organism = None
            if form.organism.data != ALONE:
                organism = queries.organism_serving(int(form.organism.data), department)
                if organism is None:
                    form.organism.errors.append(
                        "Choisissez un organisme qui accompagne les candidats de votre département."
                    )
            if not form.organism.errors:
                candidacy = candidacies.start(
                    current_user._get_current_object(),
                    certification,
                    department,
                    organism,
                    form.goals.data,
                    form.experience_rows(),
                )
                flash("Votre projet est enregistré : relisez-le puis envoyez-le.", "success")
                return redirect(url_for("reva.candidacy", public_id=candidacy.public_id), 303)
        status = 422
    return (
        render_template(
            "reva/new_candidacy.html",
            form=form,
            certification=certification,
            organisms=organisms,
            alone=ALONE,
        ),
        status,
    )


@bp.get("/organismes")
@access.authenticated
def organism_choices():
    """The organisms serving a department, as the radio buttons of the candidacy form (htmx)."""
    form = CandidacyForm(formdata=None)
    department = request.args.get("department", "")
    form.department.data = department
    organisms, form.organism.choices = _organism_choices(department)
    return render_template(
        "reva/includes/organism_choices.html", form=form, organisms=organisms, alone=ALONE
    )


@bp.post("/candidatures/<public_id>/competences")
@load_candidacy
def add_skill(candidacy):
    if not perms.can_write_skills(g.actors, candidacy):
        abort(403)
    form = SkillForm()
    if not form.validate():
        return render_candidacy(candidacy, g.actors, skill_form=form, status=422)
    badges.add_skill(
        candidacy, current_user._get_current_object(), form.title.data, form.description.data
    )
    candidacies.touch(candidacy)
    flash("Compétence ajoutée à votre dossier.", "success")
    return htmx.redirect(url_for("reva.candidacy", public_id=candidacy.public_id) + "#competences")


@bp.post("/candidatures/<public_id>/partages")
@load_candidacy
def create_share_link(candidacy):
    if not perms.can_share(g.actors):
        abort(403)
    skills = queries.skills_of(candidacy)
    form = ShareForm()
    form.skill_ids.choices = choices((s.id, s.title) for s in skills)
    if not form.validate():
        return render_candidacy(candidacy, g.actors, share_form=form, status=422)
    chosen = [s for s in skills if s.id in set(form.skill_ids.data)]
    badges.create_share_link(
        candidacy, current_user._get_current_object(), form.label.data, chosen, form.expires_on.data
    )
    flash("Lien de partage créé.", "success")
    return htmx.redirect(url_for("reva.candidacy", public_id=candidacy.public_id) + "#partages")


@bp.post("/candidatures/<public_id>/partages/<int:link_id>/revoquer")
@load_candidacy
def revoke_share_link(candidacy, link_id: int):
    if Actor.CANDIDATE not in g.actors:
        abort(403)
    link = next((link for link in queries.share_links_of(candidacy) if link.id == link_id), None)
    if link is None:
        abort(404)
    badges.revoke_share_link(link, current_user._get_current_object())
    flash("Lien de partage désactivé.", "success")
    return htmx.redirect(url_for("reva.candidacy", public_id=candidacy.public_id) + "#partages")


@bp.post("/candidatures/<public_id>/enquete")
@load_candidacy
def answer_survey(candidacy):
    """The candidate's optional answers (employability, self-confidence)."""
    if Actor.CANDIDATE not in g.actors or not surveys.is_asked(candidacy):
        abort(403)
    form = SurveyForm()
    if not form.validate():
        return render_candidacy(candidacy, g.actors, survey_form=form, status=422)
    recruited = {"oui": True, "non": False}.get(form.recruited.data or "")
    confidence = int(form.confidence.data) if form.confidence.data else None
    surveys.answer(candidacy, current_user._get_current_object(), recruited, confidence)
    flash("Merci pour vos réponses.", "success")
    return htmx.redirect(url_for("reva.candidacy", public_id=candidacy.public_id))
