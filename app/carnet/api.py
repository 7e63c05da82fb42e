"""Carnet de bord JSON API, for information systems (France Travail, departments, structures).

Authentication: `Authorization: Bearer <token>`, matched against the SHA-256 of tokens issued
with `flask carnet token create`. A token belongs to one territory: the request is bound to it,
so tenant scoping applies to every query (another territory's notebook is a 404). The endpoints
are public for the access rules (`app/core/access.py`): the token check below is their guard.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Blueprint, g, jsonify, request
from flask_limiter.util import get_remote_address
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from wtforms import StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Optional, ValidationError

from app.accounts.models import hash_token
from app.carnet import openapi as carnet_openapi
from app.carnet import perms, reads
from app.carnet.forms import nir_field, not_blank, past_date
from app.carnet.models import ApiToken, ContractType, Notebook, Situation, Visibility
from app.carnet.sync import SyncConflict, upsert_beneficiary
from app.core import access, scoping
from app.core.forms import (
    BaseForm,
    NormalizedEmailField,
    email_validators,
    french_phone,
    max_length,
    postal_code,
    required,
)
from app.core.models import utcnow
from app.extensions import csrf, db, limiter
from app.tenancy.models import Territory

carnet_api = Blueprint("carnet_api", __name__, url_prefix="/api/v1/carnet")
csrf.exempt(carnet_api)  # no cookies here: the bearer token is the proof
carnet_openapi.contribute(carnet_api)

# last_used_at is written at most this often per token (not on every request).
LAST_USED_PRECISION = timedelta(minutes=1)


def _presented_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _rate_limit_key() -> str:
    token = _presented_token()
    return f"token:{hash_token(token)}" if token else f"ip:{get_remote_address()}"


limiter.limit("300 per minute", key_func=_rate_limit_key)(carnet_api)


def _error(status: int, error: str, detail: str, **extra):
    return jsonify(error=error, detail=detail, status=status, **extra), status


def _unauthorized(error: str, detail: str):
    response, status = _error(401, error, detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="carnet", error="invalid_token"'
    return response, status


@carnet_api.before_request
def _authenticate():
    presented = _presented_token()
    if presented is None:
        return _unauthorized(
            "Jeton d'accès manquant",
            "Ajoutez l'en-tête « Authorization: Bearer <jeton> » à la requête.",
        )
    token = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == hash_token(presented))
        .execution_options(all_territories=True)
    )
    if token is None:
        return _unauthorized("Jeton d'accès invalide", "Ce jeton d'accès n'est pas reconnu.")
    if token.revoked_at is not None:
        return _unauthorized(
            "Jeton d'accès révoqué",
            "Ce jeton d'accès a été révoqué : demandez-en un nouveau au coordinateur.",
        )
    territory = db.session.get(Territory, token.territory_id)
    if not territory.enables("carnet"):
        return _error(
            403, "Accès refusé", "Le Carnet de bord n'est pas ouvert dans le territoire du jeton."
        )
    g.territory = territory
    g.territory_scope_token = scoping.bind(territory.id)  # reset by tenancy.unbind_territory
    g.api_token = token
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
    return None


# Creating or updating a person and their notebook


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class IsoDateField(StringField):
    """A date written YYYY-MM-DD (ISO 8601), nothing else."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            text = valuelist[0].strip()
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                    raise ValueError
                self.data = date.fromisoformat(text)
            except ValueError:
                raise ValueError(
                    "Date invalide : utilisez le format AAAA-MM-JJ, par exemple 1985-07-14."
                ) from None


def one_of(enum_cls):
    values = [m.value for m in enum_cls]
    message = f"Valeur inconnue : choisissez parmi {', '.join(values)}."

    def check(form, field):
        if field.data and field.data not in values:
            raise ValidationError(message)

    return check


def _text(*validators):
    return StringField(validators=[Optional(), *validators], filters=[_strip])


