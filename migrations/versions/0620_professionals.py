"""mental-health professionals: applications, documents, blind votes, search tags, settings

Network-level tables (no department_id, so no row-level security): applications and listings
(`professional`), their uploaded documents' metadata, the assigned vetters and their votes, the
listings' search tags and the network admins' vetting and re-confirmation settings.

Revision ID: 0620_professionals
Revises: 0660_mail_by_reference
Create Date: 2026-12-06 02:50:53.945167

"""
from alembic import op
import sqlalchemy as sa

import wnwa.dbtypes


# revision identifiers, used by Alembic.
revision = '0620_professionals'
down_revision = '0630_resources'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('professional',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sort_name', sa.String(length=200), nullable=False),
    sa.Column('credentials', sa.String(length=100), nullable=False),
    sa.Column('license_type', sa.String(length=20), nullable=False),
    sa.Column('licenses', sa.JSON(), nullable=False),
    sa.Column('practice_name', sa.String(length=200), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('zip_code', sa.String(length=5), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('telehealth', sa.Boolean(), nullable=False),
    sa.Column('specialties', sa.JSON(), nullable=False),
    sa.Column('modalities', sa.JSON(), nullable=False),
    sa.Column('carriers', sa.JSON(), nullable=False),
    sa.Column('plan_types', sa.JSON(), nullable=False),
    sa.Column('officer_years', sa.Integer(), nullable=False),
    sa.Column('officer_experience', sa.Text(), nullable=False),
    sa.Column('answers_24_7', sa.Boolean(), nullable=False),
    sa.Column('within_24h', sa.Boolean(), nullable=False),
    sa.Column('no_fitness_for_duty', sa.Boolean(), nullable=False),
    sa.Column('accepting_new', sa.Boolean(), nullable=False),
    sa.Column('about', sa.Text(), nullable=False),
    sa.Column('submitted_at', wnwa.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=True),
    sa.Column('rule_min_votes', sa.Integer(), nullable=True),
    sa.Column('assessment_kind', sa.String(length=10), nullable=True),
    sa.Column('assessment_at', wnwa.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('assessment_done', sa.Boolean(), nullable=False),
    sa.Column('assessment_notes', sa.Text(), nullable=False),
    sa.Column('decided_at', wnwa.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('deferred_reason', sa.Text(), nullable=False),
    sa.Column('reapply_on', sa.Date(), nullable=True),
    sa.Column('suspended_reason', sa.Text(), nullable=False),
    sa.Column('confirmed_at', wnwa.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('reminded_at', wnwa.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('recheck_since', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_professional'))
    )
    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.create_index('ix_professional_search_geo', ['status', 'lat', 'lon'], unique=False)
        batch_op.create_index('ix_professional_search_name', ['status', 'sort_name', 'id'], unique=False)

    op.create_table('professional_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('min_votes', sa.Integer(), nullable=False),
    sa.Column('reconfirm_days', sa.Integer(), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', wnwa.dbtypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_professional_settings'))
    )
    op.create_table('professional_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', wnwa.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], name=op.f('fk_professional_document_professional_id_professional'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_professional_document')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_professional_document_stored_name'))
    )
    with op.batch_alter_table('professional_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_professional_document_professional_id'), ['professional_id'], unique=False)

    op.create_table('professional_tag',
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], name=op.f('fk_professional_tag_professional_id_professional'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('professional_id', 'tag', name=op.f('pk_professional_tag'))
    )
    with op.batch_alter_table('professional_tag', schema=None) as batch_op:
        batch_op.create_index('ix_professional_tag_tag', ['tag', 'professional_id'], unique=False)

    op.create_table('professional_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('vetter_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', wnwa.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('choice', sa.String(length=10), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('voted_at', wnwa.dbtypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], name=op.f('fk_professional_vote_professional_id_professional'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vetter_id'], ['staff_account.id'], name=op.f('fk_professional_vote_vetter_id_staff_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_professional_vote')),
    sa.UniqueConstraint('professional_id', 'vetter_id', name='uq_professional_vote')
    )
    with op.batch_alter_table('professional_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_professional_vote_professional_id'), ['professional_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_professional_vote_vetter_id'), ['vetter_id'], unique=False)



def downgrade():
    with op.batch_alter_table('professional_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_professional_vote_vetter_id'))
        batch_op.drop_index(batch_op.f('ix_professional_vote_professional_id'))

    op.drop_table('professional_vote')
    with op.batch_alter_table('professional_tag', schema=None) as batch_op:
        batch_op.drop_index('ix_professional_tag_tag')

    op.drop_table('professional_tag')
    with op.batch_alter_table('professional_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_professional_document_professional_id'))

    op.drop_table('professional_document')
    op.drop_table('professional_settings')
    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.drop_index('ix_professional_search_name')
        batch_op.drop_index('ix_professional_search_geo')

    op.drop_table('professional')
