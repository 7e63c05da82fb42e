"""The certifier API (`/api/v1/reva/…`): the same perimeter and the same workflow as the pages.

Authentication: `Authorization: Bearer <token>`, a token issued to one certifier (`flask reva
token create`), stored as its SHA-256. The certifier's perimeter applies: a candidacy outside it
is a 404. Errors are RFC 9457 problem details. The endpoints are public for the session rules
(`app/core/access.py`): the token check below is their guard.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, g, make_response, request
from flask_limiter.util import get_remote_address
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from app.accounts.models import hash_token
from app.accounts.roles import Role
from app.core import access, audit
from app.core import api as openapi
from app.core.models import utcnow
from app.extensions import csrf, db, limiter
from app.reva import candidacies, queries
from app.reva.models import Actor, Candidacy, CertifierToken
from app.reva.schemas import (
    AttachmentOut,
    BlockOut,
    CandidacyDetail,
    CandidacyList,
    CandidacySummary,
    CandidateOut,
    CertificationOut,
    CompetenceOut,
    ExperienceOut,
    FeasibilityDecision,
    FeasibilityFileOut,
    JuryResult,
    JurySchedule,
    MilestoneOut,
    Problem,
    component_schemas,
)

reva_api = Blueprint("reva_api", __name__, url_prefix="/api/v1/reva")
csrf.exempt(reva_api)  # no cookies: the bearer token is the proof
LAST_USED_PRECISION = timedelta(minutes=1)
PROBLEM = "application/problem+json"
DECISIONS = {
    "admissible": "declare_admissible",
    "not_admissible": "declare_not_admissible",
    "incomplete": "mark_incomplete",
}
RESULTS = {
    "full_validation": "record_full_validation",
    "partial_validation": "record_partial_validation",
    "failure": "record_failure",
}


def _presented_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _rate_limit_key() -> str:
    token = _presented_token()
    return f"token:{hash_token(token)}" if token else f"ip:{get_remote_address()}"


limiter.limit("300 per minute", key_func=_rate_limit_key)(reva_api)


def problem(status: int, title: str, detail: str, errors: list | None = None):
    body = Problem(title=title, status=status, detail=detail, errors=errors or [])
    response = make_response(body.model_dump_json(), status)
    response.mimetype = PROBLEM
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="reva", error="invalid_token"'
    return response


def _json(model: BaseModel, status: int = 200):
    response = make_response(model.model_dump_json(), status)
    response.mimetype = "application/json"
    return response


@reva_api.before_request
def _authenticate():
    presented = _presented_token()
    if presented is None:
        return problem(
            401, "Jeton d'accès manquant", "Ajoutez l'en-tête « Authorization: Bearer <jeton> »."
        )
    token = db.session.scalar(
        select(CertifierToken).where(CertifierToken.token_hash == hash_token(presented))
    )
    if token is None or token.revoked_at is not None:
        return problem(401, "Jeton d'accès invalide", "Ce jeton est inconnu ou a été révoqué.")
    user = token.user
    if not user.is_active or Role.CERTIFIER not in user.national_roles():
        return problem(403, "Accès refusé", "Le titulaire de ce jeton n'est plus certificateur.")
    g.api_user = user
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
    return None


def _candidacy(public_id: str) -> Candidacy | None:
    """A candidacy of the token's certifier perimeter (None: a 404, whatever the reason)."""
    return db.session.scalar(
        queries.candidacies_of_certifier(g.api_user).where(Candidacy.public_id == public_id)
    )


def _body(model: type[BaseModel]):
    data = request.get_json(silent=True)
    if data is None:
        return None, problem(
            400, "Corps invalide", "Le corps de la requête doit être un objet JSON."
        )
    try:
        return model.model_validate(data), None
    except ValidationError as error:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in error.errors()
        ]
        return None, problem(422, "Données invalides", "Corrigez les champs indiqués.", errors)


