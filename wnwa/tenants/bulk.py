"""Insert thousands of rows in one round trip (flush only, inside the caller's transaction).

PostgreSQL: one `INSERT ... SELECT * FROM unnest(array, array, ...)` per chunk, each column
sent as one array parameter: the statement text stays small however many rows there are (a
multi-row VALUES list of 13,000 rows costs psycopg more to prepare than the server needs to
insert it). COPY is not an option for tenant tables: PostgreSQL refuses COPY FROM on tables
with row-level security. Other engines: a multi-row insert (executemany).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Table, bindparam, cast, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY

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
            arrays = [
                cast(
                    bindparam(
                        f"p_{name}", [row[name] for row in chunk], type_=ARRAY(table.c[name].type)
                    ),
                    ARRAY(table.c[name].type),
                )
                for name in names
            ]
            source = func.unnest(*arrays).table_valued(*names).render_derived()
            statement = insert(table).from_select(names, select(*(source.c[n] for n in names)))
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
