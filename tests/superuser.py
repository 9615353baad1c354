"""Clean-up that the app role may not do: tests that commit for real remove their audit rows.

The audit trail is append-only under row-level security on PostgreSQL (docs/POSTGRES.md): not
even its owner may delete from it. The throwaway test cluster's superuser (which bypasses
row-level security) removes what such a test committed. On SQLite the app's own session does.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import create_engine, delete, make_url, or_
from sqlalchemy.pool import NullPool

from wnwa.audit import AuditEntry
from wnwa.extensions import db


def purge_audit(
    app_url: str, department_ids: Iterable[int] = (), subject_like: str | None = None
) -> None:
    table = AuditEntry.__table__
    rules = [table.c.department_id.in_(list(department_ids))]
    if subject_like is not None:
        rules.append(table.c.subject.like(subject_like))
    statement = delete(table).where(or_(*rules))
    url = make_url(app_url)
    if url.get_backend_name() != "postgresql":
        db.session.execute(statement)
        return
    engine = create_engine(url.set(username="postgres", password=None), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(statement)
    finally:
        engine.dispose()
