"""The candidacy page every party shares, the transitions any party makes from it, endorsements
and attachments. Which buttons show, and whether a POST is accepted, both come from the table in
`candidacies.py`."""

from __future__ import annotations

from flask import abort, flash, g, make_response, render_template, url_for
from flask_login import current_user

from app.core import htmx, uploads
from app.core.forms import choices
from app.core.models import utcnow
from app.extensions import db
from app.reva import badges, bp, candidacies, perms, queries, surveys
from app.reva.forms import (
    MASTERY_CHOICES,
    AttachmentForm,
    CommentForm,
    EndorseForm,
    JuryForm,
    JuryResultForm,
    PathForm,
    ShareForm,
    SkillForm,
    SurveyForm,
)
from app.reva.models import Actor, Competence
from app.reva.views import load_candidacy

# Transitions with their own form and endpoint (they carry data besides a comment).
DEDICATED = {
    "send_path": "reva.send_path",
    "schedule_jury": "reva.schedule_jury",
    "record_full_validation": "reva.record_jury_result",
    "record_partial_validation": "reva.record_jury_result",
    "record_failure": "reva.record_jury_result",
}
HUMAN_ACTORS = frozenset({Actor.CANDIDATE, Actor.ACCOMPAGNATEUR, Actor.CERTIFIER, Actor.ADMIN})


def acting_as(candidacy, name: str, actors) -> Actor | None:
    """The party the user acts as for transition `name` (the first the table allows)."""
    for actor in sorted(actors & HUMAN_ACTORS):
        if candidacies.find(candidacy, name, actor) is not None:
            return actor
    return None


def _milestones(candidacy, events):
    """Each state reached, dated, newest last (the candidate's "path")."""
    return [(e.to_status, e.at, e.actor, e.comment) for e in events]


def render_candidacy(candidacy, actors, status: int = 200, error: str | None = None, **forms):
    """The page, with only the forms the user may send (a form given in `forms` — one sent
    back with its errors — replaces the blank one)."""
    certification = candidacy.certification  # loaded with the candidacy, and its authority
    blocks = queries.blocks_of(certification.id)
    skills = queries.skills_of(candidacy)
    events = queries.events_of(candidacy)
    offered = [t for t in candidacies.available(candidacy, actors & HUMAN_ACTORS)]
    dedicated = {t.name for t in offered if t.name in DEDICATED}
    can_edit_file = perms.can_edit_file(actors, candidacy)
    can_write_skills = perms.can_write_skills(actors, candidacy)
    can_endorse = perms.can_endorse_skill(actors)
    can_share = perms.can_share(actors)
    survey_asked = Actor.CANDIDATE in actors and surveys.is_asked(candidacy)

    def form(name, cls, shown):
        return forms.get(name) or (cls(formdata=None) if shown else None)

    result_form = form("result_form", JuryResultForm, "record_full_validation" in dedicated)
    if result_form is not None:
        result_form.blocks.choices = choices((b.id, f"{b.code} — {b.label}") for b in blocks)
    endorse_form = None
    if can_endorse and skills:
        endorse_form = EndorseForm(formdata=None)
        endorse_form.competence_id.choices = choices(
            (c.id, f"{b.code} — {c.label}") for b in blocks for c in b.competences
        )
    share_form = form("share_form", ShareForm, can_share)
    if share_form is not None:
        share_form.skill_ids.choices = choices((s.id, s.title) for s in skills)
    context = dict(
        candidacy=candidacy,
        certification=certification,
        blocks=blocks,
        actors=actors,
        events=events,
        milestones=_milestones(candidacy, events),
        step=candidacies.next_step(candidacy),
        offered=[t for t in offered if t.name not in DEDICATED],
        dedicated=dedicated,
        error=error,
        path_form=form("path_form", PathForm, "send_path" in dedicated),
        jury_form=form("jury_form", JuryForm, "schedule_jury" in dedicated),
        result_form=result_form,
        skill_form=form("skill_form", SkillForm, can_write_skills),
        endorse_form=endorse_form,
        share_form=share_form,
        attachment_form=form("attachment_form", AttachmentForm, can_edit_file),
        attachment_error=forms.get("attachment_error"),
        assessment_errors=forms.get("assessment_errors") or {},
        assessments=queries.assessments_of(candidacy),
        attachments=queries.attachments_of(candidacy),
        mastery_choices=MASTERY_CHOICES,
        skills=skills,
        block_badges=queries.block_badges_of(candidacy),
        share_links=queries.share_links_of(candidacy) if can_share else [],
        can_edit_file=can_edit_file,
        can_write_skills=can_write_skills,
        can_endorse=can_endorse,
        today=utcnow().date(),
        survey_asked=survey_asked,
        survey_answer=surveys.answer_of(candidacy) if Actor.CANDIDATE in actors else None,
        survey_form=form("survey_form", SurveyForm, survey_asked),
    )
    return make_response(render_template("reva/candidacy.html", **context), status)


