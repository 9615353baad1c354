"""billing: an invoice keeps the tier it was issued at

An invoice's line read the contract's current tier, so re-tiering at a renewal relabelled the
invoices of earlier years. Each invoice now keeps its own copy, taken while it is a draft;
existing invoices get the contract's current tier (the best record there is).

Revision ID: 0750_invoice_issued_tier
Revises: 0740_invoice_issued_details
Create Date: 2026-12-07 20:15:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0750_invoice_issued_tier"
down_revision = "0740_invoice_issued_details"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("billing_invoice") as batch:
        batch.add_column(sa.Column("tier_label", sa.String(80), nullable=False, server_default=""))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # the owner writes every department's rows once, inside this transaction
        for table in ("billing_invoice", "billing_contract"):
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(
        "UPDATE billing_invoice SET tier_label = COALESCE((SELECT c.tier_label FROM "
        "billing_contract c WHERE c.id = billing_invoice.contract_id), '')"
    )
    if postgres:
        for table in ("billing_invoice", "billing_contract"):
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade():
    with op.batch_alter_table("billing_invoice") as batch:
        batch.drop_column("tier_label")
