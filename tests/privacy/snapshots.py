"""Full dumps of every table, to prove that an officer's use of the portal writes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text

from wnwa.extensions import db
from wnwa.tenants.scoping import cross_department_read


def _tables(connection) -> list[str]:
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        )
        return sorted(r[0] for r in rows)
    return sorted(inspect(connection).get_table_names())


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (SQLite: including FTS shadow tables), sorted, as tuples.

    On PostgreSQL the dump runs under a cross-department read grant, so RLS does not hide rows
    from it.
    """
    session = db.session()
    connection = session.connection()
    with cross_department_read(connection):
        dump = {}
        for table in _tables(connection):
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()  # noqa: S608
            dump[table] = sorted((tuple(map(_plain, r)) for r in rows), key=repr)
        return dump


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def diff(before: dict, after: dict) -> dict[str, str]:
    """Tables whose contents changed, with a short description."""
    changed = {}
    for table in sorted(set(before) | set(after)):
        a, b = before.get(table), after.get(table)
        if a != b:
            changed[table] = f"{len(a or [])} rows -> {len(b or [])} rows"
    return changed
