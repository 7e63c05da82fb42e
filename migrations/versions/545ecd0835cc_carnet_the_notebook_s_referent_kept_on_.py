"""Carnet: the notebook's referent kept on the notebook

Revision ID: 545ecd0835cc
Revises: fc6aa64f4210
Create Date: 2026-11-29 16:06:18.857777

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "545ecd0835cc"
down_revision = "fc6aa64f4210"
branch_labels = None
depends_on = None


# SQLite rebuilds the table to add the foreign key: it must keep AUTOINCREMENT (ids never reused).
KEEP_IDS = {"sqlite_autoincrement": True}


def upgrade():
    with op.batch_alter_table("notebook", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("referent_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_notebook_referent_id_territory_id", ["referent_id", "territory_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notebook_referent_id_user"),
            "user",
            ["referent_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Backfill: the active referent of each notebook (the earliest to join if several).
    op.execute(
        """
        UPDATE notebook SET referent_id = (
            SELECT notebook_member.user_id FROM notebook_member
            WHERE notebook_member.notebook_id = notebook.id
              AND notebook_member.is_referent AND notebook_member.active
            ORDER BY notebook_member.joined_at, notebook_member.id
            LIMIT 1
        )
        """
    )
    # SQLite's batch mode rebuilt the table without its statistics: without them its planner
    # walks a territory's notebooks for a professional's list instead of their memberships.
    op.execute("ANALYZE notebook")


def downgrade():
    with op.batch_alter_table("notebook", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notebook_referent_id_user"), type_="foreignkey")
        batch_op.drop_index("ix_notebook_referent_id_territory_id")
        batch_op.drop_column("referent_id")
