"""PostgreSQL row-level security for every table that carries a department (docs/POSTGRES.md).

The second layer under the ORM filter, built so that SQL injected into any statement cannot
lift it. Nothing the app role can set by itself widens what it sees:

* The bound department is a SIGNED claim, `app.tenant = "<id>.<mac>"`, where the MAC is keyed
  with a key the app derives from SECRET_KEY and the database keeps in `wnwa_rls.signing_key`,
  a table the app role cannot read. It covers the department, the backend process and the
  transaction's start time, so a claim seen in one transaction is worthless in any other.
* The database signs the claim itself, in the statement that sets it:
  `set_config('app.tenant', wnwa_claim_tenant(<id>, <ticket>), true)`. The ticket is the app's
  MAC over the department and the backend process id (which the driver knows without asking),
  checked by the SECURITY DEFINER function before it signs; a wrong ticket is an error. So
  binding a department is one statement, and a ticket works on one server connection only.
* A cross-department read is a signed grant, `app.cross_read = "<mac>"` (same key, bound to the
  transaction, made by `wnwa_claim_cross_read(<ticket>)` the same way), set by the ORM only
  around the one statement marked `unscoped=True` and cleared after it. It only ever widens
  SELECT: no policy lets it UPDATE, DELETE or INSERT.
* Policies call `wnwa_tenant()` / `wnwa_cross_read()`: SECURITY DEFINER functions owned by the
  schema owner that check the MAC; the app role can call them (they answer a department id or
  a yes/no) but can neither read the key nor become its owner.
* Policies are split by command. Per table (`POLICIES`):
  - `tenant` (the default): SELECT own department or with a cross-read grant; INSERT, UPDATE
    and DELETE only the bound department's rows, and only into the bound department;
  - `directory`: SELECT by anyone (the directory is read across departments by design); writes
    as `tenant`;
  - `append_only`: SELECT as `tenant`; INSERT into the bound department or as a network-level
    row (no department); no UPDATE or DELETE at all (the admin audit trail).

Migrations call `enable_tenant_rls(op, "table")` for each new table with a `department_id`; it
installs the functions and the key when they are missing. On SQLite these calls do nothing.
"""

from __future__ import annotations

import hashlib

KEY_PURPOSE = "rls-signing-v1"
OLD_POLICY = "tenant_isolation"
POLICY_NAMES = ("tenant_select", "tenant_insert", "tenant_update", "tenant_delete")

# Tables with their own rule; every other table with a department_id is `tenant`.
POLICIES = {
    "directory_entry": "directory",
    "directory_name_gram": "directory",
    "audit_entry": "append_only",
}
WHY = {
    "tenant": "department-owned: only the bound department reads and writes it; "
    "network-wide screens read it with a signed cross-read grant",
    "directory": "the peer-supporter directory: every officer reads every department's "
    "listings; only the listing's own department writes them",
    "append_only": "the admin audit trail: written once, never changed or deleted; read by "
    "its department and by network staff",
}

_TENANT = "(SELECT public.wnwa_tenant())"
_CROSS = "(SELECT public.wnwa_cross_read())"


# H(k || H(k || m)): a keyed hash with nothing beyond core PostgreSQL (no extension). Written
# out in each function over the key read once into `k`: a function calling `wnwa_rls.mac` per
# hash paid for each call's SECURITY DEFINER and search_path switch (about 170 of a claim's 200
# microseconds, measured).
def _mac(message: str) -> str:
    return f"encode(sha256(k || sha256(k || convert_to({message}, 'UTF8'))), 'hex')"


# The transaction's identity: the backend process and the transaction's start, to the microsecond.
_TRANSACTION = (
    "pg_backend_pid()::text || ':' "
    "|| (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint::text"
)
_READ_KEY = "SELECT key INTO k FROM wnwa_rls.signing_key;"
_DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp"

# The claims' checkers, called by the policies (a department id, or whether a cross-department
# read is granted) and their makers, which return the claim for the caller's own set_config (a
# setting made inside a function with a SET clause is undone when it returns). Migrations 0720
# and 0730.
CHECK_SQL = (
    f"""CREATE OR REPLACE FUNCTION public.wnwa_tenant() RETURNS integer
    LANGUAGE plpgsql STABLE {_DEFINER} AS $$
    DECLARE
      claim text := coalesce(current_setting('app.tenant', true), '');
      tenant text := split_part(claim, '.', 1);
      k bytea;
    BEGIN
      IF tenant !~ '^[1-9][0-9]{{0,8}}$' THEN
        RETURN NULL;
      END IF;
      {_READ_KEY}
      IF split_part(claim, '.', 2) = {_mac(f"'tenant:' || {_TRANSACTION} || ':' || tenant")} THEN
        RETURN tenant::integer;
      END IF;
      RETURN NULL;
    END
    $$""",
    f"""CREATE OR REPLACE FUNCTION public.wnwa_cross_read() RETURNS boolean
    LANGUAGE plpgsql STABLE {_DEFINER} AS $$
    DECLARE
      granted text := coalesce(current_setting('app.cross_read', true), '');
      k bytea;
    BEGIN
      IF granted = '' THEN
        RETURN false;
      END IF;
      {_READ_KEY}
      RETURN coalesce(granted = {_mac(f"'cross-read:' || {_TRANSACTION}")}, false);
    END
    $$""",
)
CLAIM_SQL = (
    f"""CREATE OR REPLACE FUNCTION public.wnwa_claim_tenant(department integer, ticket text)
    RETURNS text
    LANGUAGE plpgsql VOLATILE {_DEFINER} AS $$
    DECLARE
      k bytea;
    BEGIN
      {_READ_KEY}
      IF department IS NULL OR department < 1 OR ticket IS DISTINCT FROM
         {_mac("'tenant-ticket:' || pg_backend_pid() || ':' || department")} THEN
        RAISE EXCEPTION 'not a tenant ticket of this connection' USING ERRCODE = '42501';
      END IF;
      RETURN department || '.' || {_mac(f"'tenant:' || {_TRANSACTION} || ':' || department")};
    END
    $$""",
    f"""CREATE OR REPLACE FUNCTION public.wnwa_claim_cross_read(ticket text) RETURNS text
    LANGUAGE plpgsql VOLATILE {_DEFINER} AS $$
    DECLARE
      k bytea;
    BEGIN
      {_READ_KEY}
      IF ticket IS DISTINCT FROM {_mac("'cross-read-ticket:' || pg_backend_pid()")} THEN
        RAISE EXCEPTION 'not a cross-read ticket of this connection' USING ERRCODE = '42501';
      END IF;
      RETURN {_mac(f"'cross-read:' || {_TRANSACTION}")};
    END
    $$""",
)

