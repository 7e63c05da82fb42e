"""The delegation agreement (convention de délégation de gestion) and its append-only ledger.

Reference data (convention, parties, start-ups, cost centres) comes from the agreement; amendments
and annexes are edited by the délégant; envelopes (AE/CP per start-up and budget year) change only
through allocation changes; commitments, payments and cancellations are never updated or deleted.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import TimestampMixin, UTCDateTime
from app.extensions import db

Money = Numeric(14, 2)


def _enum(cls):
    return Enum(cls, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])


class Convention(db.Model):
    """The agreement, with the CHORUS imputation references every expense carries."""

    __tablename__ = "convention"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    object: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date]
    notice_months: Mapped[int] = mapped_column(default=3)
    chorus_programme: Mapped[str] = mapped_column(String(10))
    chorus_programme_label: Mapped[str] = mapped_column(String(120))
    chorus_functional_domain: Mapped[str] = mapped_column(String(20))
    chorus_financial_centre: Mapped[str] = mapped_column(String(40))
    chorus_financial_centre_label: Mapped[str] = mapped_column(String(120))

    parties: Mapped[list[Party]] = relationship(back_populates="convention", order_by="Party.id")
    startups: Mapped[list[Startup]] = relationship(
        back_populates="convention", order_by="Startup.id"
    )
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="convention", order_by="Amendment.number"
    )


class Party(db.Model):
    """DGEFP (délégant), DNUM (délégataire), DINUM."""

    __tablename__ = "party"

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("convention.id"))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # delegant, delegataire, dinum
    address: Mapped[str] = mapped_column(Text)

    convention: Mapped[Convention] = relationship(back_populates="parties")


class Startup(db.Model):
    """A state start-up financed by an annex of the agreement."""

    __tablename__ = "startup"

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("convention.id"))
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    annex_number: Mapped[int]
    period_start: Mapped[date]
    period_end: Mapped[date]
    budget: Mapped[Decimal] = mapped_column(Money)
    purpose: Mapped[str] = mapped_column(Text, default="")
    activity_code: Mapped[str] = mapped_column(String(20), default="")
    cost_centre_id: Mapped[int | None] = mapped_column(ForeignKey("cost_centre.id"))

    convention: Mapped[Convention] = relationship(back_populates="startups")
    cost_centre: Mapped[CostCentre | None] = relationship()
    annexes: Mapped[list[Annex]] = relationship(
        back_populates="startup", order_by="Annex.period_start"
    )


class CostCentre(db.Model):
    """A DNUM cost centre (centre de coût) listed in the agreement."""

    __tablename__ = "cost_centre"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    designation: Mapped[str] = mapped_column(String(40))
    centre_label: Mapped[str] = mapped_column(String(120))


class Amendment(TimestampMixin, db.Model):
    """An avenant: modifies the agreement (article 6), may extend its end (article 7)."""

    __tablename__ = "amendment"
    __table_args__ = (
        UniqueConstraint("convention_id", "number"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("convention.id"))
    number: Mapped[int]
    signed_on: Mapped[date]
    object: Mapped[str] = mapped_column(Text)
    document_reference: Mapped[str] = mapped_column(String(120), default="")
    extends_to: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    convention: Mapped[Convention] = relationship(back_populates="amendments")


class Annex(TimestampMixin, db.Model):
    """A start-up's annex: its period, budget and roadmap (new or amending, per amendment)."""

    __tablename__ = "annex"
    __table_args__ = (
        CheckConstraint("budget >= 0", name="budget_not_negative"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startup.id"), index=True)
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id"))
    number: Mapped[int]
    period_start: Mapped[date]
    period_end: Mapped[date]
    budget: Mapped[Decimal] = mapped_column(Money)
    roadmap: Mapped[str] = mapped_column(Text, default="")

    startup: Mapped[Startup] = relationship(back_populates="annexes")
    amendment: Mapped[Amendment | None] = relationship()


class Envelope(db.Model):
    """A start-up's AE and CP for one budget year, with what the ledger has consumed of them.

    `ae_consumed` and `cp_consumed` are maintained by `ledger.py` only, under a lock on this row;
    the check constraints make the database refuse any write that would overspend.
    """

    __tablename__ = "envelope"
    __table_args__ = (
        UniqueConstraint("startup_id", "year"),
        CheckConstraint("ae_consumed <= ae_allocated", name="ae_not_overspent"),
        CheckConstraint("cp_consumed <= cp_allocated", name="cp_not_overspent"),
        CheckConstraint("ae_consumed >= 0 AND cp_consumed >= 0", name="consumed_positive"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startup.id"))
    year: Mapped[int]
    ae_allocated: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    cp_allocated: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    ae_consumed: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    cp_consumed: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    startup: Mapped[Startup] = relationship()

    @property
    def ae_remaining(self) -> Decimal:
        return self.ae_allocated - self.ae_consumed

    @property
    def cp_remaining(self) -> Decimal:
        return self.cp_allocated - self.cp_consumed


class AllocationSource(enum.StrEnum):
    AMENDMENT = "amendment"
    COMMITTEE = "committee"
    BALANCE = "balance"

    @property
    def label(self) -> str:
        return {
            AllocationSource.AMENDMENT: "Avenant (annexe)",
            AllocationSource.COMMITTEE: "Décision du comité d'investissement",
            AllocationSource.BALANCE: "Décision du délégant sur le solde (art. 4.2)",
        }[self]


class AllocationChange(TimestampMixin, db.Model):
    """One change of an envelope's allocation, with where it comes from, why and from when
    (history)."""

    __tablename__ = "allocation_change"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    envelope_id: Mapped[int] = mapped_column(ForeignKey("envelope.id"), index=True)
    # The day the change takes effect (the amendment's signature, the committee's date, or the
    # day it is recorded): what a committee's report reads to show the allocation at its date.
    effective_on: Mapped[date]
    source: Mapped[AllocationSource] = mapped_column(_enum(AllocationSource))
    ae_delta: Mapped[Decimal] = mapped_column(Money)
    cp_delta: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id"))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("committee_review.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    envelope: Mapped[Envelope] = relationship()
    amendment: Mapped[Amendment | None] = relationship()


class LegalAct(enum.StrEnum):
    PUBLIC_CONTRACT = "public_contract"
    FRAMEWORK_AGREEMENT = "framework_agreement"
    CONVENTION = "convention"
    SUBSIDY = "subsidy"

    @property
    def label(self) -> str:
        return {
            LegalAct.PUBLIC_CONTRACT: "Marché public",
            LegalAct.FRAMEWORK_AGREEMENT: "Accord-cadre",
            LegalAct.CONVENTION: "Convention",
            LegalAct.SUBSIDY: "Subvention à un opérateur (art. 4.4)",
        }[self]


class Commitment(TimestampMixin, db.Model):
    """An engagement juridique: counts against the AE of the year of its date. Never updated."""

    __tablename__ = "commitment"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startup.id"), index=True)
    envelope_id: Mapped[int] = mapped_column(ForeignKey("envelope.id"), index=True)
    committed_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money)
    legal_act: Mapped[LegalAct] = mapped_column(_enum(LegalAct))
    supplier: Mapped[str] = mapped_column(String(200))
    object: Mapped[str] = mapped_column(Text)
    functional_domain: Mapped[str] = mapped_column(String(20))
    financial_centre: Mapped[str] = mapped_column(String(40))
    cost_centre_id: Mapped[int] = mapped_column(ForeignKey("cost_centre.id"))
    activity_code: Mapped[str] = mapped_column(String(20), default="")
    chorus_number: Mapped[str] = mapped_column(String(40), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    startup: Mapped[Startup] = relationship()
    envelope: Mapped[Envelope] = relationship()
    cost_centre: Mapped[CostCentre] = relationship()


class Payment(TimestampMixin, db.Model):
    """A payment against a commitment: counts against the CP of the year of its date."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    envelope_id: Mapped[int] = mapped_column(ForeignKey("envelope.id"), index=True)
    paid_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money)
    chorus_number: Mapped[str] = mapped_column(String(40), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    commitment: Mapped[Commitment] = relationship()
    envelope: Mapped[Envelope] = relationship()


class Cancellation(TimestampMixin, db.Model):
    """A correction: cancels (part of) a commitment or a payment, with its reason."""

    __tablename__ = "cancellation"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("(commitment_id IS NULL) <> (payment_id IS NULL)", name="one_target"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), index=True)
    envelope_id: Mapped[int] = mapped_column(ForeignKey("envelope.id"), index=True)
    cancelled_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    commitment: Mapped[Commitment | None] = relationship()
    payment: Mapped[Payment | None] = relationship()


class Decision(enum.StrEnum):
    CONTINUE = "continue"
    PIVOT = "pivot"
    STOP = "stop"
    SCALE_OUT = "scale_out"

    @property
    def label(self) -> str:
        return {
            Decision.CONTINUE: "Poursuivre",
            Decision.PIVOT: "Pivoter",
            Decision.STOP: "Arrêter",
            Decision.SCALE_OUT: "Essaimer sur de nouveaux territoires",
        }[self]


class Committee(TimestampMixin, db.Model):
    """A six-monthly investment committee (article 2)."""

    __tablename__ = "committee"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    reviews: Mapped[list[CommitteeReview]] = relationship(
        back_populates="committee", order_by="CommitteeReview.startup_id"
    )


class CommitteeReview(db.Model):
    """One start-up before a committee: its indicators and budget snapshotted, then a decision
    (the clause de revoyure) with the next six months' budget."""

    __tablename__ = "committee_review"
    __table_args__ = (
        UniqueConstraint("committee_id", "startup_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"))
    startup_id: Mapped[int] = mapped_column(ForeignKey("startup.id"))
    indicators: Mapped[list] = mapped_column(JSON, default=list)
    budget: Mapped[dict] = mapped_column(JSON, default=dict)
    decision: Mapped[Decision | None] = mapped_column(_enum(Decision))
    next_year: Mapped[int | None]
    next_ae: Mapped[Decimal | None] = mapped_column(Money)
    next_cp: Mapped[Decimal | None] = mapped_column(Money)
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    committee: Mapped[Committee] = relationship(back_populates="reviews")
    startup: Mapped[Startup] = relationship()
    comments: Mapped[list[ReviewComment]] = relationship(order_by="ReviewComment.id")


class ReviewComment(TimestampMixin, db.Model):
    """A party's comment on a start-up's review (the DINUM co-steers)."""

    __tablename__ = "review_comment"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("committee_review.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)

    author = relationship("User")


class SubsidyReport(TimestampMixin, db.Model):
    """A report the délégataire expects from an operator it subsidises (article 4.4): what is
    expected and by when; marked received once it arrives (a new fact, never an edit)."""

    __tablename__ = "subsidy_report"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    due_on: Mapped[date]
    expected: Mapped[str] = mapped_column(String(300))
    received_on: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    commitment: Mapped[Commitment] = relationship()

    def status(self, today: date) -> str:
        if self.received_on:
            return "received"
        return "late" if self.due_on < today else "expected"


class ChorusRetranscription(TimestampMixin, db.Model):
    """The CHORUS document number of a commitment or payment, recorded once it is retranscribed
    (a new fact beside the ledger row, which is never updated)."""

    __tablename__ = "chorus_retranscription"
    __table_args__ = (
        CheckConstraint("(commitment_id IS NULL) <> (payment_id IS NULL)", name="one_target"),
        UniqueConstraint("commitment_id"),
        UniqueConstraint("payment_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    number: Mapped[str] = mapped_column(String(40))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