def summary(candidacy: Candidacy, now=None) -> dict:
    now = now or utcnow()
    return dict(
        id=candidacy.public_id,
        certification=CertificationOut(
            rncp_code=candidacy.certification.rncp_code,
            label=candidacy.certification.label,
            level=candidacy.certification.level,
        ),
        department=candidacy.department,
        status=candidacy.status.value,
        status_label=candidacy.status.label,
        status_changed_at=candidacy.status_changed_at,
        days_waiting=(now - candidacy.status_changed_at).days,
    )


def detail(candidacy: Candidacy) -> CandidacyDetail:
    certification = queries.certification_with_blocks(candidacy.certification_id)
    assessed = queries.assessments_of(candidacy)
    blocks = [
        BlockOut(
            code=b.code,
            label=b.label,
            competences=[
                CompetenceOut(
                    label=c.label,
                    mastery=assessed[c.id].mastery.value if c.id in assessed else None,
                    comment=assessed[c.id].comment if c.id in assessed else "",
                )
                for c in b.competences
            ],
        )
        for b in certification.blocks
    ]
    return CandidacyDetail(
        **summary(candidacy),
        candidate=CandidateOut(
            first_name=candidacy.candidate.first_name,
            last_name=candidacy.candidate.last_name,
            email=candidacy.candidate.email,
        ),
        organism=candidacy.organism.name if candidacy.organism else None,
        goals=candidacy.goals,
        experiences=[
            ExperienceOut(
                title=e.title, duration_months=e.duration_months, description=e.description
            )
            for e in candidacy.experiences
        ],
        milestones=[
            MilestoneOut(
                status=e.to_status.value,
                status_label=e.to_status.label,
                at=e.at,
                by=e.actor.value,
                comment=e.comment,
            )
            for e in queries.events_of(candidacy)
        ],
        feasibility_file=FeasibilityFileOut(
            blocks=blocks,
            attachments=[
                AttachmentOut(filename=a.filename, content_type=a.content_type, size=a.size)
                for a in queries.attachments_of(candidacy)
            ],
        ),
        jury_date=candidacy.jury_date,
        jury_place=candidacy.jury_place,
    )


@reva_api.get("/candidacies")
@access.public
def awaiting():
    """Candidacies of my perimeter awaiting a move of mine (decision, jury, result)."""
    query = queries.candidacies_of_certifier(
        g.api_user, candidacies.statuses_awaiting(Actor.CERTIFIER)
    ).limit(500)
    now = utcnow()
    items = [CandidacySummary(**summary(c, now)) for c in db.session.scalars(query)]
    return _json(CandidacyList(items=items))


@reva_api.get("/candidacies/<public_id>")
@access.public
def candidacy(public_id: str):
    found = _candidacy(public_id)
    if found is None:
        return problem(
            404, "Introuvable", "Aucune candidature de ce périmètre n'a cet identifiant."
        )
    audit.record(g.api_user, "viewed", "reva_candidacy", found.id, "api")
    return _json(detail(found))


def _apply(found: Candidacy, name: str, comment: str):
    try:
        candidacies.apply(found, name, Actor.CERTIFIER, g.api_user, comment)
    except candidacies.TransitionRefusedError as refused:
        return problem(409, "Transition refusée", str(refused))
    return _json(detail(found))


@reva_api.post("/candidacies/<public_id>/feasibility-decision")
@access.public
def feasibility_decision(public_id: str):
    found = _candidacy(public_id)
    if found is None:
        return problem(
            404, "Introuvable", "Aucune candidature de ce périmètre n'a cet identifiant."
        )
    body, error = _body(FeasibilityDecision)
    if error:
        return error
    return _apply(found, DECISIONS[body.decision], body.reason)


@reva_api.post("/candidacies/<public_id>/jury")
@access.public
def schedule_jury(public_id: str):
    found = _candidacy(public_id)
    if found is None:
        return problem(
            404, "Introuvable", "Aucune candidature de ce périmètre n'a cet identifiant."
        )
    body, error = _body(JurySchedule)
    if error:
        return error
    if body.jury_date < date.today():
        return problem(
            422,
            "Données invalides",
            "La date du jury ne peut pas être passée.",
            [{"field": "jury_date", "message": "La date du jury ne peut pas être passée."}],
        )
    if candidacies.find(found, "schedule_jury", Actor.CERTIFIER) is None:
        return problem(409, "Transition refusée", candidacies.refusal(found, "schedule_jury"))
    candidacies.set_jury(found, body.jury_date, body.jury_place)
    return _apply(found, "schedule_jury", f"Jury le {body.jury_date:%d/%m/%Y} — {body.jury_place}")


