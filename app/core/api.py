"""The portal's JSON API contract, shared by every service (Carnet de bord, DORA, REVA…).

Request and response bodies are pydantic models in each service's `schemas.py`. A view declares
them once with `@api.validate(json=..., resp=Response(HTTP_200=...))`: the body is validated at the
edge (the view reads `request.context.json`, already typed) and the OpenAPI document served at
/api/v1/openapi.json is generated from the same declarations by spectree, for the routes of the
app that serves it (app factory: one document per app). Every API error is an RFC 9457 problem
detail (`application/problem+json`) with a French title and detail.
"""

from __future__ import annotations

import copy
import re

from flask import Blueprint, abort, current_app, request
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

from app.core import access

BEARER = "bearerAuth"
PROBLEM_JSON = "application/problem+json"
SECURED = {BEARER: []}

REQUIRED = "Ce champ est obligatoire."


class Problem(BaseModel):
    """An RFC 9457 problem detail: what went wrong, in French."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="URI du type de problème")
    title: str = Field(description="Intitulé court du problème")
    status: int = Field(description="Code HTTP")
    detail: str = Field(description="Explication en français et ce qu'il faut faire")


class ValidationProblem(Problem):
    """A request body refused field by field (422)."""

    fields: dict[str, list[str]] = Field(
        default_factory=dict, description="Messages d'erreur en français, par champ"
    )


# The problems every secured route may answer, besides its own (documented once here).
COMMON_PROBLEMS = {
    "HTTP_401": (Problem, "Jeton manquant, inconnu ou révoqué"),
    "HTTP_403": (Problem, "Service fermé dans le territoire du jeton"),
    "HTTP_429": (Problem, "Trop de requêtes pour ce jeton"),
    "HTTP_500": (Problem, "Erreur inattendue"),
}


def responses(**codes) -> Response:
    """A spectree Response: the route's own statuses plus the common problems."""
    return Response(**{**COMMON_PROBLEMS, **codes})


