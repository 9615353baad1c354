"""requests from the public site

One network-wide table with no department (so no row-level security): `site_request` holds what
a visitor typed into the member agencies list, demo and contact forms, and how network staff
answered it. No address, no browser details.

Revision ID: 0630_site
Revises: 0660_mail_by_reference
Create Date: 2026-12-06 02:50:56

"""
from alembic import op
import sqlalchemy as sa

import wnwa.dbtypes

# revision identifiers, used by Alembic.
revision = '0630_site'
down_revision = '0660_mail_by_reference'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('job_title', sa.String(length=120), nullable=False),
    sa.Column('sworn', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('demo_format', sa.String(length=20), nullable=False),
    sa.Column('preferred_times', sa.Text(), nullable=False),
    sa.Column('created_at', wnwa.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('handled_at', wnwa.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('handled_by', sa.String(length=300), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_request'))
    )
    with op.batch_alter_table('site_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_request_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_request_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('site_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_request_status'))
        batch_op.drop_index(batch_op.f('ix_site_request_kind'))

    op.drop_table('site_request')
