"""National administration: territories, the services each runs, their first coordinator."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.accounts.roles import Role
from app.accounts.services import invite
from app.core import access, spaces
from app.tenancy.forms import CoordinatorInvitationForm, SwitchForm, TerritoryForm
from app.tenancy.services import all_territories
from app.tenancy.territories import (
    TerritoryError,
    add_territory,
    set_service,
    territory_by_slug_or_error,
)

admin_bp = Blueprint("territory_admin", __name__, url_prefix="/admin/territoires")
access.blueprint_baseline(admin_bp, access.roles(Role.ADMIN, national=True))


def _page(form=None, invitation_form=None, status=200, invited_for=None):
    def invitation_form_for(territory):
        if invitation_form is not None and invited_for == territory.slug:
            return invitation_form
        return CoordinatorInvitationForm(formdata=None, prefix=territory.slug)

    return (
        render_template(
            "tenancy/admin/territories.html",
            territories=all_territories(),
            services=spaces.territorial_spaces(),
            form=form or TerritoryForm(formdata=None),
            invitation_form_for=invitation_form_for,
            invited_for=invited_for,
        ),
        status,
    )


def _territory(slug: str):
    try:
        return territory_by_slug_or_error(slug)
    except TerritoryError:
        abort(404)


@admin_bp.get("/")
def territories():
    return _page()


@admin_bp.post("/")
def add():
    form = TerritoryForm()
    if not form.validate():
        return _page(form=form, status=422)
    try:
        territory = add_territory(
            current_user._get_current_object(),
            slug=form.slug.data,
            name=form.name.data,
            department_code=form.department_code.data,
        )
    except TerritoryError as error:
        form.slug.errors.append(str(error))
        return _page(form=form, status=409)
    flash(f"Territoire {territory.name} ajouté. Ouvrez-y les services et invitez son coordinateur.")
    return redirect(url_for("territory_admin.territories", _anchor=territory.slug), 303)


@admin_bp.post("/<slug>/services/<service>")
def switch(slug: str, service: str):
    territory = _territory(slug)
    form = SwitchForm()
    if not form.validate():
        abort(400)
    enabled = form.enabled.data == "1"
    try:
        set_service(current_user._get_current_object(), territory, service, enabled)
    except TerritoryError:
        abort(404)
    label = spaces.get(service).label
    flash(f"{label} {'ouvert' if enabled else 'fermé'} : {territory.name}.")
    return redirect(url_for("territory_admin.territories", _anchor=territory.slug), 303)


@admin_bp.post("/<slug>/coordinateur")
def invite_coordinator(slug: str):
    territory = _territory(slug)
    form = CoordinatorInvitationForm(request.form, prefix=territory.slug)
    if not form.validate():
        return _page(invitation_form=form, status=422, invited_for=territory.slug)
    invite(
        current_user._get_current_object(),
        territory,
        email=form.email.data,
        first_name=form.first_name.data.strip(),
        last_name=form.last_name.data.strip(),
        role=Role.COORDINATOR,
    )
    flash(f"Invitation envoyée au coordinateur de {territory.name}.", "success")
    return redirect(url_for("territory_admin.territories", _anchor=territory.slug), 303)
