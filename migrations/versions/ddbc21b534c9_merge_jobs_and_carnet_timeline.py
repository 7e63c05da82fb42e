"""merge jobs and carnet timeline

Revision ID: ddbc21b534c9
Revises: 3e634e225d9f, c8b29beb9450
Create Date: 2026-11-29 10:55:52.808102

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ddbc21b534c9'
down_revision = ('3e634e225d9f', 'c8b29beb9450')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
