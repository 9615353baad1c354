"""Each scheduled job's lock, so a job runs on one node at a time (wnwa/jobs.py) and the mail
worker never drains the queue beside another node's `jobs run-due`: a PostgreSQL session
advisory lock on a connection of its own, or an exclusive `flock` on a file beside the SQLite
database."""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from wnwa.extensions import db

# Advisory lock keys are 64-bit; this namespace keeps ours apart from any other user's.
_LOCK_NAMESPACE = b"wnwa-job:"


def lock_key(name: str) -> int:
    digest = hashlib.sha256(_LOCK_NAMESPACE + name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock_dir() -> Path:
    configured = current_app.config.get("JOBS_LOCK_DIR")
    if configured:
        return Path(configured)
    database = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database
    if database and database != ":memory:":
        return Path(database).resolve().parent
    return Path(tempfile.gettempdir())


def lock_path(name: str) -> Path:
    """The SQLite lock file: beside the database, named by the database file (however its
    path is spelled: `./`, `..`, a symbolic link) and the job."""
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    database = make_url(uri).database
    if database and database != ":memory:" and not database.startswith("file:"):
        uri = str(Path(database).resolve())
    tag = hashlib.sha256(f"{uri}|{name}".encode()).hexdigest()[:16]
    return _lock_dir() / f".wnwa-job-{tag}.lock"


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Yield True holding the job's lock, or False at once if another process holds it."""
    bind = db.engine
    if bind.dialect.name == "postgresql":
        with _advisory_lock(bind, lock_key(name)) as held:
            yield held
        return
    path = lock_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(bind, key: int) -> Iterator[bool]:
    # A session-level lock on a connection of its own: the job's commits do not release it,
    # and PostgreSQL releases it if this process dies. (Under the test suite `db.engine` is
    # the test's held connection, which is used as it is.)
    if isinstance(bind, Engine):
        connection = bind.connect()
        owned = True
    else:
        connection, owned = bind, False
    try:
        held = bool(connection.scalar(select(func.pg_try_advisory_lock(key))))
        if owned:
            connection.commit()
        try:
            yield held
        finally:
            if held:
                connection.scalar(select(func.pg_advisory_unlock(key)))
                if owned:
                    connection.commit()
    finally:
        if owned:
            connection.close()