@bp.get("/candidatures/<public_id>")
@load_candidacy
def candidacy(candidacy):
    return render_candidacy(candidacy, g.actors)


@bp.post("/candidatures/<public_id>/actions/<name>")
@load_candidacy
def transition(candidacy, name: str):
    """Any party makes a transition the table allows them (a comment, or a required reason)."""
    if name in DEDICATED:
        abort(404)
    form = CommentForm()
    actor = acting_as(candidacy, name, g.actors)
    if not form.validate():
        return render_candidacy(candidacy, g.actors, comment_form=form, status=422)
    if actor is None:
        return render_candidacy(
            candidacy, g.actors, status=409, error=candidacies.refusal(candidacy, name)
        )
    if name == "send_feasibility" and not _file_complete(candidacy):
        return render_candidacy(
            candidacy,
            g.actors,
            status=409,
            error="Le dossier de faisabilité est incomplet : évaluez chaque compétence avant de "
            "l'envoyer.",
        )
    try:
        candidacies.apply(
            candidacy, name, actor, current_user._get_current_object(), form.comment.data
        )
    except candidacies.TransitionRefusedError as refused:
        return render_candidacy(candidacy, g.actors, status=422, error=str(refused))
    flash(f"C'est fait : {candidacy.status.label}.", "success")
    return htmx.redirect(url_for("reva.candidacy", public_id=candidacy.public_id))


def _file_complete(candidacy) -> bool:
    certification = queries.certification_with_blocks(candidacy.certification_id)
    assessed = queries.assessments_of(candidacy)
    return all(c.id in assessed for b in certification.blocks for c in b.competences)


@bp.post("/candidatures/<public_id>/competences/<int:skill_id>/reconnaitre")
@load_candidacy
def endorse_skill(candidacy, skill_id: int):
    """The accompagnateur or certifier links a skill to a competence: a badge is issued."""
    if not perms.can_endorse_skill(g.actors):
        abort(403)
    skill = queries.skill_of(candidacy, skill_id)
    if skill is None:
        abort(404)
    form = EndorseForm()
    competence = db.session.get(Competence, form.competence_id.data or 0)
    form.competence_id.choices = choices([(competence.id, "")] if competence else [])
    if not form.validate() or competence is None:
        return render_candidacy(
            candidacy, g.actors, status=422, error="Choisissez une compétence de la certification."
        )
    actor = Actor.CERTIFIER if Actor.CERTIFIER in g.actors else Actor.ACCOMPAGNATEUR
    try:
        badges.endorse_skill(
            candidacy, skill, competence, current_user._get_current_object(), actor
        )
    except ValueError as refused:
        return render_candidacy(candidacy, g.actors, status=422, error=str(refused))
    candidacies.touch(candidacy)
    flash("Compétence reconnue : un badge a été délivré.", "success")
    return htmx.redirect(url_for("reva.candidacy", public_id=candidacy.public_id) + "#competences")


@bp.get("/candidatures/<public_id>/pieces/<attachment_id>")
@load_candidacy
def attachment(candidacy, attachment_id: str):
    """Served only to the candidacy's parties, always as a download."""
    found = queries.attachment_of(candidacy, attachment_id)
    if found is None:
        abort(404)
    return uploads.download(found.data, found.filename, found.content_type)


def back_to(candidacy, anchor: str = ""):
    return htmx.redirect(url_for("reva.candidacy", public_id=candidacy.public_id) + anchor)
