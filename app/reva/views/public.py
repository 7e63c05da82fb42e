"""What anyone may reach: the REVA home, the catalogue, signing up, badges and share pages."""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.accounts.roles import Role
from app.core import access, htmx, paging
from app.core.models import utcnow
from app.extensions import db, limiter
from app.reva import badges, bp, candidacies, queries
from app.reva.forms import CatalogueSearchForm, SignUpForm
from app.reva.models import Competence, CompetenceBlock

JSON_LD = "application/ld+json"
PAGE_SIZE = 20


@bp.get("/")
@access.public
def home():
    """The entry point: search a certification; a signed-in user also finds their own work."""
    mine, staff_links = [], []
    if current_user.is_authenticated:
        mine = queries.candidacies_of_candidate(current_user)
        national = current_user.national_roles()
        if Role.REVA_ACCOMPAGNATEUR in national:
            staff_links.append(
                ("Les candidatures de mon organisme", url_for("reva.organism_queue"))
            )
        if Role.CERTIFIER in national:
            staff_links.append(("Les candidatures à instruire", url_for("reva.certifier_queue")))
        if Role.ADMIN in national:
            staff_links.append(("Indicateurs et catalogue", url_for("reva.admin_home")))
    return render_template(
        "reva/home.html",
        form=CatalogueSearchForm(formdata=None),
        mine=mine,
        staff_links=staff_links,
    )


@bp.get("/certifications")
@access.public
def catalogue():
    form = CatalogueSearchForm(request.args)
    form.validate()
    level = int(form.level.data) if form.level.data and form.level.data.isdigit() else None
    query = queries.certifications_matching(form.q.data or "", level)
    certifications, total, page = queries.page_of(query, paging.requested_page(), PAGE_SIZE)
    return htmx.render(
        "reva/catalogue.html",
        "reva/includes/certification_list.html",
        form=form,
        certifications=certifications,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
    )


@bp.get("/certifications/<int:certification_id>")
@access.public
def certification(certification_id: int):
    certification = queries.certification_with_blocks(certification_id)
    if certification is None or not certification.is_active:
        abort(404)
    return render_template("reva/certification.html", certification=certification)


@bp.route("/inscription", methods=["GET", "POST"])
@access.public
@limiter.limit("10 per minute", methods=["POST"])
def sign_up():
    """Create a candidate account: a magic link is mailed, whether the address is new or not."""
    certification_id = request.args.get("certification", type=int)
    next_url = url_for("reva.new_candidacy", certification=certification_id)
    if current_user.is_authenticated:
        return redirect(next_url)
    form = SignUpForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("reva/sign_up.html", form=form), 422
        candidacies.sign_up(form.email.data, form.first_name.data, form.last_name.data, next_url)
        return redirect(url_for("accounts.magic_link_sent"), 303)
    return render_template("reva/sign_up.html", form=form)


# Open Badges 2.0, hosted verification: each document is served at its id.


def _json_ld(document: dict, status: int = 200):
    response = jsonify(document)
    response.status_code = status
    response.mimetype = JSON_LD
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/badges/emetteur")
@access.public
def issuer():
    return _json_ld(badges.issuer_json())


@bp.get("/badges/competences/<int:competence_id>")
@access.public
def competence_class(competence_id: int):
    competence = db.session.get(Competence, competence_id)
    if competence is None:
        abort(404)
    return _json_ld(badges.competence_class_json(competence))


@bp.get("/badges/blocs/<int:block_id>")
@access.public
def block_class(block_id: int):
    block = db.session.get(CompetenceBlock, block_id)
    if block is None:
        abort(404)
    return _json_ld(badges.block_class_json(block))


@bp.get("/badges/<public_id>")
@access.public
def assertion(public_id: str):
    found = queries.assertion_by_public_id(public_id)
    if found is None:
        abort(404)
    if found.revoked_at is not None:
        return _json_ld(badges.revoked_json(found), 410)
    return _json_ld(badges.assertion_json(found))


@bp.get("/partage/<token>")
@access.public
def shared(token: str):
    """The skills a candidate chose to share: self-declared ones marked so, endorsed ones with
    their badge. Never attachments, decisions or anything else."""
    link = queries.share_link_by_token(token)
    if link is None:
        abort(404)
    if not link.is_live(utcnow().date()):
        return render_template("reva/shared_gone.html"), 410
    return render_template("reva/shared.html", link=link, candidate=link.candidacy.candidate)
