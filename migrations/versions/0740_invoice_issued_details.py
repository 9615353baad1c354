"""billing: an invoice keeps the PO number and billing contact it was issued with

Until now an invoice showed the contract's current PO number and contact, so changing them
rewrote invoices already sent. Each invoice now has its own copy, taken while it is a draft;
existing invoices get the contract's current details (the best record there is).

Revision ID: 0740_invoice_issued_details
Revises: 0730_claim_functions_inline
Create Date: 2026-12-07 12:55:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0740_invoice_issued_details"
down_revision = "0730_claim_functions_inline"
branch_labels = None
depends_on = None

COLUMNS = (("po_number", 60), ("billing_contact", 200), ("billing_email", 254))


def upgrade():
    with op.batch_alter_table("billing_invoice") as batch:
        for name, length in COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=False, server_default=""))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # the owner writes every department's rows once, inside this transaction
        for table in ("billing_invoice", "billing_contract"):
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    for name, _ in COLUMNS:
        op.execute(
            f"UPDATE billing_invoice SET {name} = (SELECT c.{name} FROM billing_contract c "  # noqa: S608
            "WHERE c.id = billing_invoice.contract_id)"
        )
    if postgres:
        for table in ("billing_invoice", "billing_contract"):
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade():
    with op.batch_alter_table("billing_invoice") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
