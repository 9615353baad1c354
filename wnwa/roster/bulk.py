"""Insert thousands of rows in one round trip (flush only, inside the caller's transaction).

PostgreSQL: one `INSERT ... SELECT ... FROM json_to_recordset(:rows)` per chunk, the rows
sent as one JSON text parameter: the statement text stays small however many rows there are (a
multi-row VALUES list of 13,000 rows costs psycopg more to prepare than the server needs to
insert it), and one JSON text is cheaper for the driver to send than one array per column.
COPY is not an option for tenant tables: PostgreSQL refuses COPY FROM on tables with
row-level security. SQLite: the driver's own executemany of one prepared INSERT (values
bind-processed by their column types first), which skips building and compiling a statement
per chunk; the `returning` columns are then read back in one SELECT of the rows whose rowid
is above the largest before the insert (the transaction holds SQLite's only write lock from
the insert on, and a snapshot that went stale before it cannot write at all, so those rows
are exactly the new ones).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    LargeBinary,
    Row,
    Select,
    Table,
    Text,
    bindparam,
    cast,
    column,
    func,
    insert,
    literal_column,
    select,
)

from wnwa.extensions import db

PG_CHUNK = 5000
CHUNK = 1000


def bulk_insert(
    table: Table, rows: Sequence[dict[str, Any]], *, returning: Sequence[str] = ()
) -> list[Row]:
    """Insert `rows` (dicts with the same keys); return the `returning` columns of each row.

    Returned rows are in no particular order: match them on a unique column.
    """
    if not rows:
        return []
    names = list(rows[0])
    dialect = db.session.connection().dialect.name
    if dialect == "sqlite":
        return _sqlite_insert(table, names, rows, returning)
    postgres = dialect == "postgresql"
    size = PG_CHUNK if postgres else CHUNK
    out: list[Row] = []
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        if postgres:
            statement = insert(table).from_select(names, _json_rows(table, names, chunk))
            if returning:
                statement = statement.returning(*(table.c[n] for n in returning))
            result = db.session.execute(statement)
        else:
            statement = insert(table)
            if returning:
                statement = statement.returning(*(table.c[n] for n in returning))
            result = db.session.execute(statement, list(chunk))
        if returning:
            out.extend(result.all())
    return out


def _sqlite_insert(
    table: Table, names: list[str], rows: Sequence[dict[str, Any]], returning: Sequence[str]
) -> list[Row]:
    connection = db.session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    # sqlite3 stores Python bools and bytes as they are; other types convert if they need to.
    convert = [
        (index, process)
        for index, n in enumerate(names)
        if not isinstance(table.c[n].type, Boolean | LargeBinary)
        and (process := table.c[n].type.bind_processor(dialect)) is not None
    ]
    before = 0
    if returning:
        before = connection.exec_driver_sql(
            f"SELECT coalesce(max(rowid), 0) FROM {target}"  # noqa: S608
        ).scalar_one()
    statement = (
        f"INSERT INTO {target} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    params = [tuple(row[n] for n in names) for row in rows]
    if convert:
        params = [_converted(values, convert) for values in params]
    connection.exec_driver_sql(statement, params)
    if not returning:
        return []
    new = select(*(table.c[n] for n in returning)).where(literal_column("rowid") > before)
    return list(connection.execute(new))


def _converted(values: tuple, convert: list[tuple[int, Any]]) -> tuple:
    out = list(values)
    for index, process in convert:
        out[index] = process(out[index])
    return tuple(out)


def _json_rows(table: Table, names: list[str], chunk: Sequence[dict[str, Any]]) -> Select:
    """The rows of one JSON parameter as a typed derived table. Each value goes through its
    column type's bind processing first (so UTCDateTime stores UTC); bytes travel as hex."""
    dialect = db.session.connection().dialect
    binary = {n for n in names if isinstance(table.c[n].type, LargeBinary)}
    encoders = {n: _hex for n in binary}
    for n in names:
        if n not in binary and (process := table.c[n].type.bind_processor(dialect)) is not None:
            encoders[n] = process
    # Only the values that need it are converted; the rest go to json.dumps as they are.
    converted = (
        [{**row, **{n: encode(row[n]) for n, encode in encoders.items()}} for row in chunk]
        if encoders
        else chunk
    )
    payload = json.dumps(converted, default=_json_value)
    source = (
        func.json_to_recordset(cast(bindparam("rows", payload, type_=Text), JSON))
        .table_valued(*(column(n, Text if n in binary else table.c[n].type) for n in names))
        .render_derived(with_types=True)
    )
    return select(*(func.decode(source.c[n], "hex") if n in binary else source.c[n] for n in names))


def _hex(value: bytes | None) -> str | None:
    return None if value is None else value.hex()


def _json_value(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} in a bulk insert")
