"""DORA search: on PostgreSQL, the sheet's full-text document on its search rows

Revision ID: b5d1e0a7c3f9
Revises: e14bb62566ac
Create Date: 2026-11-29 19:40:00

A keyword search then filters the commune's rows of the theme (read by the primary key) instead
of joining the whole country's full-text matches to them afterwards. Made by hand, PostgreSQL
only (SQLite's full-text index stays its FTS5 table), and left out of autogenerate like the
full-text table (`app.core.models.include_in_migrations`: columns named `fts_*`).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b5d1e0a7c3f9'
down_revision = 'e14bb62566ac'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE dora_service_search ADD COLUMN fts_document TSVECTOR")
    op.execute(
        "UPDATE dora_service_search SET fts_document = f.document FROM dora_service_fts f"
        " WHERE f.service_id = dora_service_search.service_id"
    )
    # The search no longer reads the full-text table by its words, only by sheet.
    op.execute("DROP INDEX IF EXISTS ix_dora_service_fts_document")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_dora_service_fts_document ON dora_service_fts USING gin (document)")
    op.execute("ALTER TABLE dora_service_search DROP COLUMN fts_document")
