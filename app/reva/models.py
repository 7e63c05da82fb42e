"""REVA tables: the catalogue, organisms and certifiers, candidacies and their history,
feasibility files, skills, badges, share links and API tokens.

REVA is national: no row here belongs to a territory. A candidacy carries the candidate's
department, which decides the organisms that may support it and the certifiers that decide it.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import (
    Date,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import TimestampMixin, UTCDateTime, utcnow
from app.extensions import db


def public_id() -> str:
    """An identifier for URLs that cannot be guessed or walked (128 random bits)."""
    return secrets.token_urlsafe(16)


def _enum(cls, length=30):
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


LEVELS = {
    3: "Niveau 3 (CAP, BEP)",
    4: "Niveau 4 (baccalauréat)",
    5: "Niveau 5 (bac + 2 : BTS, DUT)",
    6: "Niveau 6 (bac + 3 : licence, BUT)",
    7: "Niveau 7 (bac + 5 : master)",
    8: "Niveau 8 (doctorat)",
}


# The catalogue


class CertificationAuthority(TimestampMixin, db.Model):
    """The body that awards certifications and decides admissibility (a ministry, a branch…)."""

    __tablename__ = "reva_authority"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Certification(TimestampMixin, db.Model):
    __tablename__ = "reva_certification"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    rncp_code: Mapped[str] = mapped_column(String(12), unique=True)
    label: Mapped[str] = mapped_column(String(255))
    level: Mapped[int]
    authority_id: Mapped[int] = mapped_column(ForeignKey("reva_authority.id"), index=True)
    keywords: Mapped[str] = mapped_column(String(500), default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    authority: Mapped[CertificationAuthority] = relationship(lazy="joined")
    blocks: Mapped[list[CompetenceBlock]] = relationship(
        back_populates="certification",
        order_by="CompetenceBlock.position",
        cascade="all, delete-orphan",
    )

    @property
    def level_label(self) -> str:
        return LEVELS.get(self.level, f"Niveau {self.level}")

    @property
    def rncp_url(self) -> str:
        return f"https://www.francecompetences.fr/recherche/rncp/{self.rncp_code.removeprefix('RNCP')}/"


class CompetenceBlock(db.Model):
    """A block of competences of a certification (bloc de compétences), e.g. RNCP35830BC01."""

    __tablename__ = "reva_competence_block"
    __table_args__ = (UniqueConstraint("certification_id", "code"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(
        ForeignKey("reva_certification.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(default=0)

    certification: Mapped[Certification] = relationship(back_populates="blocks")
    competences: Mapped[list[Competence]] = relationship(
        back_populates="block", order_by="Competence.position", cascade="all, delete-orphan"
    )


class Competence(db.Model):
    __tablename__ = "reva_competence"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(
        ForeignKey("reva_competence_block.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(default=0)

    block: Mapped[CompetenceBlock] = relationship(back_populates="competences")


# Who supports and who decides


class Organism(TimestampMixin, db.Model):
    """An accompagnateur organism (AAP), serving some departments."""

    __tablename__ = "reva_organism"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    website: Mapped[str | None] = mapped_column(String(255))

    departments: Mapped[list[OrganismDepartment]] = relationship(cascade="all, delete-orphan")

    @property
    def department_codes(self) -> list[str]:
        return sorted(d.department for d in self.departments)


class OrganismDepartment(db.Model):
    __tablename__ = "reva_organism_department"

    organism_id: Mapped[int] = mapped_column(
        ForeignKey("reva_organism.id", ondelete="CASCADE"), primary_key=True
    )
    department: Mapped[str] = mapped_column(String(3), primary_key=True, index=True)


class OrganismMember(db.Model):
    """An accompagnateur (user with the reva_accompagnateur role) working for one organism."""

    __tablename__ = "reva_organism_member"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    organism_id: Mapped[int] = mapped_column(
        ForeignKey("reva_organism.id", ondelete="CASCADE"), index=True
    )

    organism: Mapped[Organism] = relationship()
    user = relationship("User")


class CertifierPerimeter(db.Model):
    """A certifier decides for one authority's certifications in one department."""

    __tablename__ = "reva_certifier_perimeter"
    __table_args__ = (
        UniqueConstraint("user_id", "authority_id", "department"),
        Index("ix_reva_certifier_perimeter_authority_department", "authority_id", "department"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    authority_id: Mapped[int] = mapped_column(ForeignKey("reva_authority.id", ondelete="CASCADE"))
    department: Mapped[str] = mapped_column(String(3))

    authority: Mapped[CertificationAuthority] = relationship()
    user = relationship("User")


# Candidacies


class Status(enum.StrEnum):
    PROJECT = "project"
    SUBMITTED = "submitted"
    TAKEN_IN_CHARGE = "taken_in_charge"
    PATH_SENT = "path_sent"
    PATH_CONFIRMED = "path_confirmed"
    FEASIBILITY_SENT = "feasibility_sent"
    FEASIBILITY_INCOMPLETE = "feasibility_incomplete"
    ADMISSIBLE = "admissible"
    NOT_ADMISSIBLE = "not_admissible"
    VALIDATION_SENT = "validation_sent"
    JURY_SCHEDULED = "jury_scheduled"
    FULL_VALIDATION = "full_validation"
    PARTIAL_VALIDATION = "partial_validation"
    FAILURE = "failure"
    DROPPED_OUT = "dropped_out"
    ARCHIVED = "archived"
    INACTIVE_PENDING = "inactive_pending"
    INACTIVE_CONFIRMED = "inactive_confirmed"
    DELETED = "deleted"  # a project removed unsubmitted: never stored, only in the table

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.PROJECT: "Projet (non envoyé)",
    Status.SUBMITTED: "Candidature envoyée",
    Status.TAKEN_IN_CHARGE: "Prise en charge",
    Status.PATH_SENT: "Parcours proposé",
    Status.PATH_CONFIRMED: "Parcours confirmé",
    Status.FEASIBILITY_SENT: "Dossier de faisabilité envoyé",
    Status.FEASIBILITY_INCOMPLETE: "Dossier de faisabilité incomplet",
    Status.ADMISSIBLE: "Recevable",
    Status.NOT_ADMISSIBLE: "Non recevable",
    Status.VALIDATION_SENT: "Dossier de validation envoyé",
    Status.JURY_SCHEDULED: "Jury programmé",
    Status.FULL_VALIDATION: "Validation totale",
    Status.PARTIAL_VALIDATION: "Validation partielle",
    Status.FAILURE: "Non validation",
    Status.DROPPED_OUT: "Abandon",
    Status.ARCHIVED: "Archivée",
    Status.INACTIVE_PENDING: "Inactive (en attente de confirmation)",
    Status.INACTIVE_CONFIRMED: "Inactive",
    Status.DELETED: "Supprimée",
}


class Actor(enum.StrEnum):
    """The parties of a candidacy, as the issue names them (C, A, R, N, S)."""

    CANDIDATE = "C"
    ACCOMPAGNATEUR = "A"
    CERTIFIER = "R"
    ADMIN = "N"
    SYSTEM = "S"

    @property
    def label(self) -> str:
        return ACTOR_LABELS[self]

    @property
    def from_label(self) -> str:
        """ "Attendue …": du certificateur, de l'organisme accompagnateur…"""
        return ACTOR_FROM_LABELS[self]


ACTOR_FROM_LABELS = {
    "C": "du ou de la candidat·e",
    "A": "de l'organisme accompagnateur",
    "R": "du certificateur",
    "N": "de l'administration nationale",
    "S": "du système",
}
ACTOR_LABELS = {
    Actor.CANDIDATE: "le ou la candidat·e",
    Actor.ACCOMPAGNATEUR: "l'organisme accompagnateur",
    Actor.CERTIFIER: "le certificateur",
    Actor.ADMIN: "l'administration nationale",
    Actor.SYSTEM: "le système",
}


class Candidacy(TimestampMixin, db.Model):
    __tablename__ = "reva_candidacy"
    __table_args__ = (
        Index("ix_reva_candidacy_status", "status"),
        Index("ix_reva_candidacy_organism_status", "organism_id", "status"),
        # The certifier queue counts by status through its perimeter: a covering index.
        Index(
            "ix_reva_candidacy_certification_department_status",
            "certification_id",
            "department",
            "status",
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=public_id)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    certification_id: Mapped[int] = mapped_column(ForeignKey("reva_certification.id"))
    organism_id: Mapped[int | None] = mapped_column(ForeignKey("reva_organism.id"))
    department: Mapped[str] = mapped_column(String(3))
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.PROJECT)
    # Where an inactive candidacy goes back to when the candidate confirms, or N reopens it.
    status_before_inactive: Mapped[Status | None] = mapped_column(_enum(Status))
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    goals: Mapped[str] = mapped_column(Text, default="")
    # The path the organism proposes
    individual_hours: Mapped[int | None]
    collective_hours: Mapped[int | None]
    trainings: Mapped[str | None] = mapped_column(Text)
    # The jury
    jury_date: Mapped[date | None] = mapped_column(Date)
    jury_place: Mapped[str | None] = mapped_column(String(255))

    candidate = relationship("User", lazy="joined")
    certification: Mapped[Certification] = relationship(lazy="joined")
    organism: Mapped[Organism | None] = relationship(lazy="joined")
    experiences: Mapped[list[Experience]] = relationship(
        back_populates="candidacy", cascade="all, delete-orphan", order_by="Experience.id"
    )
    events: Mapped[list[CandidacyEvent]] = relationship(
        back_populates="candidacy", cascade="all, delete-orphan", order_by="CandidacyEvent.id"
    )

    @property
    def is_alone(self) -> bool:
        return self.organism_id is None


class Experience(db.Model):
    """A job the candidate held: what their VAE rests on."""

    __tablename__ = "reva_experience"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(
        ForeignKey("reva_candidacy.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    duration_months: Mapped[int]
    description: Mapped[str] = mapped_column(Text, default="")

    candidacy: Mapped[Candidacy] = relationship(back_populates="experiences")


class CandidacyEvent(db.Model):
    """One transition of a candidacy: who made it, when, from which state to which, and why."""

    __tablename__ = "reva_candidacy_event"
    __table_args__ = (
        Index("ix_reva_candidacy_event_candidacy", "candidacy_id", "id"),
        Index("ix_reva_candidacy_event_to_status", "to_status", "at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("reva_candidacy.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    transition: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[Status] = mapped_column(_enum(Status))
    to_status: Mapped[Status] = mapped_column(_enum(Status))
    actor: Mapped[Actor] = mapped_column(_enum(Actor, 1))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, default="")

    candidacy: Mapped[Candidacy] = relationship(back_populates="events")
    actor_user = relationship("User")


# The feasibility file


class Mastery(enum.StrEnum):
    ACQUIRED = "acquired"
    PARTLY = "partly"
    NOT_YET = "not_yet"

    @property
    def label(self) -> str:
        return {"acquired": "Acquise", "partly": "Partiellement acquise", "not_yet": "Pas encore"}[
            self.value
        ]


class CompetenceAssessment(db.Model):
    """In the feasibility file: how well one competence of the certification is mastered."""

    __tablename__ = "reva_competence_assessment"
    __table_args__ = (UniqueConstraint("candidacy_id", "competence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("reva_candidacy.id", ondelete="CASCADE"))
    competence_id: Mapped[int] = mapped_column(ForeignKey("reva_competence.id"))
    mastery: Mapped[Mastery] = mapped_column(_enum(Mastery, 10))
    comment: Mapped[str] = mapped_column(Text, default="")

    competence: Mapped[Competence] = relationship()


class Attachment(TimestampMixin, db.Model):
    """A file of the feasibility file (PDF, JPEG or PNG), stored in the database: web processes
    share nothing but the database, and backups include it."""

    __tablename__ = "reva_attachment"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=public_id)
    candidacy_id: Mapped[int] = mapped_column(
        ForeignKey("reva_candidacy.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


# Skills and badges


class Skill(TimestampMixin, db.Model):
    """A skill the candidate wrote in their VAE file, possibly endorsed against a competence."""

    __tablename__ = "reva_skill"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(
        ForeignKey("reva_candidacy.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    competence_id: Mapped[int | None] = mapped_column(ForeignKey("reva_competence.id"))
    endorsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    endorsed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    endorsed_as: Mapped[Actor | None] = mapped_column(_enum(Actor, 1))

    competence: Mapped[Competence | None] = relationship()
    assertion: Mapped[BadgeAssertion | None] = relationship(
        back_populates="skill", uselist=False, viewonly=True
    )


class BadgeAssertion(TimestampMixin, db.Model):
    """An Open Badges 2.0 assertion, verified by hosting its JSON at its id."""

    __tablename__ = "reva_badge_assertion"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=public_id)
    candidacy_id: Mapped[int] = mapped_column(
        ForeignKey("reva_candidacy.id", ondelete="CASCADE"), index=True
    )
    # Exactly one of: an endorsed skill (a competence badge) or a block validated by the jury.
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("reva_skill.id", ondelete="CASCADE"))
    competence_id: Mapped[int | None] = mapped_column(ForeignKey("reva_competence.id"))
    block_id: Mapped[int | None] = mapped_column(ForeignKey("reva_competence_block.id"))
    recipient_salt: Mapped[str] = mapped_column(String(32))
    recipient_hash: Mapped[str] = mapped_column(String(80))
    issued_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evidence: Mapped[str] = mapped_column(Text, default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(255))

    skill: Mapped[Skill | None] = relationship(back_populates="assertion")
    competence: Mapped[Competence | None] = relationship()
    block: Mapped[CompetenceBlock | None] = relationship()
    candidacy: Mapped[Candidacy] = relationship()


class ShareLink(TimestampMixin, db.Model):
    """A public link to the skills the candidate chose, for an employer or their network."""

    __tablename__ = "reva_share_link"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: secrets.token_urlsafe(24)
    )
    candidacy_id: Mapped[int] = mapped_column(
        ForeignKey("reva_candidacy.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(100))
    expires_on: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    skills: Mapped[list[Skill]] = relationship(
        secondary="reva_share_link_skill", order_by="Skill.id"
    )
    candidacy: Mapped[Candidacy] = relationship()

    def is_live(self, today: date) -> bool:
        """Neither revoked nor past its expiry date."""
        return self.revoked_at is None and (self.expires_on is None or self.expires_on >= today)


class ShareLinkSkill(db.Model):
    __tablename__ = "reva_share_link_skill"

    share_link_id: Mapped[int] = mapped_column(
        ForeignKey("reva_share_link.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("reva_skill.id", ondelete="CASCADE"), primary_key=True
    )


class CertifierToken(TimestampMixin, db.Model):
    """A certifier's API token: only its SHA-256 is stored; the certifier's perimeter applies."""

    __tablename__ = "reva_certifier_token"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="joined")


class SurveyAnswer(TimestampMixin, db.Model):
    """The candidate's optional in-app answers on employability and self-confidence."""

    __tablename__ = "reva_survey_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(
        ForeignKey("reva_candidacy.id", ondelete="CASCADE"), index=True
    )
    recruited_thanks_to_reva: Mapped[bool | None]
    self_confidence: Mapped[int | None]  # 1 (much less) … 5 (much more confident)
