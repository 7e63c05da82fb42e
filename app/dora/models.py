"""DORA: the offer of a territory — providers (a DORA profile of a shared `Structure`), their
members, their service sheets ("fiches solutions"), suggestions from caseworkers, bulk imports,
and the communes the eligibility zones and addresses refer to.

The vocabularies (thematiques, types, fees, publics, reception and mobilisation modes, networks)
are the enums of the data·inclusion schema v1 (`data-inclusion-schema` on PyPI), with their own
French labels: they are never retyped here.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from data_inclusion.schema import v1 as di
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import LabelledEnum, UTCDateTime, labelled_enum, utcnow
from app.core.scoping import TerritoryScoped
from app.extensions import db

# The referentials, from the data·inclusion schema v1 (value, .label, .description).
Thematique = di.Thematique
Categorie = di.Categorie
TypeService = di.TypeService
Frais = di.Frais
Public = di.Public
ModeAccueil = di.ModeAccueil
ModeMobilisation = di.ModeMobilisation
PersonneMobilisatrice = di.PersonneMobilisatrice
ReseauPorteur = di.ReseauPorteur

# The experiment's themes (the seed: mobility, childcare, housing; health in the next phase).
EXPERIMENT_THEMES = (
    Categorie.MOBILITE,
    Categorie.FAMILLE,
    Categorie.LOGEMENT_HEBERGEMENT,
)
# A sheet on the experiment's themes is "à actualiser" 15 days after its last confirmation.
EXPERIMENT_FREQUENCY_DAYS = 15
DEFAULT_FREQUENCY_DAYS = 30


def category_of(thematique: str) -> str:
    """'mobilite--preparer-un-permis' → 'mobilite'."""
    return thematique.split("--", 1)[0]


def thematiques_of(category: str) -> list[Thematique]:
    return [t for t in Thematique if category_of(t.value) == category]


class Moderation(LabelledEnum):
    TO_MODERATE = "to_moderate"
    VALIDATED = "validated"


Moderation.LABELS = {"to_moderate": "À modérer", "validated": "Validée"}


class ServiceStatus(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


ServiceStatus.LABELS = {"draft": "Brouillon", "published": "Publiée", "archived": "Archivée"}


class MemberStatus(LabelledEnum):
    INVITED = "invited"  # an administrator invited them; they have not accepted yet
    REQUESTED = "requested"  # they asked to join; an administrator (or a coordinator) decides
    ACTIVE = "active"


MemberStatus.LABELS = {
    "invited": "Invitation envoyée",
    "requested": "Demande en attente",
    "active": "Membre",
}


class SuggestionStatus(LabelledEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


SuggestionStatus.LABELS = {
    "pending": "En attente",
    "accepted": "Prise en compte",
    "rejected": "Écartée",
}


class JobStatus(LabelledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


JobStatus.LABELS = {
    "queued": "En attente",
    "running": "En cours",
    "done": "Terminé",
    "failed": "Échec",
}


def public_id() -> str:
    """A random identifier for URLs: ids that cannot be walked."""
    return secrets.token_urlsafe(9)


class Commune(db.Model):
    """A commune of a DORA territory (reference data, loaded by `flask seed reference`)."""

    __tablename__ = "dora_commune"
    __table_args__ = (Index("ix_dora_commune_department_name", "department", "name"),)

    code: Mapped[str] = mapped_column(String(5), primary_key=True)  # INSEE code
    name: Mapped[str] = mapped_column(String(120))
    department: Mapped[str] = mapped_column(String(3))
    postal_codes: Mapped[str] = mapped_column(String(120), default="")  # space separated
    epci: Mapped[str | None] = mapped_column(String(9))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    @property
    def postal_code_list(self) -> list[str]:
        return self.postal_codes.split()


class Epci(db.Model):
    """An intercommunality (EPCI, by its SIREN) of a DORA territory (reference data)."""

    __tablename__ = "dora_epci"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    departments: Mapped[str] = mapped_column(String(20), default="")


class Provider(TerritoryScoped, db.Model):
    """The DORA profile of a structure of the territory's directory (one-to-one).

    The organisation itself (name, SIRET, typology, contact, commune) is the shared `Structure`,
    the same record Carnet de bord uses; what only DORA needs lives here.
    """

    __tablename__ = "dora_provider"
    __table_args__ = (
        UniqueConstraint("structure_id"),
        Index("ix_dora_provider_territory_id_moderation", "territory_id", "moderation"),
        Index("ix_dora_provider_territory_id_source", "territory_id", "source", "source_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(16), unique=True, default=public_id)
    short_description: Mapped[str] = mapped_column(String(280), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    networks: Mapped[list] = mapped_column(JSON, default=list)  # ReseauPorteur values
    address: Mapped[str | None] = mapped_column(String(250))
    address_complement: Mapped[str | None] = mapped_column(String(250))
    code_insee: Mapped[str | None] = mapped_column(String(5))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    website: Mapped[str | None] = mapped_column(String(500))
    opening_hours: Mapped[str | None] = mapped_column(String(500))  # OSM opening_hours
    accessibility_url: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(60), default="dora")
    source_id: Mapped[str | None] = mapped_column(String(120))
    moderation: Mapped[Moderation] = mapped_column(
        labelled_enum(Moderation), default=Moderation.TO_MODERATE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    structure = relationship("Structure", lazy="joined", innerjoin=True)
    services: Mapped[list[Service]] = relationship(
        back_populates="provider", order_by="Service.name"
    )

    @property
    def name(self) -> str:
        return self.structure.name


class ProviderMember(TerritoryScoped, db.Model):
    """A person editing a provider in DORA: an administrator or a member.

    DORA membership only: it never makes anyone a Carnet de bord professional of the structure.
    """

    __tablename__ = "dora_provider_member"
    __table_args__ = (
        UniqueConstraint("provider_id", "user_id"),
        Index("ix_dora_provider_member_territory_id_status", "territory_id", "status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("dora_provider.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[MemberStatus] = mapped_column(labelled_enum(MemberStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    provider: Mapped[Provider] = relationship()
    user = relationship("User", foreign_keys=[user_id])


class Service(TerritoryScoped, db.Model):
    """A service sheet ("fiche solution"): a service a provider offers, in the data·inclusion
    vocabulary, with its freshness (`last_confirmed_at`, `due_at`)."""

    __tablename__ = "dora_service"
    __table_args__ = (
        Index("ix_dora_service_territory_id_status_due_at", "territory_id", "status", "due_at"),
        Index("ix_dora_service_territory_id_provider_id", "territory_id", "provider_id"),
        Index("ix_dora_service_territory_id_source", "territory_id", "source", "source_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=public_id)
    provider_id: Mapped[int] = mapped_column(ForeignKey("dora_provider.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(150))
    summary: Mapped[str] = mapped_column(String(280), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str | None] = mapped_column(String(30))  # TypeService value
    fees: Mapped[str | None] = mapped_column(String(20))  # Frais value
    fees_details: Mapped[str] = mapped_column(Text, default="")
    publics: Mapped[list] = mapped_column(JSON, default=list)  # Public values
    publics_details: Mapped[str] = mapped_column(Text, default="")
    access_conditions: Mapped[str] = mapped_column(Text, default="")
    required_documents: Mapped[str] = mapped_column(Text, default="")
    reception_modes: Mapped[list] = mapped_column(JSON, default=list)  # ModeAccueil values
    address: Mapped[str | None] = mapped_column(String(250))
    address_complement: Mapped[str | None] = mapped_column(String(250))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    commune: Mapped[str | None] = mapped_column(String(120))
    code_insee: Mapped[str | None] = mapped_column(String(5))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    opening_hours: Mapped[str | None] = mapped_column(String(500))
    # How to mobilise the service: ModeMobilisation values, for caseworkers and for people.
    modes_for_professionals: Mapped[list] = mapped_column(JSON, default=list)
    modes_for_people: Mapped[list] = mapped_column(JSON, default=list)
    mobilisation_link: Mapped[str | None] = mapped_column(String(500))
    mobilisation_details: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str | None] = mapped_column(String(150))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_public: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ServiceStatus] = mapped_column(
        labelled_enum(ServiceStatus), default=ServiceStatus.DRAFT
    )
    source: Mapped[str] = mapped_column(String(60), default="dora")
    source_id: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    update_frequency_days: Mapped[int] = mapped_column(Integer, default=EXPERIMENT_FREQUENCY_DAYS)
    # last_confirmed_at + update_frequency_days, kept by every write: lists sort and filter on it.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)

    provider: Mapped[Provider] = relationship(back_populates="services")
    thematique_rows: Mapped[list[ServiceThematique]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ServiceThematique.thematique"
    )
    zone_rows: Mapped[list[ServiceZone]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ServiceZone.code"
    )

    @property
    def thematiques(self) -> list[str]:
        return [row.thematique for row in self.thematique_rows]

    @thematiques.setter
    def thematiques(self, values) -> None:
        wanted = sorted(set(values or []))
        kept = [row for row in self.thematique_rows if row.thematique in wanted]
        have = {row.thematique for row in kept}
        self.thematique_rows = kept + [
            ServiceThematique(thematique=t) for t in wanted if t not in have
        ]

    @property
    def zone(self) -> list[str]:
        return [row.code for row in self.zone_rows]

    @zone.setter
    def zone(self, codes) -> None:
        wanted = list(dict.fromkeys(codes or []))
        kept = [row for row in self.zone_rows if row.code in wanted]
        have = {row.code for row in kept}
        self.zone_rows = kept + [ServiceZone(code=c) for c in wanted if c not in have]

    def mark_confirmed(self, at: datetime) -> None:
        self.last_confirmed_at = at
        self.due_at = at + timedelta(days=self.update_frequency_days)

    def is_due(self, now: datetime | None = None) -> bool:
        """ "À actualiser": its update frequency has passed since it was last confirmed."""
        return self.due_at is not None and self.due_at <= (now or utcnow())


class ServiceThematique(db.Model):
    """A thematique of a sheet (a table rather than a list: the search filters on it)."""

    __tablename__ = "dora_service_thematique"
    __table_args__ = (Index("ix_dora_service_thematique_thematique", "thematique", "service_id"),)

    service_id: Mapped[int] = mapped_column(
        ForeignKey("dora_service.id", ondelete="CASCADE"), primary_key=True
    )
    thematique: Mapped[str] = mapped_column(String(120), primary_key=True)


class ServiceZone(db.Model):
    """A code of a sheet's eligibility zone: a commune (INSEE), an EPCI (SIREN), a department,
    or 'france' — the schema's `zone_eligibilite`. The search matches a person's commune, its
    EPCI, its department and 'france' against these rows."""

    __tablename__ = "dora_service_zone"
    __table_args__ = (Index("ix_dora_service_zone_code", "code", "service_id"),)

    service_id: Mapped[int] = mapped_column(
        ForeignKey("dora_service.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(9), primary_key=True)


class ServiceSearchRow(db.Model):
    """The search's narrow copy of a published sheet: one row per eligibility zone code and
    theme the sheet answers (each of its thematiques and their categories), with the columns
    the search filters and orders on. Kept by the same flush hook as the full-text index
    (`search.py`), in the sheet's own transaction; clustered by (zone, theme) on SQLite (no
    rowid), so a search reads a few compact pages rather than every matching sheet's wide row.

    A sheet is found once per search: zone codes another of its codes covers for every commune
    are left out (a commune inside one of its EPCIs or departments, anything besides 'france');
    an EPCI row carries the sheet's departments, for EPCIs that straddle one of them.

    Within a zone and theme, rows are stored by the grid cell of the sheet's place (`cell`,
    about 11 km a side; -1 without coordinates): a search reads the cells around the commune
    first, where the nearest sheets are, rather than ordering every sheet of the zone."""

    __tablename__ = "dora_service_search"
    __table_args__ = (
        Index("ix_dora_service_search_service_id", "service_id"),
        {"sqlite_with_rowid": False},
    )

    zone: Mapped[str] = mapped_column(String(9), primary_key=True)
    theme: Mapped[str] = mapped_column(String(120), primary_key=True)
    cell: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("dora_service.id", ondelete="CASCADE"), primary_key=True
    )
    departments: Mapped[str] = mapped_column(String(400), default="")  # "|44|49|", EPCI rows
    thematiques: Mapped[str] = mapped_column(Text, default="")  # "|mobilite--…|…|"
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    name: Mapped[str] = mapped_column(String(150))
    type: Mapped[str | None] = mapped_column(String(30))
    fees: Mapped[str | None] = mapped_column(String(20))
    publics: Mapped[list] = mapped_column(JSON)
    reception_modes: Mapped[list] = mapped_column(JSON)


class Suggestion(TerritoryScoped, db.Model):
    """A caseworker's report of an error, or proposed change, on a published sheet."""

    __tablename__ = "dora_suggestion"
    __table_args__ = (
        Index("ix_dora_suggestion_territory_id_status", "territory_id", "status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("dora_service.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[SuggestionStatus] = mapped_column(
        labelled_enum(SuggestionStatus), default=SuggestionStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    service: Mapped[Service] = relationship()
    author = relationship("User", foreign_keys=[author_id])


class ImportJob(TerritoryScoped, db.Model):
    """A bulk import of structures and sheets, run in the background by `flask dora worker`."""

    __tablename__ = "dora_import_job"
    __table_args__ = (
        Index("ix_dora_import_job_territory_id_created_at", "territory_id", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=public_id)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[JobStatus] = mapped_column(labelled_enum(JobStatus), default=JobStatus.QUEUED)
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[list] = mapped_column(JSON, default=list)  # [{"line", "kind", "message"}]
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0


# The search, orientations and the searchers' feedback (issue "DORA, the search").


class OrientationStatus(LabelledEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    EXPIRED = "expired"


OrientationStatus.LABELS = {
    "open": "En attente de réponse",
    "accepted": "Acceptée",
    "refused": "Refusée",
    "expired": "Expirée sans réponse",
}


class ContactPreference(LabelledEnum):
    PHONE = "phone"
    EMAIL = "email"
    CASEWORKER = "caseworker"


ContactPreference.LABELS = {
    "phone": "Par téléphone",
    "email": "Par courriel",
    "caseworker": "En passant par l'accompagnateur·rice",
}


class FeedbackKind(LabelledEnum):
    NO_SOLUTION = "no_solution"
    KNOWN_SOLUTION = "known_solution"


FeedbackKind.LABELS = {
    "no_solution": "Pas de solution trouvée",
    "known_solution": "Solution connue à ajouter",
}


class SearchLog(TerritoryScoped, db.Model):
    """One submitted search (commune + theme + answers), without personal data: never a name,
    never the keywords typed; refining its filters updates the same row."""

    __tablename__ = "dora_search_log"
    __table_args__ = (
        Index("ix_dora_search_log_territory_id_created_at", "territory_id", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=public_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    commune_code: Mapped[str] = mapped_column(String(5))
    theme: Mapped[str] = mapped_column(String(120))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    with_keywords: Mapped[bool] = mapped_column(Boolean, default=False)
    result_count: Mapped[int] = mapped_column(Integer, default=0)
    by_caseworker: Mapped[bool] = mapped_column(Boolean, default=False)
    sheet_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    oriented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Orientation(TerritoryScoped, db.Model):
    """A caseworker sends a person to a sheet's structure, which accepts or refuses through a
    signed link; states and transitions are declared in `orientations.py`."""

    __tablename__ = "dora_orientation"
    __table_args__ = (
        Index("ix_dora_orientation_territory_id_status", "territory_id", "status", "created_at"),
        Index("ix_dora_orientation_territory_id_created_by", "territory_id", "created_by_id"),
        Index("ix_dora_orientation_territory_id_barrier", "territory_id", "barrier_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=public_id)
    service_id: Mapped[int] = mapped_column(ForeignKey("dora_service.id", ondelete="CASCADE"))
    search_id: Mapped[int | None] = mapped_column(
        ForeignKey("dora_search_log.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # From a notebook's barrier: the orientation is an action under it (Carnet de bord).
    barrier_id: Mapped[int | None] = mapped_column(ForeignKey("barrier.id", ondelete="SET NULL"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id", ondelete="SET NULL"))
    # The person (erased by the anonymisation after two years).
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    contact_preference: Mapped[ContactPreference] = mapped_column(
        labelled_enum(ContactPreference), default=ContactPreference.CASEWORKER
    )
    situation: Mapped[str] = mapped_column(Text, default="")
    criteria: Mapped[list] = mapped_column(JSON, default=list)  # the criteria met, as labels
    reason: Mapped[str] = mapped_column(Text, default="")
    person_agreed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[OrientationStatus] = mapped_column(
        labelled_enum(OrientationStatus), default=OrientationStatus.OPEN
    )
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_on: Mapped[date | None] = mapped_column(Date)
    # Bumped to void every link mailed before (a renewed link replaces the old one).
    link_version: Mapped[int] = mapped_column(Integer, default=1)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    service: Mapped[Service] = relationship()
    created_by = relationship("User", foreign_keys=[created_by_id])
    events: Mapped[list[OrientationEvent]] = relationship(
        back_populates="orientation",
        cascade="all, delete-orphan",
        order_by="OrientationEvent.id",
    )

    @property
    def person_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class OrientationEvent(TerritoryScoped, db.Model):
    """One step of an orientation's history (its state changes, reminders, renewed links)."""

    __tablename__ = "dora_orientation_event"
    __table_args__ = (
        Index(
            "ix_dora_orientation_event_territory_id_orientation", "territory_id", "orientation_id"
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    orientation_id: Mapped[int] = mapped_column(
        ForeignKey("dora_orientation.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    transition: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    by_structure: Mapped[bool] = mapped_column(Boolean, default=False)

    orientation: Mapped[Orientation] = relationship(back_populates="events")


class SearchFeedback(TerritoryScoped, db.Model):
    """ "Je n'ai pas trouvé de solution" or "je connais une solution", for the coordinator's
    queue; unmet needs by theme and commune make the tension indicator."""

    __tablename__ = "dora_search_feedback"
    __table_args__ = (
        Index("ix_dora_search_feedback_territory_id_status", "territory_id", "status", "kind"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FeedbackKind] = mapped_column(labelled_enum(FeedbackKind))
    search_id: Mapped[int | None] = mapped_column(
        ForeignKey("dora_search_log.id", ondelete="SET NULL")
    )
    commune_code: Mapped[str] = mapped_column(String(5))
    theme: Mapped[str] = mapped_column(String(120))
    need: Mapped[str] = mapped_column(String(300), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    # "Je connais une solution": the structure (an existing provider, or a name) and the service.
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("dora_provider.id", ondelete="SET NULL")
    )
    structure_name: Mapped[str] = mapped_column(String(150), default="")
    service_name: Mapped[str] = mapped_column(String(150), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[SuggestionStatus] = mapped_column(
        labelled_enum(SuggestionStatus), default=SuggestionStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    draft_service_id: Mapped[int | None] = mapped_column(
        ForeignKey("dora_service.id", ondelete="SET NULL")
    )

    provider: Mapped[Provider | None] = relationship()


class TimeSavedAnswer(TerritoryScoped, db.Model):
    """A caseworker's answer to "avez-vous gagné du temps ?" (asked at most once a month)."""

    __tablename__ = "dora_time_saved_answer"
    __table_args__ = (
        Index("ix_dora_time_saved_answer_territory_id_user", "territory_id", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_time: Mapped[bool | None] = mapped_column(Boolean)  # None: skipped
