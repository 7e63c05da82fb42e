"""Open data: validated providers and published sheets of every DORA territory, in the
data·inclusion v1 format, paginated and filterable; readable without a token."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from flask import jsonify, request
from spectree import Response, Tag

from app.core import access
from app.core.api import api
from app.core.urls import external_url
from app.dora import api_bp, queries, schemas
from app.extensions import db
from app.tenancy.models import Territory

TAG = Tag(name="DORA — données ouvertes", description="Offre d'insertion, sans jeton")


def _departments() -> dict[int, str]:
    return {t.id: t.department_code for t in db.session.query(Territory).all()}


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


OPEN_DATA = {"tags": [TAG], "security": {}}


@api_bp.get("/structures")
@access.public
@api.validate(
    query=schemas.OpenDataQuery,
    resp=Response(HTTP_200=(schemas.StructurePage, "Structures au format data·inclusion v1")),
    **OPEN_DATA,
)
def structures():
    """Structures validées (format data·inclusion v1), sans jeton."""
    query = request.context.query
    stmt = queries.open_providers(department=query.departement, modified_since=_since(query))
    return _page(schemas.StructurePage, stmt, query, schemas.structure_body)


@api_bp.get("/services")
@access.public
@api.validate(
    query=schemas.OpenDataQuery,
    resp=Response(HTTP_200=(schemas.ServicePage, "Fiches publiées au format data·inclusion v1")),
    **OPEN_DATA,
)
def services():
    """Fiches services publiées (format data·inclusion v1), sans jeton."""
    query = request.context.query
    stmt = queries.open_services(
        department=query.departement, thematique=query.thematique, modified_since=_since(query)
    )

    def build(service, department):
        link = external_url(
            "dora.public_service",
            public_id=service.public_id,
            territory=_slugs()[service.territory_id],
        )
        return schemas.service_body(service, department, link)

    return _page(schemas.ServicePage, stmt, query, build)


def _slugs() -> dict[int, str]:
    cache = getattr(request, "_dora_slugs", None)
    if cache is None:
        cache = {t.id: t.slug for t in db.session.query(Territory).all()}
        request._dora_slugs = cache
    return cache
