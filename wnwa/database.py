"""Engine and transaction settings per dialect.

SQLite: WAL with foreign keys and real savepoints; a request that may write (not GET, HEAD or
OPTIONS) begins its transactions with BEGIN IMMEDIATE, so concurrent writers take turns.

PostgreSQL: a request with a safe method (GET, HEAD, OPTIONS) reads only, enforced by the
database: each of its statements is its own READ ONLY transaction, sent in one round trip with
the settings that make it read-only and set the claims the row-level security policies check
(`run_read_only`, with the claims from wnwa/tenants/scoping.py). Any other transaction is one
transaction whose BEGIN the app sends together with the tenant claim (`opening_statement`,
`send_together`): the driver's own BEGIN would be a round trip of its own. Transactions that
only read end with COMMIT, which for them only ends them: the driver forgets its prepared
statements on every ROLLBACK, and keeping them means a page's queries are parsed once per
connection instead of once per request. Plans stay custom (`plan_cache_mode`): a generic plan
for a full-text search cannot tell a rare word from a common one and may read the whole
directory to fill one page.

`one_of` tests a column against thousands of values sent as one JSON parameter, on both
engines.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import (
    JSON,
    ColumnElement,
    Text,
    any_,
    bindparam,
    cast,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from wnwa.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _status():
    """psycopg's transaction states, imported only where PostgreSQL is in use: a SQLite
    deployment never loads the driver (about 10 MB per worker)."""
    from psycopg.pq import TransactionStatus

    return TransactionStatus


def _psycopg():
    import psycopg

    return psycopg


# session.info key: read-only inside an enclosing transaction
_READ_ONLY_JOINED = "wnwa.read_only_joined"
# connection record info: the app sends this connection's BEGIN (the driver is in autocommit);
# it runs each statement as its own read-only transaction, with these claims (`statement_claims`)
_OWN_BEGIN = "wnwa.own_begin"
_EACH_STATEMENT = "wnwa.each_statement"
_READ_ONLY_SETTING = "set_config('transaction_read_only', 'on', true)"


def configure_engine_events(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        if not event.contains(engine, "connect", _sqlite_connect):
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
    elif engine.dialect.name == "postgresql":
        if not event.contains(engine, "connect", _postgres_connect):
            event.listen(engine, "connect", _postgres_connect)
            event.listen(engine, "checkin", _postgres_checkin)


def _sqlite_connect(dbapi_connection, connection_record) -> None:
    # Let SQLAlchemy emit BEGIN itself so SAVEPOINT works (pysqlite's own handling breaks it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(connection) -> None:
    # A request that may write takes SQLite's single write lock as its transaction begins: two
    # such requests take turns (the second waits, up to busy_timeout), instead of the second
    # failing when it writes after reading a snapshot the first has since changed.
    if has_request_context() and request.method not in SAFE_METHODS:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def _postgres_connect(dbapi_connection, connection_record) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_connection.commit()


def _postgres_checkin(dbapi_connection, connection_record) -> None:
    """A connection goes back to the pool with the driver sending its own BEGIN again."""
    connection_record.info.pop(_EACH_STATEMENT, None)
    if dbapi_connection is None or not connection_record.info.pop(_OWN_BEGIN, False):
        return
    if dbapi_connection.info.transaction_status == _status().IDLE:
        dbapi_connection.autocommit = False
    else:  # not reset cleanly: never hand it out again
        connection_record.invalidate()


def install_read_only_requests(app: Flask, scoped_session) -> None:
    """Safe requests read only, on PostgreSQL enforced by the database (see the module note).
    At the top level each statement is its own transaction (`run_read_only`), so nothing is
    left to end; joined to an enclosing transaction (the test suite's), the read-only savepoint
    is rolled back."""

    @app.teardown_request
    def _end_read_only(exc):
        if not scoped_session.registry.has():
            return
        session = scoped_session()
        if session.info.pop(_READ_ONLY_JOINED, False):
            session.rollback()  # ends the savepoint, and read-only with it; nothing was written


def opening_statement(session: Session, connection) -> str | None:
    """What a PostgreSQL transaction that SQLAlchemy has just begun must send before its first
    statement (the caller sends it together with the tenant claim), or None.

    * A top-level transaction in a safe request: nothing now. The connection reads statement
      by statement (`statement_claims`): each statement is its own READ ONLY transaction,
      sent with its claims in one round trip (`run_read_only`).
    * Any other top-level transaction: "BEGIN". The driver is switched to autocommit so that
      it does not send a BEGIN of its own first; COMMIT and ROLLBACK still end the server's
      transaction.
    * Joined to an enclosing transaction (the test suite's), in a safe request:
      "SET TRANSACTION READ ONLY", undone when the savepoint ends.
    * A connection the caller put in autocommit: nothing.

    The pool switches the driver back at check-in.
    """
    fairy = connection.connection
    driver = fairy.driver_connection
    read_only = has_request_context() and request.method in SAFE_METHODS
    if driver.info.transaction_status == _status().IDLE:
        if driver.autocommit and not fairy.info.get(_OWN_BEGIN):
            return None
        driver.autocommit = True
        fairy.info[_OWN_BEGIN] = True
        if read_only:
            fairy.info[_EACH_STATEMENT] = {}
            return None
        fairy.info.pop(_EACH_STATEMENT, None)
        return "BEGIN"
    if read_only:
        session.info[_READ_ONLY_JOINED] = True
        return "SET TRANSACTION READ ONLY"
    return None


def statement_claims(connection) -> dict | None:
    """The claims this connection sends with each statement, as its own READ ONLY transaction
    (a safe request's, on PostgreSQL; the tenant layer keeps them up to date), or None when it
    runs transactions as usual."""
    try:
        return connection.connection.info.get(_EACH_STATEMENT)
    except NotImplementedError:  # the engine's first connection, still being set up
        return None


def run_read_only(cursor, statement: str, parameters, claims: list[tuple[str, tuple]]) -> None:
    """Runs one statement of a safe request as its own READ ONLY transaction, in ONE round
    trip: psycopg's pipeline mode sends a SELECT that makes the transaction read-only and sets
    the `claims` (`set_config` expressions for what the row-level security policies check, with
    their parameters bound as usual), then the statement, then a single Sync. Both run in the
    implicit transaction the Sync ends (committed, or rolled back on an error), so the settings
    hold for the statement and for nothing after it. `cursor` holds the statement's rows."""
    settings = ", ".join([_READ_ONLY_SETTING] + [claim for claim, _ in claims])
    values = tuple(value for _, params in claims for value in params)
    driver = cursor.connection
    helper = driver.cursor()
    try:
        with driver.pipeline():
            helper.execute(f"SELECT {settings}", values)
            cursor.execute(statement, parameters)
    finally:
        helper.close()


def send_together(connection, statements: list[tuple[str, tuple]]) -> None:
    """Runs PostgreSQL statements whose rows nobody reads in ONE round trip: psycopg's pipeline
    mode sends them all, each with its parameters bound as usual, before a single Sync. The
    first error stops the rest and is raised when the block ends."""
    if len(statements) < 2:
        for statement, params in statements:
            connection.exec_driver_sql(statement, params)
        return
    driver = connection.connection.driver_connection
    try:
        with driver.pipeline():
            for statement, params in statements:
                connection.exec_driver_sql(statement, params)
    except _psycopg().OperationalError:
        connection.invalidate()  # the server went away: never hand this connection out again
        raise


def one_of(column: ColumnElement, values: Collection[Any]) -> ColumnElement[bool]:
    """`column` is one of `values` (strings or integers), sent as ONE JSON parameter read by
    the database (`json_array_elements_text` on PostgreSQL, `json_each` on SQLite): thousands
    of separate parameters, or a driver-built array, cost more to send than the lookup."""
    payload = bindparam("wanted", json.dumps(list(values)), type_=Text, unique=True)
    if db.session.connection().dialect.name == "postgresql":
        # `= ANY(ARRAY(SELECT ...))`: the array is made once and looked up in the column's
        # index; `IN (SELECT ...)` would be planned as a join that may read the whole table.
        wanted = func.json_array_elements_text(cast(payload, JSON)).table_valued("value")
        array = func.array(select(cast(wanted.c.value, column.type)).scalar_subquery())
        return column == any_(array)
    wanted = func.json_each(payload).table_valued("value")
    return column.in_(select(wanted.c.value))


def serialized_on(key: str) -> None:
    """Until the transaction ends, other transactions calling this with the same key wait
    here, then read what this one wrote (PostgreSQL: a transaction-level advisory lock on the
    key's hash; SQLite: the database's single write lock, taken by a write that changes
    nothing). For a rule that no row can lock, such as "one open application per address"."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
        )
    else:
        db.session.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 0"))


def locked(model: Any, ident: int, touch: Any, *options: Any) -> Any:
    """The row of `model` with this id, read afresh and locked until the transaction ends, or
    None. Two requests acting on one row take turns, and the second reads what the first wrote
    (PostgreSQL: SELECT ... FOR UPDATE; SQLite: writing `touch`, a plain column of the row, to
    itself first takes the database's single write lock). `options`: loader options, such as
    the collections the caller reads next, so that they too are read under the lock."""
    stmt = (
        select(model)
        .where(model.id == ident)
        .options(*options)
        .execution_options(populate_existing=True)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    else:
        db.session.execute(
            update(model)
            .where(model.id == ident)
            .values({touch: touch})
            .execution_options(synchronize_session=False)
        )
    return db.session.scalars(stmt).first()
