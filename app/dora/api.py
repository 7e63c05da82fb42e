"""Open data: validated providers and published sheets of every DORA territory, in the
data·inclusion v1 format, paginated and filterable; readable without a token."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from flask import jsonify, request, url_for
from pydantic import ValidationError

from app.core import access
from app.core.openapi import contribute
from app.dora import api_bp, queries, schemas
from app.extensions import db
from app.tenancy.models import Territory


def _departments() -> dict[int, str]:
    return {t.id: t.department_code for t in db.session.query(Territory).all()}


def _query():
    """The query string as an OpenDataQuery, or a 422 problem with French field messages."""
    try:
        return schemas.OpenDataQuery.model_validate(request.args.to_dict()), None
    except ValidationError as error:
        fields: dict[str, list[str]] = {}
        for item in error.errors():
            name = ".".join(str(p) for p in item["loc"]) or "requête"
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = "paramètre inconnu"
            fields.setdefault(name, []).append(message)
        body = {
            "type": "about:blank",
            "title": "Données invalides",
            "error": "Données invalides",
            "detail": "Un ou plusieurs paramètres de la requête ne sont pas valides.",
            "status": 422,
            "fields": fields,
        }
        response = jsonify(body)
        response.status_code = 422
        response.mimetype = "application/problem+json"
        return None, response


def _since(query):
    if query.modifie_depuis is None:
        return None
    return datetime.combine(query.modifie_depuis, datetime.min.time(), tzinfo=UTC)


def _page(model, stmt, query, build):
    rows, total = queries.page_of(stmt, query.page, query.taille)
    departments = _departments()
    body = model(
        total=total,
        page=query.page,
        taille=query.taille,
        pages=math.ceil(total / query.taille) if total else 0,
        items=[build(row, departments[row.territory_id]) for row in rows],
    )
    return jsonify(body.model_dump(mode="json"))


@api_bp.get("/structures")
@access.public
def structures():
    query, problem = _query()
    if problem is not None:
        return problem
    stmt = queries.open_providers(department=query.departement, modified_since=_since(query))
    return _page(schemas.StructurePage, stmt, query, schemas.structure_body)


@api_bp.get("/services")
@access.public
def services():
    query, problem = _query()
    if problem is not None:
        return problem
    stmt = queries.open_services(
        department=query.departement, thematique=query.thematique, modified_since=_since(query)
    )

    def build(service, department):
        link = url_for(
            "dora.public_service",
            public_id=service.public_id,
            territory=_slugs()[service.territory_id],
            _external=True,
        )
        return schemas.service_body(service, department, link)

    return _page(schemas.ServicePage, stmt, query, build)


def _slugs() -> dict[int, str]:
    cache = getattr(request, "_dora_slugs", None)
    if cache is None:
        cache = {t.id: t.slug for t in db.session.query(Territory).all()}
        request._dora_slugs = cache
    return cache


def _parameters():
    schema = schemas.OpenDataQuery.model_json_schema()
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": prop.get("description", ""),
            "schema": {k: v for k, v in prop.items() if k not in ("description", "title")},
        }
        for name, prop in schema["properties"].items()
    ]


def _operation(operation_id: str, summary: str, page_schema: str) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["DORA — données ouvertes"],
            "security": [],
            "parameters": _parameters(),
            "responses": {
                "200": {
                    "description": "Une page de résultats au format data·inclusion v1",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{page_schema}"}
                        }
                    },
                },
                "422": {
                    "description": "Paramètre invalide",
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/ValidationError"}
                        }
                    },
                },
            },
        }
    }


def _component_schemas() -> dict:
    from pydantic.json_schema import models_json_schema

    _, top = models_json_schema(
        [(schemas.StructurePage, "serialization"), (schemas.ServicePage, "serialization")],
        ref_template="#/components/schemas/{model}",
    )
    return top["$defs"]


contribute(
    api_bp,
    paths={
        "/api/v1/structures": _operation(
            "dora_structures", "Structures validées (format data·inclusion v1)", "StructurePage"
        ),
        "/api/v1/services": _operation(
            "dora_services", "Fiches services publiées (format data·inclusion v1)", "ServicePage"
        ),
    },
    schemas=_component_schemas(),
    tags=[{"name": "DORA — données ouvertes", "description": "Offre d'insertion, sans jeton"}],
)
