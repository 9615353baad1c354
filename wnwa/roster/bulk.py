"""Insert thousands of rows in few round trips (flush only, inside the caller's transaction).

PostgreSQL, from COPY_ROWS rows on: binary COPY into a temporary table made for the call
(`CREATE TEMPORARY TABLE ... ON COMMIT DROP AS SELECT <columns> FROM <table> WITH NO DATA`:
the target's column types, none of its constraints), then one `INSERT INTO <table> SELECT ...
FROM` it, and the temporary table is dropped. PostgreSQL refuses COPY FROM into a table with
row-level security, so COPY only fills the session's own temporary table; the INSERT is
checked by the target's policies, constraints and indexes like any other. COPY sends each value
in its binary form (no text or JSON to build and parse: an account's secrets blob travels as
its bytes), and the statement text stays small however many rows there are. Fewer rows go in
with the usual multi-row INSERT. SQLite: the driver's own executemany of one prepared INSERT,
which skips building and compiling a statement per chunk; the `returning` columns are then read
back in one SELECT of the rows whose rowid is above the largest before the insert (the
transaction holds SQLite's only write lock from the insert on, and a snapshot that went stale
before it cannot write at all, so those rows are exactly the new ones).

Both engines send each value after its column type's bind processing (so UTCDateTime stores
UTC); booleans and bytes go to the driver as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Boolean,
    LargeBinary,
    Table,
    column,
    insert,
    literal_column,
    select,
)
from sqlalchemy import (
    table as table_clause,
)

from wnwa.extensions import db

COPY_ROWS = 100
STAGING = "wnwa_bulk_rows"


def bulk_insert(
    table: Table, rows: Sequence[dict[str, Any]], *, returning: Sequence[str] = ()
) -> list[tuple]:
    """Insert `rows` (dicts with the same keys); return the `returning` columns of each row.

    Returned rows are in no particular order: match them on a unique column.
    """
    if not rows:
        return []
    names = list(rows[0])
    dialect = db.session.connection().dialect.name
    if dialect == "sqlite":
        return _sqlite_insert(table, names, rows, returning)
    if dialect == "postgresql" and len(rows) >= COPY_ROWS:
        return _postgres_copy(table, names, rows, returning)
    statement = insert(table)
    if returning:
        statement = statement.returning(*(table.c[n] for n in returning))
    result = db.session.execute(statement, list(rows))
    return [tuple(row) for row in result] if returning else []


def _values(table: Table, names: list[str], rows: Sequence[dict[str, Any]]) -> list[tuple]:
    """Each row's values in the order of `names`, bind-processed by their column types."""
    dialect = db.session.connection().dialect
    convert = [
        (index, process)
        for index, n in enumerate(names)
        if not isinstance(table.c[n].type, Boolean | LargeBinary)
        and (process := table.c[n].type.bind_processor(dialect)) is not None
    ]
    pick = itemgetter(*names)
    values = [pick(row) for row in rows] if len(names) > 1 else [(row[names[0]],) for row in rows]
    if convert:
        values = [_converted(row, convert) for row in values]
    return values


def _converted(values: tuple, convert: list[tuple[int, Any]]) -> tuple:
    out = list(values)
    for index, process in convert:
        out[index] = process(out[index])
    return tuple(out)


def _postgres_copy(
    table: Table, names: list[str], rows: Sequence[dict[str, Any]], returning: Sequence[str]
) -> list[tuple]:
    connection = db.session.connection()
    preparer = connection.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(n) for n in names)
    values = _values(table, names, rows)
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {STAGING} ON COMMIT DROP AS "  # noqa: S608 - names from the model
        f"SELECT {columns} FROM {preparer.format_table(table)} WITH NO DATA"
    )
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {STAGING} LIMIT 0")  # noqa: S608
        types = [described.type_code for described in cursor.description]
        with cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in values:
                copy.write_row(row)
    staged = table_clause(STAGING, *(column(n) for n in names))
    statement = insert(table).from_select(names, select(*staged.c))
    if returning:
        statement = statement.returning(*(table.c[n] for n in returning))
    result = connection.execute(statement)
    out = [tuple(row) for row in result] if returning else []
    connection.exec_driver_sql(f"DROP TABLE {STAGING}")
    return out


def _sqlite_insert(
    table: Table, names: list[str], rows: Sequence[dict[str, Any]], returning: Sequence[str]
) -> list[tuple]:
    connection = db.session.connection()
    preparer = connection.dialect.identifier_preparer
    target = preparer.format_table(table)
    before = 0
    if returning:
        before = connection.exec_driver_sql(
            f"SELECT coalesce(max(rowid), 0) FROM {target}"  # noqa: S608
        ).scalar_one()
    statement = (
        f"INSERT INTO {target} ({', '.join(preparer.quote(n) for n in names)}) "  # noqa: S608
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    connection.exec_driver_sql(statement, _values(table, names, rows))
    if not returning:
        return []
    new = select(*(table.c[n] for n in returning)).where(literal_column("rowid") > before)
    return [tuple(row) for row in connection.execute(new)]
