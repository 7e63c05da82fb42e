"""The Carnet de bord part of the OpenAPI document (see app/core/openapi.py)."""

from __future__ import annotations

from app.carnet.models import BarrierStatus, BarrierTheme, ContractType, Situation, Visibility
from app.core import openapi

SECURED = [{openapi.BEARER: []}]
TAG = "Carnet de bord"


def _string(description: str, max_length: int | None = None, **extra) -> dict:
    schema = {"type": ["string", "null"], "description": description, **extra}
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


def _date(description: str) -> dict:
    return {"type": ["string", "null"], "format": "date", "description": description}


def _enum(enum_cls, description: str, nullable: bool = True) -> dict:
    values = [m.value for m in enum_cls]
    return {
        "type": ["string", "null"] if nullable else "string",
        "enum": values + [None] if nullable else values,
        "description": description + " : " + " ; ".join(f"`{m.value}` {m.label}" for m in enum_cls),
    }


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


SCHEMAS = {
    "BeneficiaryInput": {
        "type": "object",
        "description": (
            "Une personne et son carnet. La personne déjà connue dans le territoire du jeton est "
            "cherchée par NIR, sinon par identifiant France Travail, sinon par nom, prénom et "
            "date de naissance (sans tenir compte de la casse). En mise à jour, seuls les champs "
            "envoyés changent ; `null` efface la valeur. Les textes trop longs sont refusés."
        ),
        "required": ["first_name", "last_name", "birth_date"],
        "additionalProperties": False,
        "properties": {
            "first_name": {"type": "string", "maxLength": 100, "description": "Prénom"},
            "last_name": {"type": "string", "maxLength": 100, "description": "Nom"},
            "birth_date": {
                "type": "string",
                "format": "date",
                "description": "Date de naissance (AAAA-MM-JJ, pas dans le futur)",
            },
            "email": _string("Adresse électronique", 254, format="email"),
            "mobile": _string("Téléphone portable (numéro français)", 20),
            "address": _string("Adresse", 200),
            "postal_code": _string("Code postal (5 chiffres)", 5, pattern="^[0-9]{5}$"),
            "commune": _string("Commune", 120),
            "situation": _enum(Situation, "Situation (par défaut `other`)"),
            "caf_number": _string("Numéro d'allocataire CAF", 20),
            "france_travail_id": _string("Identifiant France Travail", 20),
            "nir": _string(
                "NIR : 13 caractères, ou 15 avec la clé (vérifiée) ; espaces ignorés ; "
                "enregistré en majuscules sans espaces",
                21,
            ),
            "work_situation": _string("Situation professionnelle", 200),
            "education_level": _string("Niveau de formation", 100),
            "contract_type": _enum(ContractType, "Contrat d'accompagnement (par défaut `none`)"),
            "contract_start": _date("Début du contrat (AAAA-MM-JJ)"),
            "contract_end": _date("Fin du contrat (AAAA-MM-JJ, après le début)"),
        },
    },
    "BeneficiaryResult": {
        "type": "object",
        "required": ["id", "notebook_id", "created"],
        "properties": {
            "id": {"type": "integer", "description": "Identifiant de la personne"},
            "notebook_id": {"type": "integer", "description": "Identifiant de son carnet"},
            "created": {"type": "boolean", "description": "Vrai si la personne a été créée"},
        },
    },
    "NotebookMember": {
        "type": "object",
        "required": ["name", "structure", "email", "phone", "is_referent", "active"],
        "properties": {
            "name": {"type": "string"},
            "structure": {"type": ["string", "null"]},
            "email": {"type": "string"},
            "phone": {"type": ["string", "null"]},
            "is_referent": {"type": "boolean"},
            "active": {"type": "boolean"},
        },
    },
    "Barrier": {
        "type": "object",
        "description": (
            "Un frein. `situation` n'est présente que pour les freins dont le détail est partagé "
            "(`visibility` = `detail`) : le détail d'un frein `summary` reste entre la personne "
            "et son référent."
        ),
        "required": ["id", "theme", "status", "visibility"],
        "properties": {
            "id": {"type": "integer"},
            "theme": _enum(BarrierTheme, "Thème", nullable=False),
            "status": _enum(BarrierStatus, "État", nullable=False),
            "visibility": _enum(Visibility, "Partage", nullable=False),
            "situation": {"type": "string"},
        },
    },
    "Notebook": {
        "type": "object",
        "required": ["id", "beneficiary_id", "content_shared", "members", "barriers"],
        "properties": {
            "id": {"type": "integer"},
            "beneficiary_id": {"type": "integer"},
            "members": {"type": "array", "items": {"$ref": "#/components/schemas/NotebookMember"}},
            "content_shared": {
                "type": "boolean",
                "description": "Vrai si la personne partage son carnet avec la structure du jeton "
                "(consentement valide) ; sinon seuls l'identité et les contacts sont transmis.",
            },
            "barriers": {
                "type": ["array", "null"],
                "items": {"$ref": "#/components/schemas/Barrier"},
                "description": "Null sans consentement de la personne pour la structure du jeton.",
            },
        },
    },
}

PATHS = {
    "/api/v1/carnet/beneficiaries": {
        "post": {
            "operationId": "carnetUpsertBeneficiary",
            "tags": [TAG],
            "summary": "Créer ou mettre à jour une personne et son carnet",
            "security": SECURED,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/BeneficiaryInput"}
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "Personne mise à jour",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/BeneficiaryResult"}
                        }
                    },
                },
                "201": {
                    "description": "Personne et carnet créés",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/BeneficiaryResult"}
                        }
                    },
                },
                "400": _error_response("Corps de requête qui n'est pas un objet JSON"),
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "409": _error_response(
                    "Identifiants contradictoires ou désignant plusieurs personnes"
                ),
                "422": {
                    "description": "Données invalides (messages par champ)",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ValidationError"}
                        }
                    },
                },
                "429": {"$ref": "#/components/responses/TooManyRequests"},
            },
        }
    },
    "/api/v1/carnet/notebooks/{notebook_id}": {
        "get": {
            "operationId": "carnetGetNotebook",
            "tags": [TAG],
            "summary": "Lire les accompagnateurs et les freins d'un carnet",
            "description": "Chaque lecture est inscrite au journal d'audit.",
            "security": SECURED,
            "parameters": [
                {
                    "name": "notebook_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                }
            ],
            "responses": {
                "200": {
                    "description": "Le carnet",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Notebook"}}
                    },
                },
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "404": {"$ref": "#/components/responses/NotFound"},
                "429": {"$ref": "#/components/responses/TooManyRequests"},
            },
        }
    },
}


def contribute(blueprint) -> None:
    openapi.contribute(
        blueprint,
        paths=PATHS,
        schemas=SCHEMAS,
        tags=[{"name": TAG, "description": "Carnet de bord : personnes, carnets, freins."}],
    )
