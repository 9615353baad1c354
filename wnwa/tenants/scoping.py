"""Tenant scoping that a view cannot forget (docs/RULES.md 1).

* `TenantScoped` marks a tenant-owned model: a non-null, indexed `department_id`.
* `GlobalModel` marks a model shared by the whole network. Every model is one or the other.
* A `do_orm_execute` listener filters every ORM SELECT/UPDATE/DELETE to the bound tenant and
  FAILS CLOSED (matches nothing) when no tenant is bound.
* A `before_flush` listener stamps `department_id` on new rows and refuses writes to another
  tenant.
* The escape hatch is the execution option `unscoped=True`; each use says why in a comment.
  It crosses departments for reading only: on PostgreSQL the row-level security policies let
  no statement update, delete or insert another department's rows, hatch or not.
* On PostgreSQL, `after_begin` gives the transaction a SIGNED claim of the bound tenant
  (`app.tenant`), and an `unscoped=True` statement runs under a signed, transaction-bound
  cross-read grant (`app.cross_read`) cleared right after it. In a safe request, where each
  statement is its own transaction (wnwa/database.py), the claims in force go out with each
  statement instead (`_on_do_execute`). Both are keyed with a key the app role cannot read in
  the database, so SQL injected anywhere cannot forge either (wnwa/tenants/rls.py,
  docs/POSTGRES.md).

The bound tenant lives in `session.info`, so it is per session: one per request (Flask-SQLAlchemy
scopes sessions to the app context), and `tenant_context()` for the CLI, jobs and tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import abort
from sqlalchemy import ForeignKey, event, false, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

from wnwa.crypto import app_key
from wnwa.database import opening_statement, run_read_only, send_together, statement_claims
from wnwa.extensions import db
from wnwa.tenants import rls

TENANT_KEY = "wnwa.department_id"
UNSCOPED = "unscoped"
M = TypeVar("M")


class TenantScoped:
    """Mixin for tenant-owned models."""

    @declared_attr
    def department_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(
            ForeignKey("department.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
            doc="Your department.",
        )


class GlobalModel:
    """Marker for models that belong to the whole network, not to one department."""


class TenantViolation(RuntimeError):
    """A write named another department than the one bound to the session."""


def bound_department_id(session: Session | None = None) -> int | None:
    session = session if session is not None else db.session()
    return session.info.get(TENANT_KEY)


def bind_tenant(department_id: int | None, session: Session | None = None) -> None:
    """Bind (or unbind, with None) the tenant for this session, effective immediately."""
    session = session if session is not None else db.session()
    department_id = None if department_id is None else int(department_id)
    if session.info.get(TENANT_KEY) == department_id:
        return
    if department_id is None:
        session.info.pop(TENANT_KEY, None)
    else:
        session.info[TENANT_KEY] = department_id
    if session.in_transaction():
        _set_pg_tenant(session.connection(), department_id)


@contextmanager
def tenant_context(department_id: int) -> Iterator[None]:
    """Run a block (CLI, job, test) as the given department; restores the previous binding."""
    session = db.session()
    previous = session.info.get(TENANT_KEY)
    _expunge_other_tenants(session, department_id)
    bind_tenant(department_id, session)
    try:
        yield
    finally:
        bind_tenant(previous, session)


@contextmanager
def acting_for(department_id: int) -> Iterator[None]:
    """Bind one department for a block inside a network-wide use case (network staff, webhooks,
    jobs) that writes to several departments in one transaction; restore the previous binding.

    Pending writes are flushed before and inside the switch, so each goes out under its own
    department. Unlike `tenant_context`, the session keeps its objects: the caller may hold rows
    of several departments it read on purpose.
    """
    session = db.session()
    previous = session.info.get(TENANT_KEY)
    if previous == department_id:
        yield
        return
    session.flush()
    bind_tenant(department_id, session)
    try:
        yield
        session.flush()
    except BaseException:
        # The transaction may be unusable (it will be rolled back): restore the binding without
        # touching the connection; the next transaction starts from the restored binding.
        if previous is None:
            session.info.pop(TENANT_KEY, None)
        else:
            session.info[TENANT_KEY] = previous
        raise
    bind_tenant(previous, session)


def _expunge_other_tenants(session: Session, department_id: int | None) -> None:
    """Drop tenant rows of any other department from the identity map (global rows stay)."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, TenantScoped):
            owner = sa_inspect(obj).dict.get("department_id")
            if owner is None or owner != department_id:
                session.expunge(obj)


