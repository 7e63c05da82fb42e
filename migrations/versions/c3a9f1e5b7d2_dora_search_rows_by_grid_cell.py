"""DORA search: the search rows stored by the grid cell of the sheet's place

Revision ID: c3a9f1e5b7d2
Revises: b5d1e0a7c3f9
Create Date: 2026-11-30 03:10:00

The primary key becomes (zone, theme, cell, service_id): a search reads the cells around the
commune first instead of ordering every sheet of the zone by distance. The table is a copy of
the sheets, so it is made again and refilled (on PostgreSQL with the full-text documents, from
the full-text index, and stored in key order).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a9f1e5b7d2'
down_revision = 'b5d1e0a7c3f9'
branch_labels = None
depends_on = None


def _create(with_cell: bool):
    key = ['zone', 'theme', 'cell', 'service_id'] if with_cell else ['zone', 'theme', 'service_id']
    op.create_table('dora_service_search',
    sa.Column('zone', sa.String(length=9), nullable=False),
    sa.Column('theme', sa.String(length=120), nullable=False),
    *([sa.Column('cell', sa.Integer(), nullable=False)] if with_cell else []),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('departments', sa.String(length=400), nullable=False),
    sa.Column('thematiques', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=True),
    sa.Column('fees', sa.String(length=20), nullable=True),
    sa.Column('publics', sa.JSON(), nullable=False),
    sa.Column('reception_modes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['dora_service.id'], name=op.f('fk_dora_service_search_service_id_dora_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint(*key, name=op.f('pk_dora_service_search')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('dora_service_search', schema=None) as batch_op:
        batch_op.create_index('ix_dora_service_search_service_id', ['service_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE dora_service_search ADD COLUMN fts_document TSVECTOR")


def _drop():
    with op.batch_alter_table('dora_service_search', schema=None) as batch_op:
        batch_op.drop_index('ix_dora_service_search_service_id')
    op.drop_table('dora_service_search')


def upgrade():
    _drop()
    _create(with_cell=True)
    # The published sheets already there (the application keeps the table from now on).
    from app.dora.search import rebuild_search_rows, reorder

    rebuild_search_rows(op.get_bind())
    reorder(op.get_bind())


def downgrade():
    # The earlier code rebuilds its rows with `flask dora reindex`.
    _drop()
    _create(with_cell=False)
