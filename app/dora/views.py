"""Provider pages: a structure's DORA profile, its members and its sheets. Thin: a decorator
loads the record and checks its rule, one write function changes it, a template renders."""

from __future__ import annotations

import functools

from flask import abort, flash, g, render_template, request, url_for
from flask_login import current_user

from app.core import htmx
from app.core.forms import choices
from app.dora import bp, forms, freshness, perms, queries, sheets, structures
from app.dora.models import MemberStatus, ServiceStatus


def _user():
    return current_user._get_current_object()


def load_provider(rule=perms.can_edit_provider):
    """Load the provider of the URL's slug (another territory's: 404) and check `rule` (403:
    the directory of providers is listed to every caseworker of the territory)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(slug, *args, **kwargs):
            provider = queries.provider_by_slug(slug)
            if provider is None:
                abort(404)
            if rule is not None and not rule(_user(), provider):
                abort(403)
            return view(provider, *args, **kwargs)

        return wrapper

    return decorator


def load_service(rule=perms.can_edit_service):
    """Load a sheet by its public id; one the user may not read is a 404 (drafts are not
    listed outside their provider); one they read but may not change, a 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(public_id, *args, **kwargs):
            service = queries.service_by_public_id(public_id)
            if service is None or not perms.can_view_service(_user(), service):
                abort(404)
            if rule is not None and not rule(_user(), service):
                abort(403)
            return view(service, *args, **kwargs)

        return wrapper

    return decorator


def _commune_choices(selected=None):
    communes = queries.communes_of_department(g.territory.department_code)
    return choices(
        [("", "— Choisir —")]
        + [
            (c.code, f"{c.name} ({c.postal_code_list[0] if c.postal_code_list else c.code})")
            for c in communes
        ]
    )


# Home


@bp.get("/")
def home():
    user = _user()
    query = (request.args.get("q") or "").strip()
    return render_template(
        "dora/home.html",
        providers=queries.providers_of_member(user),
        invitations=queries.invitations_of(user),
        directory=queries.providers_directory(query) if query else None,
        query=query,
        is_coordinator=perms.is_coordinator(user, g.territory.id),
    )


# Providers


def _provider_data(form) -> dict:
    data = {name: form[name].data for name in structures.STRUCTURE_FIELDS if name in form}
    data.update({name: form[name].data for name in structures.PROVIDER_FIELDS if name in form})
    for name in ("description", "short_description"):
        data[name] = (data.get(name) or "").strip()
    return data


@bp.route("/structures/nouvelle", methods=["GET", "POST"])
def create_provider():
    form = forms.ProviderForm()
    form.code_insee.choices = _commune_choices()
    if form.validate_on_submit():
        try:
            provider = structures.create_provider(_user(), g.territory, _provider_data(form))
        except structures.DuplicateSiret as duplicate:
            form.siret.errors.append(
                f"Une structure de ce territoire a déjà ce SIRET : « {duplicate.structure.name} ». "
                "Demandez à la rejoindre depuis l'annuaire."
            )
        else:
            flash("La structure est créée ; un·e coordinateur·rice la validera.", "success")
            return htmx.redirect(url_for("dora.provider", slug=provider.slug))
    status = 422 if form.errors else 200
    return render_template("dora/provider_form.html", form=form, provider=None), status


@bp.get("/structures/<slug>/")
@load_provider(rule=None)
def provider(provider):
    user = _user()
    editable = perms.can_edit_provider(user, provider)
    membership = queries.membership_of(user, provider)
    services = queries.services_of_provider(provider, published_only=not editable)
    return render_template(
        "dora/provider.html",
        provider=provider,
        services=services,
        editable=editable,
        membership=membership,
        can_manage=perms.can_manage_members(user, provider),
        can_join=perms.can_request_to_join(user, provider),
        out_of_date=editable and freshness.provider_is_out_of_date(provider),
        members=queries.members_of(provider) if editable else [],
        suggestions=queries.suggestions_for(provider) if editable else [],
        invite_form=forms.InviteForm(),
        confirm_form=forms.ConfirmForm(),
        MemberStatus=MemberStatus,
        ServiceStatus=ServiceStatus,
    )


@bp.route("/structures/<slug>/modifier", methods=["GET", "POST"])
@load_provider()
def edit_provider(provider):
    structure = provider.structure
    form = forms.ProviderForm(
        obj=provider,
        data=None
        if request.method == "POST"
        else {
            "name": structure.name,
            "kind": structure.kind,
            "siret": structure.siret,
            "phone": structure.phone,
            "email": structure.email,
            "postal_code": structure.postal_code,
        },
    )
    form.code_insee.choices = _commune_choices()
    if form.validate_on_submit():
        try:
            structures.update_provider(_user(), provider, _provider_data(form))
        except structures.DuplicateSiret as duplicate:
            form.siret.errors.append(
                f"Une autre structure de ce territoire a déjà ce SIRET : « {duplicate.structure.name} »."
            )
        else:
            flash("La structure est enregistrée.", "success")
            return htmx.redirect(url_for("dora.provider", slug=provider.slug))
    status = 422 if form.errors else 200
    return render_template("dora/provider_form.html", form=form, provider=provider), status


