"""Platform: per-territory service switches, the outgoing mail queue

Revision ID: a1c0f5e2b7d1
Revises: f4594e3ef9e2
Create Date: 2026-11-29 10:00:00

The territory's carnet_enabled / dora_enabled columns become rows of territory_service, so that a
new service or territory needs no schema change.
"""

import sqlalchemy as sa
from alembic import op

revision = "a1c0f5e2b7d1"
down_revision = "f4594e3ef9e2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "territory_service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=30), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territory.id"],
            name=op.f("fk_territory_service_territory_id_territory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory_service")),
        sa.UniqueConstraint(
            "territory_id", "service", name=op.f("uq_territory_service_territory_id")
        ),
    )
    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("to", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
    )
    op.create_index(
        "ix_outgoing_mail_sent_at_id", "outgoing_mail", ["sent_at", "id"], unique=False
    )
    bind = op.get_bind()
    for service in ("carnet", "dora"):
        bind.execute(
            sa.text(
                "INSERT INTO territory_service (territory_id, service, enabled, changed_at) "
                f"SELECT id, '{service}', {service}_enabled, CURRENT_TIMESTAMP FROM territory"
            )
        )
    with op.batch_alter_table("territory", schema=None) as batch_op:
        batch_op.drop_column("dora_enabled")
        batch_op.drop_column("carnet_enabled")


def downgrade():
    with op.batch_alter_table("territory", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("carnet_enabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("dora_enabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    bind = op.get_bind()
    for service in ("carnet", "dora"):
        bind.execute(
            sa.text(
                f"UPDATE territory SET {service}_enabled = COALESCE((SELECT enabled FROM "
                "territory_service s WHERE s.territory_id = territory.id "
                f"AND s.service = '{service}'), false)"
            )
        )
    op.drop_index("ix_outgoing_mail_sent_at_id", table_name="outgoing_mail")
    op.drop_table("outgoing_mail")
    op.drop_table("territory_service")
