"""Ids never reused on SQLite (AUTOINCREMENT); the API token that created a person

Revision ID: b7e2d4c9a1f3
Revises: 88d287d6920f
Create Date: 2026-11-29 10:40:00

SQLite hands out again the highest id of a deleted row unless the table is AUTOINCREMENT: the
notebook created after an erasure got the erased one's id and its history. SQLite cannot alter
that on a table: each one is rebuilt (copy, drop, rename). This runs with foreign keys off
(migrations/env.py sets it outside the transaction; dropping the old copy with the keys on would
delete its child rows), counts each table's rows before and after, and fails if one differs.
PostgreSQL's sequences never reuse an id: nothing to rebuild there.

Audit entries written before the one history recorder carried the titles typed about the person
("objective: Objectif ajouté : <title>"): they keep what happened (the kind), not the text.
"""

import sqlalchemy as sa
from alembic import op

revision = "b7e2d4c9a1f3"
down_revision = "88d287d6920f"
branch_labels = None
depends_on = None

# Parents before children (the order changes nothing with the keys off, but reads naturally).
TABLES = (
    "territory",
    "structure",
    "user",
    "membership",
    "login_token",
    "invitation",
    "audit_entry",
    "outgoing_mail",
    "api_token",
    "beneficiary",
    "notebook",
    "notebook_member",
    "consent",
    "barrier",
    "objective",
    "action",
    "interview",
    "appointment",
    "timeline_event",
    "survey_response",
)


def _counts(bind) -> dict[str, int]:
    return {
        table: bind.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar()
        for table in TABLES
    }


def _rebuild(autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "Rebuilding SQLite tables needs PRAGMA foreign_keys=OFF (set by migrations/env.py "
            "outside the transaction): with the keys on, child rows would be deleted."
        )
    before = _counts(bind)
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
    after = _counts(bind)
    lost = {t: (before[t], after[t]) for t in TABLES if before[t] != after[t]}
    if lost:
        raise RuntimeError(f"Rows lost while rebuilding tables (before, after): {lost}")


def _forget_typed_text() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, detail FROM audit_entry WHERE object_type = 'notebook' "
            "AND (detail LIKE 'objective: %' OR detail LIKE 'action: %')"
        )
    ).fetchall()
    for row_id, detail in rows:
        bind.execute(
            sa.text("UPDATE audit_entry SET detail = :detail WHERE id = :id"),
            {"detail": detail.split(":", 1)[0], "id": row_id},
        )


def upgrade():
    _forget_typed_text()
    with op.batch_alter_table("beneficiary", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by_token_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_beneficiary_created_by_token_id_api_token"),
            "api_token",
            ["created_by_token_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _rebuild(autoincrement=True)


def downgrade():
    _rebuild(autoincrement=False)
    with op.batch_alter_table("beneficiary", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_beneficiary_created_by_token_id_api_token"), type_="foreignkey"
        )
        batch_op.drop_column("created_by_token_id")
