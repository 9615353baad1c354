"""row-level security: the claim functions hash over the key they read once

`wnwa_tenant()`, `wnwa_cross_read()`, `wnwa_claim_tenant()` and `wnwa_claim_cross_read()`
called `wnwa_rls.mac()` and `wnwa_transaction()` for each hash, and each call paid for a
SECURITY DEFINER function's search_path switch: about 170 of the 200 microseconds of a claim.
They now read the key once and write the same hash out. Every claim, grant and ticket is the
same string as before, so nothing else changes (wnwa/tenants/rls.py, docs/POSTGRES.md).

Revision ID: 0730_claim_functions_inline
Revises: 0720_tenant_claim_functions
Create Date: 2026-12-07 02:40:00

"""

from alembic import op

from wnwa.tenants.rls import CHECK_SQL, CLAIM_SQL

# revision identifiers, used by Alembic.
revision = "0730_claim_functions_inline"
down_revision = "0720_tenant_claim_functions"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in (*CHECK_SQL, *CLAIM_SQL):
        op.execute(statement)


def downgrade():
    # The functions answer exactly as before: there is nothing to undo.
    pass
