"""Carnet de bord: the notebook shared by a person in insertion and the professionals they consent to."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, attributes, mapped_column, relationship

from app.core.models import (
    NEVER_REUSED,
    LabelledEnum,
    TimestampMixin,
    UTCDateTime,
    labelled_enum,
    utcnow,
)
from app.core.scoping import TerritoryScoped
from app.extensions import db


class Situation(LabelledEnum):
    RSA = "rsa"
    YOUNG_NEET = "young_neet"
    LONG_TERM_JOBSEEKER = "long_term_jobseeker"
    OTHER = "other"


Situation.LABELS = {
    "rsa": "Allocataire du RSA",
    "young_neet": "Jeune de moins de 26 ans sans emploi ni formation",
    "long_term_jobseeker": "Demandeur d'emploi depuis plus de 2 ans",
    "other": "Autre situation",
}


class ContractType(LabelledEnum):
    CER = "cer"
    PPAE = "ppae"
    CEJ = "cej"
    PACEA = "pacea"
    NONE = "none"


ContractType.LABELS = {
    "cer": "CER — contrat d'engagement réciproque",
    "ppae": "PPAE — projet personnalisé d'accès à l'emploi",
    "cej": "CEJ — contrat d'engagement jeune",
    "pacea": "PACEA — parcours contractualisé d'accompagnement",
    "none": "Aucun contrat",
}


class BarrierTheme(LabelledEnum):
    EMPLOYMENT = "emploi"
    TRAINING = "formation"
    HOUSING = "logement"
    MOBILITY = "mobilite"
    HEALTH = "sante"
    ADMINISTRATIVE = "difficultes_administratives"
    FINANCIAL = "difficultes_financieres"
    FAMILY = "contraintes_familiales"
    FRENCH = "maitrise_francais"
    DIGITAL = "numerique"


BarrierTheme.LABELS = {
    "emploi": "Emploi",
    "formation": "Formation",
    "logement": "Logement",
    "mobilite": "Mobilité",
    "sante": "Santé",
    "difficultes_administratives": "Difficultés administratives",
    "difficultes_financieres": "Difficultés financières",
    "contraintes_familiales": "Contraintes familiales / garde d'enfants",
    "maitrise_francais": "Maîtrise du français",
    "numerique": "Numérique",
}


class BarrierStatus(LabelledEnum):
    IDENTIFIED = "identified"
    IN_PROGRESS = "in_progress"
    LIFTED = "lifted"


BarrierStatus.LABELS = {"identified": "Identifié", "in_progress": "En cours", "lifted": "Levé"}


class Visibility(LabelledEnum):
    DETAIL = "detail"
    SUMMARY = "summary"


Visibility.LABELS = {
    "detail": "Détail partagé avec tous les accompagnateurs",
    "summary": "Résumé seulement (le détail reste entre la personne et son référent)",
}


class ObjectiveStatus(LabelledEnum):
    IN_PROGRESS = "in_progress"
    REACHED = "reached"
    ABANDONED = "abandoned"


ObjectiveStatus.LABELS = {"in_progress": "En cours", "reached": "Atteint", "abandoned": "Abandonné"}


class ActionStatus(LabelledEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


ActionStatus.LABELS = {
    "planned": "Prévue",
    "in_progress": "En cours",
    "done": "Réalisée",
    "cancelled": "Annulée",
}


class ConsentStatus(LabelledEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"
    REVOKED = "revoked"


ConsentStatus.LABELS = {
    "requested": "En attente de votre réponse",
    "granted": "Accordé",
    "refused": "Refusé",
    "revoked": "Retiré",
}


class AppointmentStatus(LabelledEnum):
    PLANNED = "planned"
    PRESENT = "present"
    ABSENT = "absent"


AppointmentStatus.LABELS = {"planned": "Prévu", "present": "Présent·e", "absent": "Absent·e"}


class Beneficiary(TerritoryScoped, TimestampMixin, db.Model):
    """A person in insertion. Personal data kept to what the support needs."""

    __tablename__ = "beneficiary"
    __table_args__ = (
        Index("ix_beneficiary_identity", "territory_id", "last_name", "first_name", "birth_date"),
        # One person per NIR in a territory (NULLs are distinct): no duplicate even under a race.
        Index("uq_beneficiary_territory_nir", "territory_id", "nir", unique=True),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    commune: Mapped[str | None] = mapped_column(String(120))
    situation: Mapped[Situation] = mapped_column(labelled_enum(Situation), default=Situation.OTHER)
    caf_number: Mapped[str | None] = mapped_column(String(20))
    france_travail_id: Mapped[str | None] = mapped_column(String(20))
    nir: Mapped[str | None] = mapped_column(String(15))
    deletion_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The API token whose information system created the person: it may update them later.
    created_by_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_token.id", ondelete="SET NULL")
    )

    user = relationship("User")
    notebook: Mapped[Notebook] = relationship(back_populates="beneficiary", uselist=False)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Notebook(TerritoryScoped, TimestampMixin, db.Model):
    __tablename__ = "notebook"
    __table_args__ = (
        Index("ix_notebook_territory_id_last_modified_at", "territory_id", "last_modified_at"),
        # Covers the territory-wide aggregates (indicators, notebooks without a referent): a
        # territory's notebooks and their activity, read from the index alone. archived_at comes
        # last: as a second key it would make a planner without statistics (SQLite) prefer
        # walking the whole territory to walking one professional's memberships.
        Index(
            "ix_notebook_territory_id_activity",
            "territory_id",
            "last_viewed_at",
            "last_modified_at",
            "archived_at",
        ),
        # The notebooks waiting for a referent (`referent_id IS NULL`), found without walking
        # the territory's notebooks. referent_id first: a query on the territory alone must not
        # pick this index (SQLite would then walk the territory rather than a user's members).
        Index("ix_notebook_referent_id_territory_id", "referent_id", "territory_id"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiary.id", ondelete="CASCADE"), unique=True
    )
    work_situation: Mapped[str | None] = mapped_column(String(200))
    education_level: Mapped[str | None] = mapped_column(String(100))
    contract_type: Mapped[ContractType] = mapped_column(
        labelled_enum(ContractType), default=ContractType.NONE
    )
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    diagnostic: Mapped[str] = mapped_column(Text, default="")
    # Denormalised from the audit log for the "active notebook" indicator and filters.
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Denormalised from the members, kept by `_keep_referent` (below) at every flush: the user
    # who is the notebook's active referent, NULL while the notebook waits for one.
    referent_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    beneficiary: Mapped[Beneficiary] = relationship(back_populates="notebook")
    members: Mapped[list[NotebookMember]] = relationship(
        back_populates="notebook", cascade="all, delete-orphan", order_by="NotebookMember.joined_at"
    )
    barriers: Mapped[list[Barrier]] = relationship(
        back_populates="notebook", cascade="all, delete-orphan", order_by="Barrier.created_at"
    )
    interviews: Mapped[list[Interview]] = relationship(
        back_populates="notebook", cascade="all, delete-orphan", order_by="Interview.date.desc()"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="notebook", cascade="all, delete-orphan", order_by="Consent.created_at"
    )
    events: Mapped[list[TimelineEvent]] = relationship(
        back_populates="notebook", cascade="all, delete-orphan", order_by="TimelineEvent.at.desc()"
    )
    appointments: Mapped[list[Appointment]] = relationship(
        back_populates="notebook", cascade="all, delete-orphan", order_by="Appointment.at.desc()"
    )


class NotebookMember(TerritoryScoped, db.Model):
    """A professional supporting the person (a referent or not)."""

    __tablename__ = "notebook_member"
    __table_args__ = (
        Index("ix_notebook_member_territory_id_notebook_id", "territory_id", "notebook_id"),
        Index("ix_notebook_member_territory_id_user_id", "territory_id", "user_id"),
        # "Has an active referent?" answered from the index alone (lists without a referent).
        Index(
            "ix_notebook_member_territory_id_notebook_id_referent",
            "territory_id",
            "notebook_id",
            "is_referent",
            "active",
        ),
        UniqueConstraint("notebook_id", "user_id"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notebook_id: Mapped[int] = mapped_column(
        ForeignKey("notebook.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    is_referent: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notebook: Mapped[Notebook] = relationship(back_populates="members")
    user = relationship("User", lazy="joined")
    structure = relationship("Structure", lazy="joined")


class Consent(TerritoryScoped, TimestampMixin, db.Model):
    """The person's decision on sharing their notebook with one professional (or a whole structure).

    One row per request; granting, refusing and revoking update it, and the timeline keeps the
    history. A grant is valid until `expires_at`, after which the person is asked again.
    """

    __tablename__ = "consent"
    __table_args__ = (
        Index("ix_consent_territory_id_notebook_id", "territory_id", "notebook_id"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notebook_id: Mapped[int] = mapped_column(
        ForeignKey("notebook.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    status: Mapped[ConsentStatus] = mapped_column(
        labelled_enum(ConsentStatus), default=ConsentStatus.REQUESTED
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A month before a grant lapses the person is asked once to renew it (app/carnet/renewals.py);
    # both refer to the period that began at `decided_at`.
    renewal_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renewal_declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notebook: Mapped[Notebook] = relationship(back_populates="consents")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    structure = relationship("Structure", lazy="joined")
    requested_by = relationship("User", foreign_keys=[requested_by_id])

    def is_valid(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.status == ConsentStatus.GRANTED and (
            self.expires_at is None or self.expires_at > now
        )

    @property
    def is_expired(self) -> bool:
        return self.status == ConsentStatus.GRANTED and not self.is_valid()


class Barrier(TerritoryScoped, TimestampMixin, db.Model):
    """A barrier to employment ("frein")."""

    __tablename__ = "barrier"
    __table_args__ = (
        Index("ix_barrier_territory_id_notebook_id", "territory_id", "notebook_id"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notebook_id: Mapped[int] = mapped_column(
        ForeignKey("notebook.id", ondelete="CASCADE"), index=True
    )
    theme: Mapped[BarrierTheme] = mapped_column(labelled_enum(BarrierTheme))
    situation: Mapped[str] = mapped_column(Text)
    status: Mapped[BarrierStatus] = mapped_column(
        labelled_enum(BarrierStatus), default=BarrierStatus.IDENTIFIED
    )
    visibility: Mapped[Visibility] = mapped_column(
        labelled_enum(Visibility), default=Visibility.DETAIL
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notebook: Mapped[Notebook] = relationship(back_populates="barriers")
    created_by = relationship("User")
    objectives: Mapped[list[Objective]] = relationship(
        back_populates="barrier", cascade="all, delete-orphan", order_by="Objective.created_at"
    )


class Objective(TerritoryScoped, TimestampMixin, db.Model):
    __tablename__ = "objective"
    __table_args__ = (
        Index("ix_objective_territory_id_barrier_id", "territory_id", "barrier_id"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    barrier_id: Mapped[int] = mapped_column(
        ForeignKey("barrier.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[ObjectiveStatus] = mapped_column(
        labelled_enum(ObjectiveStatus), default=ObjectiveStatus.IN_PROGRESS
    )

    barrier: Mapped[Barrier] = relationship(back_populates="objectives")
    actions: Mapped[list[Action]] = relationship(
        back_populates="objective", cascade="all, delete-orphan", order_by="Action.created_at"
    )


class Action(TerritoryScoped, TimestampMixin, db.Model):
    __tablename__ = "action"
    __table_args__ = (
        Index("ix_action_territory_id_objective_id", "territory_id", "objective_id"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("objective.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[ActionStatus] = mapped_column(
        labelled_enum(ActionStatus), default=ActionStatus.PLANNED
    )
    start_date: Mapped[date | None] = mapped_column(Date)
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    # A DORA service sheet, once DORA exists (no foreign key yet: the table comes with DORA).
    dora_service_id: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    objective: Mapped[Objective] = relationship(back_populates="actions")
    structure = relationship("Structure")


class Interview(TerritoryScoped, TimestampMixin, db.Model):
    """A meeting summary ("récapitulatif d'entretien"), shared with the person."""

    __tablename__ = "interview"
    __table_args__ = (
        Index("ix_interview_territory_id_notebook_id", "territory_id", "notebook_id"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notebook_id: Mapped[int] = mapped_column(
        ForeignKey("notebook.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    date: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)

    notebook: Mapped[Notebook] = relationship(back_populates="interviews")
    author = relationship("User", lazy="joined")


class Appointment(TerritoryScoped, TimestampMixin, db.Model):
    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_territory_id_notebook_id", "territory_id", "notebook_id"),
        # A professional's upcoming appointments (their home): from their memberships, soonest
        # first, without walking the territory's appointments.
        Index("ix_appointment_member_id_at", "member_id", "at"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notebook_id: Mapped[int] = mapped_column(
        ForeignKey("notebook.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("notebook_member.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[AppointmentStatus] = mapped_column(
        labelled_enum(AppointmentStatus), default=AppointmentStatus.PLANNED
    )

    notebook: Mapped[Notebook] = relationship(back_populates="appointments")
    member = relationship("NotebookMember")


class TimelineEvent(TerritoryScoped, db.Model):
    """One change of the notebook, shown as its history."""

    __tablename__ = "timeline_event"
    __table_args__ = (
        # A notebook's latest history in order, without sorting the whole of it.
        Index("ix_timeline_event_territory_id_notebook_id_at", "territory_id", "notebook_id", "at"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notebook_id: Mapped[int] = mapped_column(
        ForeignKey("notebook.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(
        String(30)
    )  # barrier, objective, action, interview, member, consent…
    summary: Mapped[str] = mapped_column(String(300))
    # The barrier the change belongs to (its objectives, actions): its visibility applies.
    barrier_id: Mapped[int | None] = mapped_column(
        ForeignKey("barrier.id", ondelete="CASCADE"), index=True
    )

    notebook: Mapped[Notebook] = relationship(back_populates="events")
    actor = relationship("User", lazy="joined")
    barrier = relationship("Barrier")


class SurveyResponse(TerritoryScoped, db.Model):
    """An answer (or a skip) to the in-app questionnaire feeding the survey indicators."""

    __tablename__ = "survey_response"
    __table_args__ = (
        Index("ix_survey_response_territory_id_user_id", "territory_id", "user_id"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    respondent: Mapped[str] = mapped_column(String(20))  # beneficiary | professional
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    recommends: Mapped[bool | None]
    avoided_repeating: Mapped[bool | None]  # people
    helped_lift_barrier: Mapped[bool | None]  # people
    discovered_information: Mapped[bool | None]  # professionals
    time_saved_percent: Mapped[int | None]  # professionals, 0–100


class ApiToken(TerritoryScoped, TimestampMixin, db.Model):
    """A token for a structure's or an information system's access to the Carnet API."""

    __tablename__ = "api_token"
    __table_args__ = (
        Index("ix_api_token_territory_id_created_at", "territory_id", "created_at"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    structure = relationship("Structure")


# The notebook's referent, kept on the notebook


def active_referent_of(notebook_id):
    """The user id of the notebook's active referent (the earliest to join if several), as a
    scalar subquery correlated to `notebook_id` (a column or a value)."""
    return (
        select(NotebookMember.user_id)
        .where(
            NotebookMember.notebook_id == notebook_id,
            NotebookMember.is_referent.is_(True),
            NotebookMember.active.is_(True),
        )
        .order_by(NotebookMember.joined_at, NotebookMember.id)
        .limit(1)
        .scalar_subquery()
    )


_REFERENT_FIELDS = ("is_referent", "active", "notebook_id")


def _changes_referent(member, session) -> bool:
    if member in session.new or member in session.deleted:
        return True
    state = attributes.instance_state(member)
    return any(state.attrs[name].history.has_changes() for name in _REFERENT_FIELDS)


@event.listens_for(Session, "after_flush")
def _keep_referent(session, flush_context) -> None:
    """Whatever wrote the members (a coordinator naming a referent, a professional joining, an
    import, a test's factory), `Notebook.referent_id` follows them in the same transaction."""
    touched = {
        notebook_id
        for member in (*session.new, *session.dirty, *session.deleted)
        if isinstance(member, NotebookMember) and _changes_referent(member, session)
        for notebook_id in (
            member.notebook_id,
            *attributes.instance_state(member).attrs.notebook_id.history.deleted,
        )
        if notebook_id is not None
    }
    if not touched:
        return
    table = Notebook.__table__
    connection = session.connection()
    connection.execute(
        update(table)
        .where(table.c.id.in_(touched))
        .values(referent_id=active_referent_of(table.c.id))
    )
    referents = connection.execute(
        select(table.c.id, table.c.referent_id).where(table.c.id.in_(touched))
    ).all()
    for notebook_id, referent_id in referents:
        notebook = session.identity_map.get(session.identity_key(Notebook, notebook_id))
        if notebook is not None:
            attributes.set_committed_value(notebook, "referent_id", referent_id)
