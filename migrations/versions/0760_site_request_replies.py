"""site requests: every message sent to the visitor is kept

A request kept one reply, so a follow-up replaced the text a decision (a decline's reason, the
note sent with the list) had sent. Each message now is a row of `site_request_reply`; the one
reply each request held moves there, dated when the request was handled.

Revision ID: 0760_site_request_replies
Revises: 0750_invoice_issued_tier
Create Date: 2026-12-07 23:30:00

"""

import sqlalchemy as sa
from alembic import op

import wnwa.dbtypes

# revision identifiers, used by Alembic.
revision = "0760_site_request_replies"
down_revision = "0750_invoice_issued_tier"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_request_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", wnwa.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("sent_by", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["site_request.id"],
            name=op.f("fk_site_request_reply_request_id_site_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_request_reply")),
    )
    with op.batch_alter_table("site_request_reply") as batch:
        batch.create_index(batch.f("ix_site_request_reply_request_id"), ["request_id"])
    op.execute(
        "INSERT INTO site_request_reply (request_id, sent_at, sent_by, body) "
        "SELECT id, COALESCE(handled_at, created_at), handled_by, reply FROM site_request "
        "WHERE reply <> '' ORDER BY id"
    )
    with op.batch_alter_table("site_request") as batch:
        batch.drop_column("reply")


def downgrade():
    with op.batch_alter_table("site_request") as batch:
        batch.add_column(sa.Column("reply", sa.Text(), nullable=False, server_default=""))
    op.execute(
        "UPDATE site_request SET reply = COALESCE((SELECT r.body FROM site_request_reply r "
        "WHERE r.request_id = site_request.id ORDER BY r.id DESC LIMIT 1), '')"
    )
    with op.batch_alter_table("site_request_reply") as batch:
        batch.drop_index(batch.f("ix_site_request_reply_request_id"))
    op.drop_table("site_request_reply")