class BeneficiarySyncForm(BaseForm):
    """The JSON body of POST /beneficiaries (every value a string, or null)."""

    class Meta:
        csrf = False

    first_name = StringField(validators=[required(), not_blank, max_length(100)], filters=[_strip])
    last_name = StringField(validators=[required(), not_blank, max_length(100)], filters=[_strip])
    birth_date = IsoDateField(validators=[required(), past_date])
    email = NormalizedEmailField(validators=email_validators(False), filters=[_strip])
    mobile = _text(max_length(20), french_phone)
    address = _text(max_length(200))
    postal_code = _text(max_length(5), postal_code)
    commune = _text(max_length(120))
    situation = _text(one_of(Situation))
    caf_number = _text(max_length(20))
    france_travail_id = _text(max_length(20))
    nir = _text(max_length(21), nir_field)
    work_situation = _text(max_length(200))
    education_level = _text(max_length(100))
    contract_type = _text(one_of(ContractType))
    contract_start = IsoDateField(validators=[Optional()])
    contract_end = IsoDateField(validators=[Optional()])

    def validate_contract_end(self, field):
        if field.data and self.contract_start.data and field.data < self.contract_start.data:
            raise ValidationError("La fin du contrat doit suivre son début.")


FIELD_NAMES = frozenset(
    name
    for name in dir(BeneficiarySyncForm)
    if isinstance(getattr(BeneficiarySyncForm, name), UnboundField)
)


def _invalid(fields: dict):
    return _error(
        422,
        "Données invalides",
        "Corrigez les champs indiqués puis renvoyez la demande.",
        fields=fields,
    )


@carnet_api.post("/beneficiaries")
@access.public  # guarded by the bearer token (_authenticate)
def beneficiaries():
    payload = request.get_json(force=True, silent=True)
    if not isinstance(payload, dict):
        return _error(
            400, "Requête invalide", "Le corps de la requête doit être un objet JSON valide."
        )
    errors: dict[str, list[str]] = {}
    formdata = MultiDict()
    for key, value in payload.items():
        if key not in FIELD_NAMES:
            errors[key] = ["Champ inconnu."]
        elif value is None:
            formdata[key] = ""
        elif not isinstance(value, str):
            errors[key] = ["Ce champ doit être une chaîne de caractères (ou null)."]
        else:
            formdata[key] = value
    form = BeneficiarySyncForm(formdata=formdata)
    if not form.validate() or errors:
        for name, messages in form.errors.items():
            errors.setdefault(name, list(messages))
        return _invalid(errors)
    data = {name: (f.data if f.data != "" else None) for name, f in form._fields.items()}
    present = {key for key in payload if key in FIELD_NAMES}
    try:
        result = upsert_beneficiary(data, present=present, source=g.api_token.name)
    except SyncConflict as conflict:
        return _error(409, "Conflit", conflict.detail)
    body = {
        "id": result.beneficiary.id,
        "notebook_id": result.notebook.id,
        "created": result.created,
    }
    return jsonify(body), 201 if result.created else 200


# Reading a notebook


def _member(member) -> dict:
    return {
        "name": member.user.full_name,
        "structure": member.structure.name if member.structure else None,
        "email": member.user.email,
        "phone": member.user.phone,
        "is_referent": member.is_referent,
        "active": member.active,
    }


def _barrier(barrier) -> dict:
    body = {
        "id": barrier.id,
        "theme": barrier.theme.value,
        "status": barrier.status.value,
        "visibility": barrier.visibility.value,
    }
    # A "summary only" barrier (health by default) keeps its detail between the person and their
    # referent: the API, like the other supporters, gets the theme and status only.
    if barrier.visibility == Visibility.DETAIL:
        body["situation"] = barrier.situation
    return body


@carnet_api.get("/notebooks/<int:notebook_id>")
@access.public  # guarded by the bearer token (_authenticate)
def notebook(notebook_id: int):
    found = db.session.scalar(
        select(Notebook)
        .where(Notebook.id == notebook_id, Notebook.archived_at.is_(None))
        .options(
            selectinload(Notebook.members),
            selectinload(Notebook.barriers),
            selectinload(Notebook.consents),
        )
    )
    if found is None:
        return _error(404, "Carnet introuvable", "Aucun carnet ne porte ce numéro.")
    # Same rule as in the app: the content only with the person's consent, contacts otherwise.
    shared = perms.structure_may_read(g.api_token.structure_id, found)
    reads.record_api_read(g.api_token.name, found, shared)
    return jsonify(
        id=found.id,
        beneficiary_id=found.beneficiary_id,
        content_shared=shared,
        members=[_member(m) for m in found.members],
        barriers=[_barrier(b) for b in found.barriers] if shared else None,
    )
