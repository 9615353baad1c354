"""mail queue holds a message name and a small JSON context, rendered when it is sent

`mail_job.subject` and `mail_job.body` give way to `template` (which message: a template pair
under templates/mail/) and `context` (JSON text). Invitations then store only which account
they are for, and the worker makes the activation link when it sends them: no live link sits
in the queue, and a roster import queues a few dozen bytes per person instead of the whole
invitation (about 800 bytes each, 10 MB for a 13,000-row roster).
Messages still waiting are kept, as plain notices carrying their subject and body.

Revision ID: 0660_mail_by_reference
Revises: 0670_jobs
Create Date: 2026-12-06 03:00:00

"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0660_mail_by_reference'
down_revision = '0670_jobs'
branch_labels = None
depends_on = None

_job = sa.table(
    'mail_job',
    sa.column('id', sa.Integer),
    sa.column('subject', sa.String),
    sa.column('body', sa.Text),
    sa.column('template', sa.String),
    sa.column('context', sa.Text),
)


def upgrade():
    with op.batch_alter_table('mail_job') as batch_op:
        batch_op.add_column(sa.Column('template', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('context', sa.Text(), nullable=True))
    bind = op.get_bind()
    for job_id, subject, body in bind.execute(sa.select(_job.c.id, _job.c.subject, _job.c.body)):
        context = json.dumps({'body': body, 'subject': subject}, separators=(',', ':'))
        bind.execute(
            _job.update().where(_job.c.id == job_id).values(template='notice', context=context)
        )
    with op.batch_alter_table('mail_job') as batch_op:
        batch_op.alter_column('template', existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column('context', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('subject')
        batch_op.drop_column('body')


def downgrade():
    # Messages rendered at send time cannot be turned back into a stored body: drop them.
    op.execute(_job.delete().where(_job.c.template != 'notice'))
    with op.batch_alter_table('mail_job') as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=True))
    bind = op.get_bind()
    for job_id, context in bind.execute(sa.select(_job.c.id, _job.c.context)):
        values = json.loads(context)
        bind.execute(
            _job.update()
            .where(_job.c.id == job_id)
            .values(subject=str(values.get('subject', ''))[:200], body=str(values.get('body', '')))
        )
    with op.batch_alter_table('mail_job') as batch_op:
        batch_op.alter_column('subject', existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column('body', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('template')
        batch_op.drop_column('context')
