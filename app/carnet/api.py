"""Carnet de bord JSON API, for information systems (France Travail, departments, structures).

Authentication: `Authorization: Bearer <token>`, matched against the SHA-256 of tokens issued
with `flask carnet token create`. A token belongs to one territory: the request is bound to it,
so tenant scoping applies to every query (another territory's notebook is a 404). The endpoints
are public for the access rules (`app/core/access.py`): the token check below is their guard.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, g, request
from flask_limiter.util import get_remote_address
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import hash_token
from app.carnet import perms, reads, schemas
from app.carnet.models import ApiToken, Notebook, Visibility
from app.carnet.sync import SyncConflict, upsert_beneficiary
from app.core import access, scoping
from app.core.api import SECURED, Problem, api, problem, responses
from app.core.models import utcnow
from app.extensions import csrf, db, limiter
from app.tenancy.models import Territory

TAG = "Carnet de bord"

carnet_api = Blueprint("carnet_api", __name__, url_prefix="/api/v1/carnet")
csrf.exempt(carnet_api)  # no cookies here: the bearer token is the proof

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


def _json(model, status: int = 200):
    response = current_app.json.response(model.model_dump(mode="json", exclude_unset=True))
    response.status_code = status
    return response


def _unauthorized(title: str, detail: str):
    response = problem(401, title, detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="carnet", error="invalid_token"'
    return response


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
        return problem(
            403, "Accès refusé", "Le Carnet de bord n'est pas ouvert dans le territoire du jeton."
        )
    g.territory = territory
    g.territory_slug = territory.slug
    g.territory_scope_token = scoping.bind(territory.id)  # reset by tenancy.unbind_territory
    g.api_token = token
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now  # committed with the request
    return None


# Creating or updating a person and their notebook


@carnet_api.post("/beneficiaries")
@access.public  # guarded by the bearer token (_authenticate)
@api.validate(
    json=schemas.BeneficiaryInput,
    resp=responses(
        HTTP_200=(schemas.BeneficiaryResult, "Personne mise à jour"),
        HTTP_201=(schemas.BeneficiaryResult, "Personne et carnet créés"),
        HTTP_400=(Problem, "Corps de requête qui n'est pas un objet JSON"),
        HTTP_409=(Problem, "Personne que ce jeton ne peut ni créer ni modifier"),
    ),
    tags=[TAG],
    security=SECURED,
    operation_id="carnetUpsertBeneficiary",
)
def beneficiaries():
    """Créer ou mettre à jour une personne et son carnet"""
    body: schemas.BeneficiaryInput = request.context.json
    try:
        result = upsert_beneficiary(body.values(), present=body.sent(), token=g.api_token)
    except SyncConflict as conflict:
        return problem(409, "Conflit", conflict.detail, type_="urn:spie:probleme:conflit")
    answer = schemas.BeneficiaryResult(
        id=result.beneficiary.id, notebook_id=result.notebook.id, created=result.created
    )
    return _json(answer, 201 if result.created else 200)


# Reading a notebook


def _member(member) -> schemas.NotebookMember:
    return schemas.NotebookMember(
        name=member.user.full_name,
        structure=member.structure.name if member.structure else None,
        email=member.user.email,
        phone=member.user.phone,
        is_referent=member.is_referent,
        active=member.active,
    )


def _barrier(barrier) -> schemas.Barrier:
    body = schemas.Barrier(
        id=barrier.id,
        theme=barrier.theme,
        status=barrier.status,
        visibility=barrier.visibility,
    )
    # A "summary only" barrier (health by default) keeps its detail between the person and their
    # referent: the API, like the other supporters, gets the theme and status only.
    if barrier.visibility == Visibility.DETAIL:
        body.situation = barrier.situation
    return body


@carnet_api.get("/notebooks/<int:notebook_id>")
@access.public  # guarded by the bearer token (_authenticate)
@api.validate(
    resp=responses(
        HTTP_200=(schemas.Notebook, "Le carnet"),
        HTTP_404=(Problem, "Introuvable (ou d'un autre territoire)"),
    ),
    tags=[TAG],
    security=SECURED,
    operation_id="carnetGetNotebook",
)
def notebook(notebook_id: int):
    """Lire les accompagnateurs et les freins d'un carnet

    Chaque lecture est inscrite au journal d'accès que la personne consulte.
    """
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
        return problem(404, "Carnet introuvable", "Aucun carnet ne porte ce numéro.")
    # Same rule as in the app: the content only with the person's consent, contacts otherwise.
    shared = perms.structure_may_read(g.api_token.structure_id, found)
    reads.record_api_read(g.api_token.name, found, shared)
    return _json(
        schemas.Notebook(
            id=found.id,
            beneficiary_id=found.beneficiary_id,
            content_shared=shared,
            members=[_member(m) for m in found.members],
            barriers=[_barrier(b) for b in found.barriers] if shared else None,
        )
    )