@bp.get("/structures/<slug>/affiche")
@load_provider(rule=None)
def poster(provider):
    """A printable A4 of the provider's published sheets, each with a QR code to its public page."""
    from app.dora.views_public import qr_svg

    services = queries.services_of_provider(provider, published_only=True)
    links = {
        s.id: url_for("dora.public_service", public_id=s.public_id, _external=True)
        for s in services
    }
    return render_template(
        "dora/poster.html",
        provider=provider,
        services=services,
        links=links,
        codes={s.id: qr_svg(links[s.id]) for s in services},
    )


# Members


@bp.post("/structures/<slug>/rejoindre")
@load_provider(rule=perms.can_request_to_join)
def request_to_join(provider):
    structures.request_to_join(_user(), provider)
    flash("Votre demande est envoyée aux administrateurs de la structure.", "success")
    return htmx.redirect(url_for("dora.provider", slug=provider.slug))


def _member(provider, member_id: int):
    member = next((m for m in queries.members_of(provider) if m.id == member_id), None)
    if member is None:
        abort(404)
    return member


def _members_fragment(provider, form=None, status=200):
    return htmx.render(
        "dora/members_page.html",
        "dora/includes/members.html",
        status=status,
        provider=provider,
        members=queries.members_of(provider),
        can_manage=perms.can_manage_members(_user(), provider),
        invite_form=form or forms.InviteForm(),
        MemberStatus=MemberStatus,
    )


@bp.route("/structures/<slug>/membres", methods=["GET", "POST"])
@load_provider(rule=perms.can_manage_members)
def members(provider):
    form = forms.InviteForm()
    if request.method == "POST":
        if form.validate_on_submit():
            member = structures.invite_member(
                _user(),
                provider,
                email=form.email.data,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                is_admin=form.is_admin.data,
            )
            flash(f"Invitation envoyée à {member.user.email}.", "success")
            return htmx.redirect(url_for("dora.members", slug=provider.slug))
        return _members_fragment(provider, form, status=422)
    return _members_fragment(provider)


@bp.post("/structures/<slug>/membres/<int:member_id>/accepter")
@load_provider(rule=perms.can_manage_members)
def accept_member(provider, member_id: int):
    member = _member(provider, member_id)
    if member.status != MemberStatus.REQUESTED:
        abort(409)
    structures.accept_member(_user(), member)
    return _members_fragment(provider)


@bp.post("/structures/<slug>/membres/<int:member_id>/retirer")
@load_provider(rule=perms.can_manage_members)
def refuse_member(provider, member_id: int):
    member = _member(provider, member_id)
    if member.user_id == _user().id:
        abort(409)
    structures.refuse_member(_user(), member)
    return _members_fragment(provider)


@bp.post("/structures/<slug>/invitation")
@load_provider(rule=None)
def accept_invitation(provider):
    member = queries.membership_of(_user(), provider)
    if member is None or not perms.can_accept_invitation(_user(), member):
        abort(404)
    structures.accept_invitation(_user(), member)
    flash(f"Vous êtes membre de {provider.name} sur DORA.", "success")
    return htmx.redirect(url_for("dora.provider", slug=provider.slug))


# Sheets


def _service_data(form) -> dict:
    data = {name: form[name].data for name in sheets.FIELDS if name in form}
    data["thematiques"] = form.thematiques.data or []
    data["zone"] = form.zone.data or []
    data["update_frequency_days"] = form.update_frequency_days.data
    for name in sheets.TEXTS:
        data[name] = (data.get(name) or "").strip()
    return data


def _service_form(service=None):
    form = forms.ServiceForm(obj=service)
    if service is not None and request.method != "POST":
        form.zone.data = ", ".join(service.zone)
        form.thematiques.data = service.thematiques
    form.code_insee.choices = _commune_choices()
    return form


@bp.route("/structures/<slug>/services/nouveau", methods=["GET", "POST"])
@load_provider()
def create_service(provider):
    form = _service_form()
    if request.method == "GET":
        form.zone.data = g.territory.department_code
    if form.validate_on_submit():
        service = sheets.create_service(_user(), provider, _service_data(form))
        flash(
            "La fiche est enregistrée en brouillon : publiez-la quand elle est complète.", "success"
        )
        return htmx.redirect(url_for("dora.service", public_id=service.public_id))
    status = 422 if form.errors else 200
    return render_template(
        "dora/service_form.html", form=form, provider=provider, service=None
    ), status


