"""Clean-up that the app role may not do: tests that commit for real remove their audit rows.

The audit trail is append-only under row-level security on PostgreSQL (docs/POSTGRES.md): not
even its owner may delete from it. The throwaway test cluster's superuser (which bypasses
row-level security) removes what such a test committed. On SQLite the app's own session does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

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


@contextmanager
def real_transactions(app, pool_size: int) -> Iterator[None]:
    """Swap the test's rolled-back connection for a real engine of `pool_size` connections, so
    that threads commit transactions of their own; put the test's connection back after. What
    was committed is the caller's to remove, inside the block."""
    from wnwa.database import configure_engine_events

    engines = db._app_engines[app]
    held = engines[None]
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=pool_size)
    configure_engine_events(engine)
    engines[None] = engine
    db.session.remove()
    try:
        yield
    finally:
        db.session.remove()
        engines[None] = held
        engine.dispose()
