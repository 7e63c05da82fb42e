"""Carnet de bord for a structure's administrators: the API tokens of their structure.

A token bound to a structure reads what people share with that structure: it is issued by, and
shown only to, an administrator of that structure (never a coordinator)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField

from app.accounts.roles import Role
from app.carnet import bp, perms
from app.carnet import tokens as carnet_tokens
from app.core import access
from app.core.forms import BaseForm, max_length, required

structure_admin = access.roles(Role.STRUCTURE_ADMIN)


class StructureTokenForm(BaseForm):
    name = StringField(
        "Nom du système d'information de la structure", validators=[required(), max_length(120)]
    )


def _structure(structure_id: int):
    """One of the structures the user administers here, or 404."""
    found = next(
        (
            s
            for s in perms.administered_structures(current_user, g.territory)
            if s.id == structure_id
        ),
        None,
    )
    if found is None:
        abort(404)
    return found


def _render(structure, form, status=200, secret=None, created=None):
    return render_template(
        "carnet/coordination/tokens.html",
        form=form,
        tokens=carnet_tokens.tokens(structure_id=structure.id),
        secret=secret,
        created=created,
        structure=structure,
        revoke_endpoint="carnet.structure_revoke_token",
    ), status


@bp.get("/structure/")
@structure_admin
def structure_home():
    administered = perms.administered_structures(current_user, g.territory)
    if not administered:
        abort(403)
    return redirect(url_for("carnet.structure_tokens", structure_id=administered[0].id))


@bp.route("/structure/<int:structure_id>/jetons", methods=["GET", "POST"])
@structure_admin
def structure_tokens(structure_id: int):
    structure = _structure(structure_id)
    form = StructureTokenForm()
    if request.method == "GET":
        return _render(structure, form)
    if not form.validate():
        return _render(structure, form, 422)
    row, secret = carnet_tokens.issue(current_user, g.territory.id, form.name.data, structure.id)
    # The secret is rendered once, in this response only (never flashed into the session cookie).
    return _render(structure, StructureTokenForm(formdata=None), 201, secret=secret, created=row)


@bp.post("/structure/<int:structure_id>/jetons/<int:token_id>/revoquer")
@structure_admin
def structure_revoke_token(structure_id: int, token_id: int):
    structure = _structure(structure_id)
    row = next(
        (t for t in carnet_tokens.tokens(structure_id=structure.id) if t.id == token_id), None
    )
    if row is None:
        abort(404)
    carnet_tokens.revoke(current_user, row)
    flash(
        f"Le jeton « {row.name} » est révoqué : ses prochaines requêtes seront refusées.", "success"
    )
    return redirect(url_for("carnet.structure_tokens", structure_id=structure.id), 303)
