"""row-level security: the database signs the tenant claim in the statement that sets it

Binding a department took two statements: one to read the transaction's identity (the claim is
signed over it), then the claim itself. `wnwa_claim_tenant(department, ticket)` and
`wnwa_claim_cross_read(ticket)` sign the claim inside the database, over its own transaction,
once they have checked the app's ticket (a MAC over the department and the backend process id
with the same key). The claims and the policies that check them do not change
(wnwa/tenants/rls.py, docs/POSTGRES.md).

Revision ID: 0720_tenant_claim_functions
Revises: 0710_professional_lon_band
Create Date: 2026-12-06 23:30:00

"""

from alembic import op

from wnwa.tenants.rls import CLAIM_SQL

# revision identifiers, used by Alembic.
revision = "0720_tenant_claim_functions"
down_revision = "0710_professional_lon_band"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in CLAIM_SQL:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS public.wnwa_claim_tenant(integer, text)")
    op.execute("DROP FUNCTION IF EXISTS public.wnwa_claim_cross_read(text)")