@bp.route("/services/<public_id>/modifier", methods=["GET", "POST"])
@load_service()
def edit_service(service):
    form = _service_form(service)
    if form.validate_on_submit():
        try:
            sheets.update_service(_user(), service, _service_data(form))
        except sheets.PublishRefused as refused:
            _attach_problems(form, refused.problems)
        else:
            flash("La fiche est enregistrée.", "success")
            return htmx.redirect(url_for("dora.service", public_id=service.public_id))
    status = 422 if form.errors else 200
    return (
        render_template(
            "dora/service_form.html", form=form, provider=service.provider, service=service
        ),
        status,
    )


def _attach_problems(form, problems: dict) -> None:
    targets = {
        "contact": "contact_phone",
        "zone": "zone",
        "reception_modes": "reception_modes",
        "address": "address",
    }
    for key, message in problems.items():
        field = form[targets[key]]
        field.errors = list(field.errors) + [message]


def _service_page(service, *, problems=None, refused: bool = False, status: int = 200):
    user = _user()
    editable = perms.can_edit_service(user, service)
    if problems is None:
        problems = sheets.publishing_problems(service) if editable else {}
    return (
        render_template(
            "dora/service.html",
            service=service,
            provider=service.provider,
            editable=editable,
            problems=problems,
            refused=refused,
            can_suggest=perms.can_suggest(user, service) and not editable,
            suggestion_form=forms.SuggestionForm(),
            confirm_form=forms.ConfirmForm(),
            ServiceStatus=ServiceStatus,
        ),
        status,
    )


@bp.get("/services/<public_id>/")
@load_service(rule=None)
def service(service):
    return _service_page(service)


@bp.post("/services/<public_id>/publier")
@load_service()
def publish_service(service):
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        sheets.publish(_user(), service)
    except sheets.PublishRefused as refused:
        return _service_page(service, problems=refused.problems, refused=True, status=422)
    flash("La fiche est publiée.", "success")
    return htmx.redirect(url_for("dora.service", public_id=service.public_id))


@bp.post("/services/<public_id>/depublier")
@load_service()
def unpublish_service(service):
    sheets.unpublish(_user(), service)
    flash("La fiche est repassée en brouillon.", "success")
    return htmx.redirect(url_for("dora.service", public_id=service.public_id))


@bp.post("/services/<public_id>/archiver")
@load_service()
def archive_service(service):
    sheets.archive(_user(), service)
    flash("La fiche est archivée.", "success")
    return htmx.redirect(url_for("dora.provider", slug=service.provider.slug))


# Freshness: "rien n'a changé" in two clicks


@bp.route("/services/<public_id>/rien-n-a-change", methods=["GET", "POST"])
@load_service()
def confirm_unchanged(service):
    """First click (GET): the confirmation, in place (htmx) or as a page; second click (POST):
    the sheet is confirmed as it is."""
    form = forms.ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        freshness.confirm_unchanged(_user(), service)
        if htmx.is_htmx():
            return htmx.render(
                "dora/confirm_page.html",
                "dora/includes/service_row.html",
                service=service,
                editable=True,
                confirm_form=form,
                confirmed=True,
                ServiceStatus=ServiceStatus,
            )
        flash(f"« {service.name} » est confirmée à jour.", "success")
        return htmx.redirect(url_for("dora.provider", slug=service.provider.slug))
    return htmx.render(
        "dora/confirm_page.html",
        "dora/includes/confirm_unchanged.html",
        service=service,
        confirm_form=form,
    )


@bp.get("/services/<public_id>/ligne")
@load_service()
def service_row(service):
    """The sheet's row of the dashboard (the confirmation's "Annuler" swaps it back)."""
    return htmx.render(
        "dora/confirm_page.html",
        "dora/includes/service_row.html",
        service=service,
        editable=True,
        confirm_form=forms.ConfirmForm(),
        ServiceStatus=ServiceStatus,
    )


# Crowdsourcing


@bp.post("/services/<public_id>/signaler")
@load_service(rule=perms.can_suggest)
def suggest(service):
    form = forms.SuggestionForm()
    if not form.validate_on_submit():
        return htmx.render(
            "dora/suggest_page.html",
            "dora/includes/suggestion_form.html",
            status=422,
            service=service,
            suggestion_form=form,
        )
    sheets.suggest(_user(), service, form.message.data.strip())
    return htmx.render(
        "dora/suggest_page.html",
        "dora/includes/suggestion_form.html",
        service=service,
        suggestion_form=forms.SuggestionForm(formdata=None),
        sent=True,
    )


@bp.post("/structures/<slug>/suggestions/<int:suggestion_id>/<decision>")
@load_provider()
def decide_suggestion(provider, suggestion_id: int, decision: str):
    if decision not in ("accepter", "ecarter"):
        abort(404)
    suggestion = queries.suggestion_of(provider, suggestion_id)
    if suggestion is None:
        abort(404)
    sheets.decide_suggestion(_user(), suggestion, accept=decision == "accepter")
    if not htmx.is_htmx():
        return htmx.redirect(url_for("dora.provider", slug=provider.slug))
    return render_template(
        "dora/includes/suggestions.html",
        provider=provider,
        suggestions=queries.suggestions_for(provider),
    )