def scoped_get_or_404(model: type[M], ident: Any) -> M:
    """Load a tenant-owned row by id; another department's id is a 404, never a 403.

    Uses `select()`, never `session.get()`, whose identity map can answer unfiltered.
    """
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    obj = db.session.scalars(select(model).where(model.id == ident)).one_or_none()
    if obj is None:
        abort(404)
    return obj


_NO_TENANT = with_loader_criteria(TenantScoped, lambda cls: false(), include_aliases=True)


def _tenant_criteria(department_id: int | None):
    """The bound department's rows only. Made for each statement (about 10 µs), never cached by
    department: a cache would keep, in every worker, which departments it has served."""
    if department_id is None:
        return _NO_TENANT
    return with_loader_criteria(
        TenantScoped,
        lambda cls: cls.department_id == department_id,
        include_aliases=True,
        track_closure_variables=False,
    )


# The claims, as `set_config` expressions (driver SQL, psycopg placeholders): the database
# checks the ticket and signs the claim over its own transaction (wnwa/tenants/rls.py), so the
# app never reads the transaction's identity first. A claim is one SELECT of its own, or goes
# with the statement it is for (`_on_do_execute`).
_TENANT_CLAIM = "set_config('app.tenant', wnwa_claim_tenant(%s, %s), true)"
_CROSS_READ_CLAIM = "set_config('app.cross_read', wnwa_claim_cross_read(%s), true)"
_CLEAR_TENANT = "SELECT set_config('app.tenant', '', true)"
_CLEAR_CROSS_READ = "SELECT set_config('app.cross_read', '', true)"


def _backend_pid(connection) -> int:
    """The server process behind this connection, as the driver knows it (no round trip)."""
    return connection.connection.driver_connection.info.backend_pid


def _tenant_claim(connection, department_id: int) -> tuple[str, tuple]:
    key = app_key(rls.KEY_PURPOSE)
    ticket = rls.tenant_ticket(key, _backend_pid(connection), department_id)
    return _TENANT_CLAIM, (department_id, ticket)


def _cross_read_claim(connection) -> tuple[str, tuple]:
    ticket = rls.cross_read_ticket(app_key(rls.KEY_PURPOSE), _backend_pid(connection))
    return _CROSS_READ_CLAIM, (ticket,)


def _select(claim: tuple[str, tuple]) -> tuple[str, tuple]:
    expression, params = claim
    return f"SELECT {expression}", params


def _set_pg_tenant(connection, department_id: int | None) -> None:
    if connection.dialect.name != "postgresql":
        return
    claims = statement_claims(connection)
    if claims is not None:  # sent with each statement from now on
        claims["tenant"] = department_id
    elif department_id is None:
        connection.exec_driver_sql(_CLEAR_TENANT)
    else:
        connection.exec_driver_sql(*_select(_tenant_claim(connection, department_id)))


def _set_pg_cross_read(connection, on: bool) -> None:
    if connection.dialect.name != "postgresql":
        return
    claims = statement_claims(connection)
    if claims is not None:
        claims["cross_read"] = on
    elif not on:
        connection.exec_driver_sql(_CLEAR_CROSS_READ)
    else:
        connection.exec_driver_sql(*_select(_cross_read_claim(connection)))


def _on_do_execute(cursor, statement, parameters, context) -> bool | None:
    """A statement on a connection that reads statement by statement goes out as its own READ
    ONLY transaction with the claims in force (one round trip). Others run as usual."""
    connection = context.root_connection
    in_force = statement_claims(connection)
    if in_force is None:
        return None
    claims = []
    if in_force.get("tenant") is not None:
        claims.append(_tenant_claim(connection, in_force["tenant"]))
    if in_force.get("cross_read"):
        claims.append(_cross_read_claim(connection))
    run_read_only(cursor, statement, parameters, claims)
    return True


