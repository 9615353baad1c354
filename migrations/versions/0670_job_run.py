"""scheduled jobs: when each last ran (job_run)

Revision ID: 0670_jobs
Revises: 0610_security
Create Date: 2026-12-06 03:00:00

"""
import sqlalchemy as sa
from alembic import op

import wnwa.dbtypes

# revision identifiers, used by Alembic.
revision = '0670_jobs'
down_revision = '0610_security'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_run',
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('last_started_at', wnwa.dbtypes.UTCDateTime(), nullable=True),
        sa.Column('last_finished_at', wnwa.dbtypes.UTCDateTime(), nullable=True),
        sa.Column('last_ok', sa.Boolean(), nullable=False),
        sa.Column('last_report', sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_run')),
    )


def downgrade():
    op.drop_table('job_run')