SUPPORT_SQL = (
    "CREATE SCHEMA IF NOT EXISTS wnwa_rls",
    "REVOKE ALL ON SCHEMA wnwa_rls FROM PUBLIC",
    "CREATE TABLE IF NOT EXISTS wnwa_rls.signing_key ("
    " id boolean PRIMARY KEY DEFAULT true CHECK (id), key bytea NOT NULL)",
    "REVOKE ALL ON wnwa_rls.signing_key FROM PUBLIC",
    # The same hash as one function, for the owner's own checks (the app role cannot call it).
    f"""CREATE OR REPLACE FUNCTION wnwa_rls.mac(message text) RETURNS text
    LANGUAGE sql STABLE {_DEFINER} AS $$
      SELECT {_mac("message")} FROM (SELECT key AS k FROM wnwa_rls.signing_key) AS signing
    $$""",  # noqa: S608 - constants only
    "REVOKE ALL ON FUNCTION wnwa_rls.mac(text) FROM PUBLIC",
    f"""CREATE OR REPLACE FUNCTION public.wnwa_transaction() RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
      SELECT {_TRANSACTION}
    $$""",
    *CHECK_SQL,
)


# --- the app's side of the MAC -----------------------------------------------------------------


def mac(key: bytes, message: str) -> str:
    """The same keyed hash as `wnwa_rls.mac` in the database."""
    inner = hashlib.sha256(key + message.encode()).digest()
    return hashlib.sha256(key + inner).hexdigest()


def tenant_ticket(key: bytes, backend_pid: int, department_id: int) -> str:
    """What `wnwa_claim_tenant` asks for before it signs a claim for `department_id`."""
    return mac(key, f"tenant-ticket:{backend_pid}:{department_id}")


def cross_read_ticket(key: bytes, backend_pid: int) -> str:
    """What `wnwa_claim_cross_read` asks for before it signs a grant."""
    return mac(key, f"cross-read-ticket:{backend_pid}")


# --- migrations ----------------------------------------------------------------------------------


def _policy_sql(table: str, kind: str) -> list[str]:
    own = f"department_id = {_TENANT}"
    select_rule = {"directory": "true"}.get(kind, f"{own} OR {_CROSS}")
    statements = [f"CREATE POLICY tenant_select ON {table} FOR SELECT USING ({select_rule})"]
    if kind == "append_only":
        statements.append(
            f"CREATE POLICY tenant_insert ON {table} FOR INSERT "
            f"WITH CHECK ({own} OR department_id IS NULL)"
        )
        return statements
    statements += [
        f"CREATE POLICY tenant_insert ON {table} FOR INSERT WITH CHECK ({own})",
        f"CREATE POLICY tenant_update ON {table} FOR UPDATE USING ({own}) WITH CHECK ({own})",
        f"CREATE POLICY tenant_delete ON {table} FOR DELETE USING ({own})",
    ]
    return statements


def store_signing_key(connection, key: bytes) -> None:
    from sqlalchemy import text

    connection.execute(
        text(
            "INSERT INTO wnwa_rls.signing_key (id, key) VALUES (true, :key) "
            "ON CONFLICT (id) DO UPDATE SET key = EXCLUDED.key"
        ),
        {"key": key},
    )


def ensure_rls_support(op) -> None:
    """The key table, the key (derived from the running app's SECRET_KEY) and the functions."""
    if op.get_bind().dialect.name != "postgresql":
        return
    from flask import current_app

    from wnwa.crypto import derive_key

    for statement in SUPPORT_SQL:
        op.execute(statement)
    store_signing_key(op.get_bind(), derive_key(current_app.config["SECRET_KEY"], KEY_PURPOSE))


def _drop_policies(op, table: str) -> None:
    for name in (OLD_POLICY, *POLICY_NAMES):
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")


def enable_tenant_rls(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    ensure_rls_support(op)
    _drop_policies(op, table)
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for statement in _policy_sql(table, POLICIES.get(table, "tenant")):
        op.execute(statement)


def disable_tenant_rls(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _drop_policies(op, table)
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def tables_with_department(connection) -> list[str]:
    """Every table of the public schema that has a department_id column."""
    from sqlalchemy import text

    return list(
        connection.execute(
            text(
                "SELECT c.table_name FROM information_schema.columns c "
                "JOIN information_schema.tables t "
                "  ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                "WHERE c.table_schema = 'public' AND c.column_name = 'department_id' "
                "  AND t.table_type = 'BASE TABLE' ORDER BY c.table_name"
            )
        ).scalars()
    )
