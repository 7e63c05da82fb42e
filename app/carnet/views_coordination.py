"""Carnet de bord coordination: structures and their professionals, notebooks without a referent,
imports from a spreadsheet, indicators. Coordinators only; they see identities, never content."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields import Label
from wtforms.validators import InputRequired

from app.accounts.roles import Role
from app.carnet import bp, imports, notebooks, queries
from app.carnet import tokens as carnet_tokens
from app.carnet.decorators import notebook_view
from app.carnet.models import Notebook
from app.carnet.perms import Access
from app.core import access, paging
from app.core.forms import BaseForm, choices, max_length, required
from app.indicators import carnet as carnet_figures  # the module: it imports app.carnet
from app.tenancy.services import structures

PAGE_SIZE = 50
coordinator = access.roles(Role.COORDINATOR)


def _user():
    return current_user._get_current_object()


# Home


@bp.get("/coordination/")
@coordinator
def coordination_home():
    return render_template(
        "carnet/coordination/home.html",
        indicators=carnet_figures.cached_indicators(),
        without_referent=queries.count_without_referent(),
    )


# Structures and their professionals


@bp.get("/coordination/structures")
@coordinator
def coordination_structures():
    return render_template(
        "carnet/coordination/structures.html",
        structures=structures(),
        professionals=queries.professionals_by_structure(g.territory),
    )


# Notebooks without a referent


class ReferentForm(BaseForm):
    member_id = SelectField(
        "Accompagnateur à désigner comme référent",
        validators=[InputRequired(message="Choisissez l'accompagnateur à désigner.")],
    )


def _referent_form(notebook: Notebook, formdata=None) -> ReferentForm:
    form = ReferentForm(formdata=formdata)
    form.member_id.choices = choices(
        [("", "— Choisir —")]
        + [
            (
                str(m.id),
                m.user.full_name + (f" — {m.structure.name}" if m.structure else ""),
            )
            for m in notebook.members
            if m.active
        ]
    )
    # One form per notebook on the page: give each select its own id.
    field_id = f"referent-{notebook.id}"
    form.member_id.id = field_id
    form.member_id.label = Label(field_id, form.member_id.label.text)
    return form


def _render_without_referent(failed: tuple[Notebook, ReferentForm] | None = None, status=200):
    notebooks, total, page = queries.without_referent_page(paging.requested_page(), PAGE_SIZE)
    forms = {}
    if failed is not None:
        notebook, form = failed
        if notebook not in notebooks:
            notebooks.insert(0, notebook)
        forms[notebook.id] = form
    for notebook in notebooks:
        forms.setdefault(notebook.id, _referent_form(notebook))
    return (
        render_template(
            "carnet/coordination/without_referent.html",
            notebooks=notebooks,
            forms=forms,
            total=total,
            page=page,
            page_size=PAGE_SIZE,
        ),
        status,
    )


@bp.get("/coordination/sans-referent")
@coordinator
def coordination_without_referent():
    return _render_without_referent()


@bp.post("/coordination/carnets/<int:notebook_id>/referent")
@notebook_view(Access.IDENTITY, roles={Role.COORDINATOR})
def coordination_set_referent(notebook):
    # Another territory's notebook is not found (tenant scoping): 404.
    raw = (request.form.get("member_id") or "").strip()
    if raw.isdigit() and not any(m.id == int(raw) and m.active for m in notebook.members):
        abort(404)  # not one of this notebook's active supporters
    form = _referent_form(notebook, request.form)
    if not form.validate():
        return _render_without_referent((notebook, form), 422)
    member = next(m for m in notebook.members if str(m.id) == form.member_id.data)
    notebooks.set_referent(_user(), member)
    flash(
        f"{member.user.full_name} est désormais référent·e du carnet de "
        f"{notebook.beneficiary.full_name}.",
        "success",
    )
    return redirect(url_for("carnet.coordination_without_referent"), 303)


# Import


class ImportForm(BaseForm):
    kind = SelectField(
        "Contenu du fichier",
        choices=choices(list(imports.KINDS.items())),
        validators=[required()],
    )
    file = FileField("Fichier CSV ou XLSX")
    confirm = HiddenField()


def _render_import(form, status=200, result=None, confirmed=False):
    return (
        render_template(
            "carnet/coordination/import.html",
            form=form,
            result=result,
            confirmed=confirmed,
            kinds=imports.KINDS,
            columns=imports.COLUMNS,
            required_columns=imports.REQUIRED_COLUMNS,
            max_mb=imports.MAX_BYTES // (1024 * 1024),
        ),
        status,
    )


@bp.route("/coordination/import", methods=["GET", "POST"])
@coordinator
def coordination_import():
    form = ImportForm()
    if request.method == "GET":
        return _render_import(form)
    if not form.validate():
        return _render_import(form, 422)
    storage = form.file.data
    if storage is None or not getattr(storage, "filename", ""):
        form.file.errors.append("Choisissez un fichier CSV ou XLSX.")
        return _render_import(form, 422)
    content = storage.stream.read(imports.MAX_BYTES + 1)
    if len(content) > imports.MAX_BYTES:
        form.file.errors.append(
            f"Le fichier dépasse la taille maximale de {imports.MAX_BYTES // (1024 * 1024)} Mo : "
            "découpez-le en plusieurs fichiers."
        )
        return _render_import(form, 413)
    kind = form.kind.data
    try:
        table = imports.read_table(storage.filename, content, kind)
    except imports.FileRefused as refusal:
        form.file.errors.append(str(refusal))
        return _render_import(form, 422)
    result = imports.check(kind, table)
    if not result.records and not result.errors:
        form.file.errors.append("Le fichier ne contient aucune ligne à importer.")
        return _render_import(form, 422)
    if result.errors:
        return _render_import(form, 422, result)
    if form.confirm.data != "1":
        return _render_import(form, 200, result)
    if kind == imports.BENEFICIARIES:
        try:
            count = imports.import_beneficiaries(_user(), result.records)
        except notebooks.DuplicateBeneficiary:
            form.file.errors.append(
                "Une des personnes du fichier vient d'être enregistrée par ailleurs : rien n'a été "
                "importé. Vérifiez à nouveau le fichier."
            )
            return _render_import(form, 409)
        flash(
            f"{count} carnet{'s' if count > 1 else ''} créé{'s' if count > 1 else ''}. "
            "Désignez maintenant un référent pour chacun.",
            "success",
        )
        return redirect(url_for("carnet.coordination_without_referent"), 303)
    count = imports.import_professionals(_user(), g.territory, result.records)
    flash(
        f"{count} accompagnateur{'s' if count > 1 else ''} importé{'s' if count > 1 else ''}. "
        "Aucun courriel n'a été envoyé : invitez-les depuis la page Équipe.",
        "success",
    )
    return redirect(url_for("carnet.coordination_structures"), 303)


# Indicators


@bp.get("/coordination/indicateurs")
@coordinator
def coordination_indicators():
    return render_template(
        "carnet/coordination/indicators.html", indicators=carnet_figures.cached_indicators()
    )


# Deletion requests


@bp.get("/coordination/suppressions")
@coordinator
def coordination_deletions():
    return render_template(
        "carnet/coordination/deletions.html", requests=queries.deletion_requests()
    )


@bp.post("/coordination/suppressions/<int:beneficiary_id>")
@coordinator
def coordination_erase(beneficiary_id: int):
    # Another territory's person is not found (tenant scoping): 404.
    beneficiary = queries.deletion_request(beneficiary_id)
    if beneficiary is None:
        abort(404)
    name = beneficiary.full_name
    notebooks.erase_person(_user(), beneficiary)
    flash(f"Les données de {name} ont été supprimées.", "success")
    return redirect(url_for("carnet.coordination_deletions"), 303)


# API tokens


class TokenForm(BaseForm):
    name = StringField(
        "Nom du système d'information",
        validators=[required(), max_length(120)],
    )


def _render_tokens(form, status=200, secret=None, created=None):
    return render_template(
        "carnet/coordination/tokens.html",
        form=form,
        tokens=carnet_tokens.tokens(structure_id=None),
        secret=secret,
        created=created,
        structure=None,
        revoke_endpoint="carnet.coordination_revoke_token",
    ), status


@bp.route("/coordination/jetons", methods=["GET", "POST"])
@coordinator
def coordination_tokens():
    """Tokens bound to no structure: they read identity and contacts only (a token bound to a
    structure is issued by that structure's administrators, see views_structure)."""
    form = TokenForm()
    if request.method == "GET":
        return _render_tokens(form)
    if not form.validate():
        return _render_tokens(form, 422)
    row, secret = carnet_tokens.issue(_user(), g.territory.id, form.name.data, None)
    # The secret is rendered once, in this response only (never flashed into the session cookie).
    return _render_tokens(TokenForm(formdata=None), 201, secret=secret, created=row)


@bp.post("/coordination/jetons/<int:token_id>/revoquer")
@coordinator
def coordination_revoke_token(token_id: int):
    row = next((t for t in carnet_tokens.tokens(structure_id=None) if t.id == token_id), None)
    if row is None:
        abort(404)
    carnet_tokens.revoke(_user(), row)
    flash(
        f"Le jeton « {row.name} » est révoqué : ses prochaines requêtes seront refusées.", "success"
    )
    return redirect(url_for("carnet.coordination_tokens"), 303)
