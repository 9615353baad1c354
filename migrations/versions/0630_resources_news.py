"""wellness resources and news

Two network-wide tables with no department (so no row-level security): `resource` and
`news_post` hold what network admins publish, never who read it.

Revision ID: 0630_resources
Revises: 0630_site
Create Date: 2026-12-06 03:10:00

"""
from alembic import op
import sqlalchemy as sa

import wnwa.dbtypes

# revision identifiers, used by Alembic.
revision = '0630_resources'
down_revision = '0630_site'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('news_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('publish_on', sa.Date(), nullable=False),
    sa.Column('created_at', wnwa.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', wnwa.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_news_post')),
    sa.UniqueConstraint('slug', name=op.f('uq_news_post_slug'))
    )
    with op.batch_alter_table('news_post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_news_post_publish_on'), ['publish_on'], unique=False)

    op.create_table('resource',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('publish_on', sa.Date(), nullable=False),
    sa.Column('created_at', wnwa.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', wnwa.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource')),
    sa.UniqueConstraint('slug', name=op.f('uq_resource_slug'))
    )
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_category'), ['category'], unique=False)


def downgrade():
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_category'))

    op.drop_table('resource')
    with op.batch_alter_table('news_post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_news_post_publish_on'))

    op.drop_table('news_post')
