"""Insert thousands of rows in one round trip (flush only, inside the caller's transaction).

PostgreSQL: one `INSERT ... SELECT ... FROM json_to_recordset(:rows)` per chunk, the rows
sent as one JSON text parameter: the statement text stays small however many rows there are (a
multi-row VALUES list of 13,000 rows costs psycopg more to prepare than the server needs to
insert it), and one JSON text is cheaper for the driver to send than one array per column.
COPY is not an option for tenant tables: PostgreSQL refuses COPY FROM on tables with
row-level security. Other engines: a multi-row insert (executemany).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
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
    postgres = db.session.connection().dialect.name == "postgresql"
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
