"""The OpenAPI 3.1 document of the portal's JSON API, at /api/v1/openapi.json.

Each domain contributes its paths and schemas with `contribute(blueprint, ...)`: they are added
to the document of every app the domain's API blueprint is registered on, so the document
describes exactly the API that the app serves.
"""

from __future__ import annotations

import copy

from flask import Blueprint, current_app, jsonify

from app.core import access

bp = Blueprint("api", __name__, url_prefix="/api/v1")

BEARER = "bearerAuth"

_BASE = {
    "openapi": "3.1.0",
    "info": {
        "title": "API du portail SPIE",
        "version": "1.0.0",
        "description": (
            "API du service public de l'insertion et de l'emploi. Chaque jeton d'accès est "
            "délivré par un coordinateur pour un seul territoire : les données des autres "
            "territoires n'existent pas pour lui (réponse 404)."
        ),
    },
    "servers": [{"url": "/"}],
    "paths": {
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "Ce document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "Le document OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        }
    },
    "components": {
        "securitySchemes": {
            BEARER: {
                "type": "http",
                "scheme": "bearer",
                "description": (
                    "En-tête `Authorization: Bearer <jeton>`. Le jeton est affiché une seule "
                    "fois à sa création (`flask carnet token create`) ; seule son empreinte "
                    "SHA-256 est conservée."
                ),
            }
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "detail", "status"],
                "properties": {
                    "error": {"type": "string", "description": "Intitulé de l'erreur"},
                    "detail": {"type": "string", "description": "Explication en français"},
                    "status": {"type": "integer", "description": "Code HTTP"},
                },
            },
            "ValidationError": {
                "type": "object",
                "required": ["error", "fields"],
                "properties": {
                    "error": {"type": "string", "const": "Données invalides"},
                    "detail": {"type": "string"},
                    "status": {"type": "integer", "const": 422},
                    "fields": {
                        "type": "object",
                        "description": "Messages d'erreur en français, par champ",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
        "responses": {
            "Unauthorized": {
                "description": "Jeton manquant, inconnu ou révoqué",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
            "NotFound": {
                "description": "Introuvable (ou d'un autre territoire)",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
            "TooManyRequests": {
                "description": "Trop de requêtes pour ce jeton",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    },
    "tags": [],
}


def contribute(blueprint, *, paths: dict, schemas: dict, tags: list | None = None) -> None:
    """Document `paths` and `schemas` on every app `blueprint` is registered on."""

    def _record(state):
        state.app.extensions.setdefault("openapi", []).append(
            {"paths": paths, "schemas": schemas, "tags": tags or []}
        )

    blueprint.record_once(_record)


def document(app) -> dict:
    doc = copy.deepcopy(_BASE)
    for part in app.extensions.get("openapi", []):
        doc["paths"].update(copy.deepcopy(part["paths"]))
        doc["components"]["schemas"].update(copy.deepcopy(part["schemas"]))
        doc["tags"].extend(copy.deepcopy(part["tags"]))
    return doc


@bp.get("/openapi.json")
@access.public
def openapi():
    return jsonify(document(current_app))
