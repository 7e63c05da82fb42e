"""The certifier API's request and response bodies (pydantic); the OpenAPI part is generated
from them (`openapi_part`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Requests


class FeasibilityDecision(Body):
    """The certifier's decision on a feasibility file; a reason is required unless admissible."""

    decision: Literal["admissible", "not_admissible", "incomplete"] = Field(
        description="`admissible` recevable, `not_admissible` non recevable, `incomplete` "
        "incomplet (à compléter)"
    )
    reason: str = Field(
        default="", max_length=2000, description="Motif (obligatoire sauf si recevable)"
    )


class JurySchedule(Body):
    jury_date: date = Field(description="Date du jury (AAAA-MM-JJ), aujourd'hui ou plus tard")
    jury_place: str = Field(min_length=1, max_length=255, description="Lieu du jury")


class JuryResult(Body):
    result: Literal["full_validation", "partial_validation", "failure"]
    validated_blocks: list[str] = Field(
        default_factory=list, description="Codes des blocs validés (validation partielle)"
    )
    comment: str = Field(default="", max_length=2000)


# Responses


class CertificationOut(BaseModel):
    rncp_code: str
    label: str
    level: int


class CandidacySummary(BaseModel):
    id: str = Field(description="Identifiant non devinable de la candidature")
    certification: CertificationOut
    department: str
    status: str
    status_label: str
    status_changed_at: datetime
    days_waiting: int


class CandidacyList(BaseModel):
    items: list[CandidacySummary]


class ExperienceOut(BaseModel):
    title: str
    duration_months: int
    description: str


class MilestoneOut(BaseModel):
    status: str
    status_label: str
    at: datetime
    by: Literal["C", "A", "R", "N", "S"]
    comment: str


class CompetenceOut(BaseModel):
    label: str
    mastery: Literal["acquired", "partly", "not_yet"] | None
    comment: str


class BlockOut(BaseModel):
    code: str
    label: str
    competences: list[CompetenceOut]


class AttachmentOut(BaseModel):
    filename: str
    content_type: str
    size: int


class FeasibilityFileOut(BaseModel):
    blocks: list[BlockOut]
    attachments: list[AttachmentOut]


class CandidateOut(BaseModel):
    first_name: str
    last_name: str
    email: str


class CandidacyDetail(CandidacySummary):
    candidate: CandidateOut
    organism: str | None
    goals: str
    experiences: list[ExperienceOut]
    milestones: list[MilestoneOut]
    feasibility_file: FeasibilityFileOut
    jury_date: date | None
    jury_place: str | None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict] = Field(default_factory=list)


MODELS = (
    FeasibilityDecision,
    JurySchedule,
    JuryResult,
    CandidacyList,
    CandidacyDetail,
    Problem,
)


def component_schemas() -> dict:
    """JSON Schemas of every body, for the OpenAPI document's components."""
    schemas = {}
    for model in MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas
