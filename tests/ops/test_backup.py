"""`flask db backup` / `flask db restore`: a fresh database restored from a backup has the
same rows in every table (per-table checksums), on SQLite and PostgreSQL.

On PostgreSQL the source and the restored database are real, separate databases on the test
cluster, made like production ones (scripts/pg_database.sql), migrated by the owner and filled
through the app role; the dump is taken by the backup role and restored by the owner.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from config import TestingConfig
from tests import factories
from wnwa import backup, create_app
from wnwa.extensions import db
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context

ROOT = Path(__file__).resolve().parents[2]


def _fill() -> dict[int, int]:
    """Departments with officers, a chief and a certified supporter each; committed."""
    people = {}
    for n in range(3):
        department = factories.department(sworn=40 + n)
        with tenant_context(department.id):
            factories.officer(department, chief=True)
            for _ in range(5 + n):
                factories.officer(department)
        db.session.commit()
        people[department.id] = 6 + n
    return people


def _count_people(department_id: int) -> int:
    with tenant_context(department_id):
        return db.session.scalar(select(func.count()).select_from(User))


@contextmanager
def _app(url: str, **env: str) -> Iterator:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _upgrade() -> None:
    from flask_migrate import upgrade

    upgrade(directory=str(ROOT / "migrations"), revision="heads")


def test_sqlite_backup_restores_into_a_fresh_file_with_the_same_rows(tmp_path, engine_name):
    if engine_name != "sqlite":
        pytest.skip("the PostgreSQL pass runs the PostgreSQL test below")
    source, copy, restored = tmp_path / "live.sqlite3", tmp_path / "b.sqlite3", tmp_path / "r.db"
    with _app(f"sqlite:///{source}"):
        _upgrade()
        people = _fill()
        before = backup.checksums()
        backup.backup(copy)
    assert copy.stat().st_mode & 0o777 == 0o600
    with _app(f"sqlite:///{restored}"):
        backup.restore(copy)
        assert backup.checksums() == before
        for department_id, count in people.items():
            assert _count_people(department_id) == count
        with pytest.raises(backup.BackupError, match="not empty"):
            backup.restore(copy)
        backup.restore(copy, replace=True)
        assert backup.checksums() == before
    assert sum(n for n, _ in before.values()) > 30
    assert before["user_account"][0] == sum(people.values())


def _pg_database(name: str) -> None:
    admin = make_url(os.environ["WNWA_PG_ADMIN_URL"])
    subprocess.run(
        [
            "psql",
            "-q",
            "-h",
            admin.host,
            "-p",
            str(admin.port),
            "-U",
            admin.username,
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            f"db={name}",
            "-f",
            str(ROOT / "scripts" / "pg_database.sql"),
        ],
        check=True,
        capture_output=True,
    )


def _on(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.mark.postgres_only
def test_postgres_backup_by_the_backup_role_restores_every_department(tmp_path):
    suffix = os.getpid()
    source, target = f"wnwa_bk_src_{suffix}", f"wnwa_bk_dst_{suffix}"
    _pg_database(source)
    _pg_database(target)
    app_url, owner_url = os.environ["WNWA_TEST_DATABASE_URL"], os.environ["MIGRATION_DATABASE_URL"]
    backup_url = os.environ["BACKUP_DATABASE_URL"]
    dump = tmp_path / "wnwa.dump"
    with _app(
        _on(app_url, source),
        MIGRATION_DATABASE_URL=_on(owner_url, source),
        BACKUP_DATABASE_URL=_on(backup_url, source),
    ):
        _upgrade()
        people = _fill()
        before = backup.checksums()
        backup.backup(dump)
    assert before["user_account"][0] == sum(people.values())
    assert before["certification"][0] >= 0
    with _app(
        _on(app_url, target),
        MIGRATION_DATABASE_URL=_on(owner_url, target),
        BACKUP_DATABASE_URL=_on(backup_url, target),
    ):
        backup.restore(dump)
        assert backup.checksums() == before
        # Row-level security works in the restored database: its key was stored again.
        for department_id, count in people.items():
            assert _count_people(department_id) == count
        with pytest.raises(backup.BackupError, match="not empty"):
            backup.restore(dump)


@pytest.mark.postgres_only
def test_a_dump_by_the_owner_cannot_see_the_rows(tmp_path):
    """Why the backup role exists: FORCE row-level security binds the owner too."""
    owner = make_url(os.environ["MIGRATION_DATABASE_URL"])
    result = subprocess.run(
        [
            "pg_dump",
            "-h",
            owner.host,
            "-p",
            str(owner.port),
            "-U",
            owner.username,
            "-d",
            owner.database,
            "--format=custom",
            "-f",
            str(tmp_path / "owner.dump"),
        ],
        env={**os.environ, "PGPASSWORD": owner.password},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "row-level security" in result.stderr


def test_backup_refuses_what_it_cannot_do(tmp_path, ctx, engine_name):
    with pytest.raises(backup.BackupError, match="No backup file"):
        backup.restore(tmp_path / "missing.dump")
    if engine_name == "sqlite":
        bad = tmp_path / "bad.sqlite3"
        bad.write_bytes(b"not a database" * 100)
        with pytest.raises(backup.BackupError, match="not a WeNeverWalkAlone SQLite database"):
            backup.restore(bad)


def test_a_backup_or_restore_never_loses_the_live_database(tmp_path, engine_name):
    """A backup written over the live file (or any file), a backup of a database that is not
    there, and an empty or foreign file restored with --replace: each refused, nothing lost."""
    if engine_name != "sqlite":
        pytest.skip("SQLite files; the PostgreSQL paths restore only into an empty database")
    live = tmp_path / "live.sqlite3"
    with _app(f"sqlite:///{live}"):
        _upgrade()
        _fill()
        before = backup.checksums()
        for existing in (live, tmp_path / "notes.txt"):
            existing.touch()
            with pytest.raises(backup.BackupError, match="already exists"):
                backup.backup(existing)
        empty, foreign = tmp_path / "empty.db", tmp_path / "foreign.db"
        empty.touch()
        with closing(sqlite3.connect(foreign)) as other:
            other.execute("CREATE TABLE t (x)")
        for wrong in (empty, foreign):
            with pytest.raises(backup.BackupError, match="not a WeNeverWalkAlone SQLite"):
                backup.restore(wrong, replace=True)
        with pytest.raises(backup.BackupError, match="the database itself"):
            backup.restore(live, replace=True)
        assert backup.checksums() == before
    missing = tmp_path / "nothere.sqlite3"
    with _app(f"sqlite:///{missing}"):
        with pytest.raises(backup.BackupError, match="not a WeNeverWalkAlone SQLite"):
            backup.backup(tmp_path / "of-nothing.db")
    assert not missing.exists() and not (tmp_path / "of-nothing.db").exists()


def test_backup_database_url_names_what_is_backed_up(tmp_path, engine_name):
    """The backup host sets only BACKUP_DATABASE_URL: that database is backed up, never the
    default one the app would fall back to."""
    if engine_name != "sqlite":
        pytest.skip("the PostgreSQL test above backs up through BACKUP_DATABASE_URL")
    real, default, copy = tmp_path / "real.sqlite3", tmp_path / "default.sqlite3", tmp_path / "b"
    with _app(f"sqlite:///{real}"):
        _upgrade()
        _fill()
        before = backup.checksums()
    with _app(f"sqlite:///{default}", BACKUP_DATABASE_URL=f"sqlite:///{real}"):
        backup.backup(copy)
    assert not default.exists()
    with _app(f"sqlite:///{tmp_path / 'restored.sqlite3'}"):
        backup.restore(copy)
        assert backup.checksums() == before
