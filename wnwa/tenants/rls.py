"""PostgreSQL row-level security for tenant tables: the second layer under the ORM filter.

Migrations call `enable_tenant_rls(op, "table")` for every table whose model is TenantScoped.
The policy is FORCED (it binds the owner too) and reads the transaction-local settings that
`wnwa.tenants.scoping` sets: `app.tenant_id` for the bound department, and `app.unscoped`,
which the ORM turns on only around a statement marked `unscoped=True` (reads only: WITH CHECK
admits writes to the bound tenant alone). On SQLite these calls do nothing.
"""

from __future__ import annotations

POLICY = "tenant_isolation"
_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::integer"
_UNSCOPED = "coalesce(current_setting('app.unscoped', true), '') = 'on'"


def enable_tenant_rls(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {POLICY} ON {table} "
        f"USING (department_id = {_TENANT} OR {_UNSCOPED}) "
        f"WITH CHECK (department_id = {_TENANT})"
    )


def disable_tenant_rls(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
