"""ProConnect subject on user

Revision ID: 9881fa240600
Revises: 7394d2e586e3
Create Date: 2026-11-29 13:06:51.756706

A nullable column and a unique index: no table rebuild on SQLite (the user table is referenced
with ON DELETE CASCADE by many tables).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9881fa240600"
down_revision = "7394d2e586e3"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user", sa.Column("proconnect_sub", sa.String(length=255), nullable=True))
    op.create_index("ix_user_proconnect_sub", "user", ["proconnect_sub"], unique=True)


def downgrade():
    op.drop_index("ix_user_proconnect_sub", table_name="user")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("proconnect_sub")
