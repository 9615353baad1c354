"""row-level security on every table with a department, split by command, signed claims

Every table that carries a department_id gets forced row-level security with one policy per
command (wnwa/tenants/rls.py): the old single `tenant_isolation` policy (FOR ALL, with an
`app.unscoped` switch the app role could set itself) is replaced. `audit_entry`,
`quota_reminder` and `directory_entry` come under row-level security for the first time. The
bound department and the cross-department read grant become signed claims checked by
SECURITY DEFINER functions against a key the app role cannot read (docs/POSTGRES.md).

Revision ID: 0610_security
Revises: 0500
Create Date: 2026-12-06 00:30:00

"""
from alembic import op

from wnwa.tenants.rls import (
    OLD_POLICY,
    POLICY_NAMES,
    enable_tenant_rls,
    ensure_rls_support,
    tables_with_department,
)

# revision identifiers, used by Alembic.
revision = '0610_security'
down_revision = '0500'
branch_labels = None
depends_on = None

# Under row-level security before this revision (with the old policy).
_BEFORE = (
    'user_account', 'certification', 'scim_token', 'scim_identity', 'supporter_profile',
    'training_seat', 'training_attendance', 'training_external_certificate',
    'billing_contract', 'billing_invoice',
)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    ensure_rls_support(op)
    for table in tables_with_department(bind):
        enable_tenant_rls(op, table)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    tenant = "NULLIF(current_setting('app.tenant_id', true), '')::integer"
    unscoped = "coalesce(current_setting('app.unscoped', true), '') = 'on'"
    for table in tables_with_department(bind):
        for name in (OLD_POLICY, *POLICY_NAMES):
            op.execute(f'DROP POLICY IF EXISTS {name} ON {table}')
        if table in _BEFORE:
            op.execute(
                f'CREATE POLICY {OLD_POLICY} ON {table} '
                f'USING (department_id = {tenant} OR {unscoped}) '
                f'WITH CHECK (department_id = {tenant})'
            )
        else:
            op.execute(f'ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY')
            op.execute(f'ALTER TABLE {table} DISABLE ROW LEVEL SECURITY')
    for function in ('wnwa_cross_read()', 'wnwa_tenant()', 'wnwa_transaction()'):
        op.execute(f'DROP FUNCTION IF EXISTS public.{function}')
    op.execute('DROP SCHEMA IF EXISTS wnwa_rls CASCADE')