@reva_api.post("/candidacies/<public_id>/jury-result")
@access.public
def jury_result(public_id: str):
    found = _candidacy(public_id)
    if found is None:
        return problem(
            404, "Introuvable", "Aucune candidature de ce périmètre n'a cet identifiant."
        )
    body, error = _body(JuryResult)
    if error:
        return error
    certification = queries.certification_with_blocks(found.certification_id)
    by_code = {b.code: b for b in certification.blocks}
    unknown = [code for code in body.validated_blocks if code not in by_code]
    if unknown:
        return problem(
            422,
            "Données invalides",
            "Blocs inconnus pour cette certification : " + ", ".join(unknown),
            [
                {"field": "validated_blocks", "message": "Bloc inconnu : " + code}
                for code in unknown
            ],
        )
    try:
        candidacies.record_jury_result(
            found,
            g.api_user,
            RESULTS[body.result],
            [by_code[code] for code in body.validated_blocks],
            body.comment,
        )
    except candidacies.TransitionRefusedError as refused:
        return problem(409, "Transition refusée", str(refused))
    return _json(detail(found))


# The OpenAPI part, generated from the pydantic bodies.


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _responses(ok: str, *codes: int) -> dict:
    texts = {
        400: "Corps JSON illisible",
        401: "Jeton manquant, inconnu ou révoqué",
        404: "Hors du périmètre du certificateur, ou inexistante",
        409: "Transition refusée par le déroulé de la candidature",
        422: "Données invalides",
    }
    responses = {
        "200": {"description": "OK", "content": {"application/json": {"schema": _ref(ok)}}}
    }
    for code in codes:
        responses[str(code)] = {
            "description": texts[code],
            "content": {PROBLEM: {"schema": _ref("Problem")}},
        }
    return responses


def _post(operation: str, summary_text: str, body: str) -> dict:
    return {
        "post": {
            "operationId": operation,
            "summary": summary_text,
            "tags": ["REVA"],
            "security": [{openapi.BEARER: []}],
            "parameters": [
                {"name": "public_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(body)}},
            },
            "responses": _responses("CandidacyDetail", 400, 401, 404, 409, 422),
        }
    }


PATHS = {
    "/api/v1/reva/candidacies": {
        "get": {
            "operationId": "revaAwaiting",
            "summary": "Candidatures du périmètre qui attendent le certificateur",
            "tags": ["REVA"],
            "security": [{openapi.BEARER: []}],
            "responses": _responses("CandidacyList", 401),
        }
    },
    "/api/v1/reva/candidacies/{public_id}": {
        "get": {
            "operationId": "revaCandidacy",
            "summary": "Données clés d'une candidature : profil, jalons, dossier de faisabilité",
            "tags": ["REVA"],
            "security": [{openapi.BEARER: []}],
            "parameters": [
                {"name": "public_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": _responses("CandidacyDetail", 401, 404),
        }
    },
    "/api/v1/reva/candidacies/{public_id}/feasibility-decision": _post(
        "revaFeasibilityDecision", "Décision de recevabilité", "FeasibilityDecision"
    ),
    "/api/v1/reva/candidacies/{public_id}/jury": _post(
        "revaScheduleJury", "Programmer le jury", "JurySchedule"
    ),
    "/api/v1/reva/candidacies/{public_id}/jury-result": _post(
        "revaJuryResult", "Résultat du jury", "JuryResult"
    ),
}
openapi.contribute(
    reva_api,
    paths=PATHS,
    schemas=component_schemas(),
    tags=[{"name": "REVA", "description": "API des certificateurs (un jeton par certificateur)"}],
)