def problem(status: int, title: str, detail: str, *, type_: str = "about:blank", **extensions):
    """An `application/problem+json` response (RFC 9457)."""
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extensions}
    response = current_app.json.response(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


# Pydantic's error types, said in French (custom validators raise French messages already).
def _expected(ctx: dict) -> str:
    return re.sub(
        r"'|\s+or\s+", lambda m: "" if m.group() == "'" else ", ", ctx.get("expected", "")
    )


_MESSAGES = {
    "missing": lambda e: REQUIRED,
    "extra_forbidden": lambda e: "Champ inconnu.",
    "string_type": lambda e: "Ce champ doit être une chaîne de caractères (ou null).",
    "string_too_long": lambda e: (
        f"Ce champ ne peut pas dépasser {e['ctx']['max_length']} caractères."
    ),
    "too_long": lambda e: f"Ce champ ne peut pas dépasser {e['ctx']['max_length']} caractères.",
    "enum": lambda e: f"Valeur inconnue : choisissez parmi {_expected(e['ctx'])}.",
    "literal_error": lambda e: f"Valeur inconnue : choisissez parmi {_expected(e['ctx'])}.",
    "int_parsing": lambda e: "Saisissez un nombre entier.",
    "int_type": lambda e: "Saisissez un nombre entier.",
    "bool_type": lambda e: "Saisissez true ou false.",
    "bool_parsing": lambda e: "Saisissez true ou false.",
}


def field_errors(error) -> dict[str, list[str]]:
    """A pydantic ValidationError as French messages by field (the first part of its path)."""
    fields: dict[str, list[str]] = {}
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "corps"
        translate = _MESSAGES.get(item["type"])
        message = translate(item) if translate else item["msg"].removeprefix("Value error, ")
        fields.setdefault(name, [])
        if message not in fields[name]:
            fields[name].append(message)
    return fields


def invalid(fields: dict[str, list[str]]):
    return problem(
        422,
        "Données invalides",
        "Corrigez les champs indiqués puis renvoyez la demande.",
        type_="urn:spie:probleme:donnees-invalides",
        fields=fields,
    )


def _before(req, resp, validation_error, instance, model_adapter):
    """Refuse a body that is not a JSON object (400), or invalid field by field (422)."""
    if validation_error is None:
        return
    if req.method not in ("GET", "DELETE", "HEAD") and not isinstance(
        req.get_json(silent=True), dict
    ):
        abort(
            problem(
                400,
                "Requête invalide",
                "Le corps de la requête doit être un objet JSON valide.",
            )
        )
    abort(invalid(field_errors(validation_error)))


def _after(req, resp, validation_error, instance, model_adapter):
    if validation_error is not None:  # our own answer broke the contract: never send it
        current_app.logger.error("API response does not match its schema: %s", validation_error)
        abort(500)


api = SpecTree(
    "flask",
    mode="strict",  # only the routes declared with @api.validate are documented
    annotations=False,
    title="API du portail SPIE",
    version="1.0.0",
    description=(
        "API du service public de l'insertion et de l'emploi. Chaque jeton d'accès est "
        "délivré pour un seul territoire : les données des autres territoires n'existent pas "
        "pour lui (réponse 404). Les erreurs sont des « problem details » (RFC 9457, "
        "`application/problem+json`) rédigés en français."
    ),
    security_schemes=[
        SecurityScheme(
            name=BEARER,
            data=SecuritySchemeData(
                type="http",
                scheme="bearer",
                description=(
                    "En-tête `Authorization: Bearer <jeton>`. Le jeton est affiché une seule "
                    "fois à sa création ; seule son empreinte SHA-256 est conservée."
                ),
            ),
        )
    ],
    before=_before,
    after=_after,
    validation_error_status=422,
    validation_error_model=ValidationProblem,
    # Components named after their class (services name their models distinctly).
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)


_contributions: list[dict] = []


def contribute(blueprint, *, paths: dict, schemas: dict | None = None, tags=None) -> None:
    """Add hand-assembled paths (built from pydantic schemas) for routes not yet declared with
    `@api.validate`; merged into the generated document. Prefer `@api.validate`."""
    _contributions.append(
        {"blueprint": blueprint.name, "paths": paths, "schemas": schemas or {}, "tags": tags or []}
    )


def _merge_contributions(app, document_: dict) -> None:
    for part in _contributions:
        if part["blueprint"] not in app.blueprints:
            continue
        document_.setdefault("paths", {}).update(part["paths"])
        document_.setdefault("components", {}).setdefault("schemas", {}).update(part["schemas"])
        document_.setdefault("tags", []).extend(part["tags"])


# The document describes itself too: every route under /api/ is in it.
SELF_DESCRIPTION = {
    "get": {
        "summary": "Ce document OpenAPI",
        "operationId": "get__api_v1_openapi.json",
        "tags": ["API"],
        "security": [],
        "responses": {
            "200": {
                "description": "Le document OpenAPI 3.1 de l'API",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    }
}


def document(app) -> dict:
    """The OpenAPI document of the routes `app` serves (computed once per app)."""
    cached = app.extensions.get("openapi_document")
    if cached is None:
        # spectree lifts nested models out of its registry while generating: keep it intact.
        models = copy.deepcopy(api.models)
        try:
            with app.app_context():
                cached = api._generate_spec()
        finally:
            api.models = models
        cached["servers"] = [{"url": "/"}]
        for path in cached["paths"].values():
            for operation in path.values():
                if "requestBody" not in operation and not any(
                    p["in"] == "query" for p in operation["parameters"]
                ):
                    operation["responses"].pop("422", None)  # nothing to validate
                for answer in operation["responses"].values():
                    content = answer.get("content", {})
                    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
                    if ref.endswith(("/Problem", "/ValidationProblem")):
                        answer["content"] = {PROBLEM_JSON: content.pop("application/json")}
        _merge_contributions(app, cached)
        cached["paths"]["/api/v1/openapi.json"] = SELF_DESCRIPTION
        app.extensions["openapi_document"] = cached
    return cached


bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
@access.public
def openapi():
    return current_app.json.response(document(current_app))


def is_api_request() -> bool:
    return request.path.startswith("/api/")
