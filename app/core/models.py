"""Shared column helpers and the audit log."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

# In `__table_args__` of every table whose ids people see or the audit log points to: SQLite then
# never hands out again the id of a deleted row (PostgreSQL sequences never do). Without it, the
# next notebook created after an erasure would get the erased one's id, and its history. A
# migration that rebuilds such a table on SQLite (Alembic batch mode) passes
# `table_kwargs={"sqlite_autoincrement": True}`; tests/core/test_migrations.py checks it.
NEVER_REUSED = {"sqlite_autoincrement": True}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(db.TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class AuditEntry(db.Model):
    """Who did what to which record, and when. Read by the people the records are about."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_object", "object_type", "object_id", "at"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id"))
    action: Mapped[str] = mapped_column(String(40))  # viewed, created, updated, refused, login…
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(Text, default="")


def labelled_enum(enum_cls):
    """A column of a LabelledEnum, stored as its value (a string), checked on write."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=30,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class LabelledEnum(enum.StrEnum):
    """An enum whose French labels live on the enum (`LABELS`, by value)."""

    @property
    def label(self) -> str:
        return self.LABELS[self.value]  # type: ignore[attr-defined]

    @classmethod
    def choices(cls):
        return [(m.value, m.label) for m in cls]


def render_migration_item(type_, obj, autogen_context):
    """Alembic: write our UTCDateTime as a plain timezone-aware DateTime in migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_in_migrations(obj, name, type_, reflected, compare_to):
    """Alembic: full-text tables (`*_fts`, and SQLite's FTS5 shadow tables `*_fts_*`) and
    full-text columns (`fts_*`) are made by hand in their migration, per database;
    autogenerate leaves them alone."""
    if type_ in ("table", "index") and reflected and compare_to is None:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
        if table and (table.endswith("_fts") or "_fts_" in table):
            return False
    hand_made_column = type_ == "column" and reflected and compare_to is None
    return not (hand_made_column and name.startswith("fts_"))


class OutgoingMail(db.Model):
    """A mail queued in a request's transaction, sent after its commit (retried if that failed)."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_sent_at_id", "sent_at", "id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
