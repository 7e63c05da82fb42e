"""Finance: the day each allocation change takes effect

Revision ID: a3c5e7f9b1d2
Revises: 9881fa240600
Create Date: 2026-11-29 13:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a3c5e7f9b1d2"
down_revision = "9881fa240600"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table(
        "allocation_change", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("effective_on", sa.Date(), nullable=True))
    # Existing changes: the amendment's signature, the committee's date, else the day recorded.
    recorded_on = (
        "DATE(created_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(created_at AS DATE)"
    )
    op.execute(
        "UPDATE allocation_change SET effective_on = COALESCE("
        "(SELECT amendment.signed_on FROM amendment"
        " WHERE amendment.id = allocation_change.amendment_id),"
        "(SELECT committee.held_on FROM committee_review"
        " JOIN committee ON committee.id = committee_review.committee_id"
        " WHERE committee_review.id = allocation_change.review_id),"
        f" {recorded_on})"  # noqa: S608 (a constant of this file)
    )
    with op.batch_alter_table(
        "allocation_change", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.alter_column("effective_on", existing_type=sa.Date(), nullable=False)


def downgrade():
    with op.batch_alter_table(
        "allocation_change", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("effective_on")