@contextmanager
def cross_department_read(connection) -> Iterator[None]:
    """Core statements in this block may READ every department's rows (network-wide jobs and
    test snapshots). Nothing in it can write to another department: the policies' write rules
    ignore the grant."""
    _set_pg_cross_read(connection, True)
    try:
        yield
    finally:
        _set_pg_cross_read(connection, False)


@contextmanager
def writing_as(connection, department_id: int, session: Session | None = None) -> Iterator[None]:
    """Core writes in this block go out as `department_id` (a read model kept in step with
    another department's change, inside a flush); the session's own binding is restored after.
    """
    session = session if session is not None else db.session()
    bound = session.info.get(TENANT_KEY)
    if bound == department_id or connection.dialect.name != "postgresql":
        yield
        return
    _set_pg_tenant(connection, department_id)
    try:
        yield
    finally:
        _set_pg_tenant(connection, bound)


def _on_orm_execute(state: ORMExecuteState):
    if not (state.is_select or state.is_update or state.is_delete):
        return None
    # A column load refreshes a row the session already loaded legitimately (by primary key).
    if state.execution_options.get(UNSCOPED) or state.is_column_load:
        connection = state.session.connection()
        if connection.dialect.name != "postgresql":
            return None
        with cross_department_read(connection):
            return state.invoke_statement().freeze()()
    state.statement = state.statement.options(_tenant_criteria(state.session.info.get(TENANT_KEY)))
    return None


def _on_before_flush(session: Session, flush_context, instances) -> None:
    bound = session.info.get(TENANT_KEY)
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        current = obj.department_id
        if obj in session.new and current is None:
            if bound is None:
                raise TenantViolation(f"no tenant bound to create {type(obj).__name__}")
            obj.department_id = bound
        elif bound is not None and current != bound:
            raise TenantViolation(f"{type(obj).__name__} belongs to another department")
        elif bound is None and not session.info.get("wnwa.unscoped_writes"):
            raise TenantViolation(f"no tenant bound to write {type(obj).__name__}")


def _on_after_begin(session: Session, transaction, connection) -> None:
    """A PostgreSQL transaction's BEGIN and its tenant claim go out together: one round trip.
    A connection that reads statement by statement keeps the claim for its statements."""
    if connection.dialect.name != "postgresql":
        return
    statements = []
    opening = opening_statement(session, connection)
    if opening is not None:
        statements.append((opening, ()))
    department_id = session.info.get(TENANT_KEY)
    claims = statement_claims(connection)
    if claims is not None:
        claims["tenant"] = department_id
    elif department_id is not None:
        statements.append(_select(_tenant_claim(connection, department_id)))
    send_together(connection, statements)


def _on_do_execute_no_params(cursor, statement, context) -> bool | None:
    return _on_do_execute(cursor, statement, None, context)


def _on_do_executemany(cursor, statement, parameters, context) -> None:
    if statement_claims(context.root_connection) is not None:
        raise TenantViolation("a safe request (GET, HEAD, OPTIONS) writes nothing")


def install_engine_listeners(engine) -> None:
    """Statements of safe requests on PostgreSQL, each its own read-only transaction."""
    if engine.dialect.name != "postgresql" or event.contains(engine, "do_execute", _on_do_execute):
        return
    event.listen(engine, "do_execute", _on_do_execute)
    event.listen(engine, "do_execute_no_params", _on_do_execute_no_params)
    event.listen(engine, "do_executemany", _on_do_executemany)


def install_listeners(session_class: type[Session]) -> None:
    if event.contains(session_class, "do_orm_execute", _on_orm_execute):
        return
    event.listen(session_class, "do_orm_execute", _on_orm_execute)
    event.listen(session_class, "before_flush", _on_before_flush)
    event.listen(session_class, "after_begin", _on_after_begin)


@contextmanager
def unscoped_writes(session: Session | None = None) -> Iterator[None]:
    """Allow writes with no tenant bound: network-admin services and webhooks only."""
    session = session if session is not None else db.session()
    session.info["wnwa.unscoped_writes"] = True
    try:
        yield
    finally:
        session.info.pop("wnwa.unscoped_writes", None)
