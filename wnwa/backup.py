"""`flask --app wsgi db backup FILE` / `db restore FILE` / `db checksums`.

* **SQLite**: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot
  while the app keeps serving; restore copies the file back the same way.
* **PostgreSQL**: `pg_dump --format=custom` as the backup role (`BACKUP_DATABASE_URL`), and
  `pg_restore --single-transaction --exit-on-error` as the owner (`MIGRATION_DATABASE_URL`)
  into an empty database. The tables FORCE row-level security, which binds their owner too:
  a dump by the owner would be refused (pg_dump turns `row_security` off and stops rather than
  dump a filtered table) or, with `--enable-row-security`, silently miss every department's
  rows. The backup role has BYPASSRLS and only reads (scripts/pg_roles.sql). The row-level
  security key (`wnwa_rls.signing_key`) is left out of the dump: restore stores it again from
  the running app's SECRET_KEY, as `flask db upgrade` does.

Both restore only into an empty database (or, on SQLite, with `--replace`), so a restore never
mixes two states. `db checksums` prints each table's row count and SHA-256 over its rows in a
fixed order; the same figures before the backup and after the restore prove the copy whole.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess  # pg_dump / pg_restore with fixed arguments, no shell  # nosec B404
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from wnwa.errors import DomainError

RLS_KEY_TABLE = "wnwa_rls.signing_key"
_EXTENSION_ENTRY = re.compile(r"^\d+; \d+ \d+ (COMMENT - )?EXTENSION ")


class BackupError(DomainError):
    pass


# --- checksums ------------------------------------------------------------------------------


def _tables(connection: Connection) -> list[str]:
    return sorted(inspect(connection).get_table_names())


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def table_checksums(connection: Connection) -> dict[str, tuple[int, str]]:
    """Each table's row count and a SHA-256 over its rows' digests, in sorted order.

    On PostgreSQL run it as a role that sees every row (the backup role): the app role sees
    one department's, the owner none.
    """
    sums: dict[str, tuple[int, str]] = {}
    for table in _tables(connection):
        # Each row's own digest, sorted: the order rows come back in does not matter, and no
        # column type needs an ordering operator (PostgreSQL's json has none).
        statement = text(f"SELECT * FROM {_quote(connection, table)}")  # noqa: S608
        rows = sorted(
            hashlib.sha256(repr(tuple(_plain(v) for v in row)).encode()).digest()
            for row in connection.execute(statement)
        )
        sums[table] = (len(rows), hashlib.sha256(b"".join(rows)).hexdigest())
    return sums


def _plain(value):
    return bytes(value) if isinstance(value, memoryview) else value


# --- where things are -----------------------------------------------------------------------


def _app_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _env_url(name: str) -> URL:
    value = os.environ.get(name) or current_app.config.get(name)
    if not value:
        raise BackupError(f"Set {name}.")
    return make_url(value)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore connection arguments, the password in the environment only."""
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database or ""]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    folder = current_app.config.get("PG_BIN_DIR") or os.environ.get("PG_BIN_DIR")
    found = shutil.which(name, path=folder) if folder else shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install postgresql-client (or set PG_BIN_DIR).")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if result.returncode != 0:
        # pg_dump/pg_restore messages name objects, never row values.
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-800:]}")


@contextmanager
def _engine(url: URL) -> Iterator[Engine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


# --- backup and restore ---------------------------------------------------------------------


def _source_url() -> URL:
    """What a backup reads: the database named by BACKUP_DATABASE_URL when set (the backup
    role, on the backup host), else the app's own."""
    named = os.environ.get("BACKUP_DATABASE_URL") or current_app.config.get("BACKUP_DATABASE_URL")
    return make_url(named) if named else _app_url()


def _open_app_database(path: Path) -> sqlite3.Connection:
    """The SQLite database at `path`, read-only; BackupError unless it is this app's (it has
    its migration record): a mistyped path must not back up, or restore, an empty file."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        ours = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()[0]
    except sqlite3.DatabaseError:
        ours = 0
        connection = None
    if not ours:
        if connection is not None:
            connection.close()
        raise BackupError(f"{path} is not a WeNeverWalkAlone SQLite database.")
    return connection


def backup(out: Path) -> str:
    url = _source_url()
    out = out.resolve()
    if out.exists():  # the live database itself, or yesterday's backup: never overwritten
        raise BackupError(f"{out} already exists: a backup is written to a new file.")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    if url.get_backend_name() == "sqlite":
        source = _open_app_database(_sqlite_path(url))
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        args, env = _libpq(_env_url("BACKUP_DATABASE_URL"))  # the backup role, nothing less
        _run(
            [
                _tool("pg_dump"),
                *args,
                "--format=custom",
                "--no-password",
                f"--exclude-table-data={RLS_KEY_TABLE}",
                "--file",
                str(partial),
            ],
            env,
        )
    else:
        raise BackupError(f"No backup method for {url.get_backend_name()}.")
    os.chmod(partial, 0o600)
    partial.replace(out)  # a backup file that exists is a whole one
    return f"Backed up to {out} ({out.stat().st_size:,} bytes)."


def restore(source: Path, *, replace: bool = False) -> str:
    url = _app_url()
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    if url.get_backend_name() == "sqlite":
        return _restore_sqlite(source, _sqlite_path(url), replace=replace)
    if url.get_backend_name() == "postgresql":
        if replace:
            raise BackupError(
                "On PostgreSQL, restore into a new empty database (scripts/pg_database.sql)."
            )
        return _restore_postgres(source, _env_url("MIGRATION_DATABASE_URL"))
    raise BackupError(f"No restore method for {url.get_backend_name()}.")


def _restore_sqlite(source: Path, target_path: Path, *, replace: bool) -> str:
    check = _open_app_database(source)
    try:
        sound = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        sound = False
    finally:
        check.close()
    if not sound:
        raise BackupError(f"{source} is not a sound SQLite database.")
    if source.resolve() == target_path.resolve():
        raise BackupError(f"{source} is the database itself.")
    if target_path.is_dir():
        raise BackupError(f"{target_path} is a folder: DATABASE_URL must name a database file.")
    if target_path.exists() and not replace:
        try:
            with sqlite3.connect(f"file:{target_path}?mode=ro", uri=True) as existing:
                tables = existing.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                ).fetchone()[0]
        except sqlite3.DatabaseError:
            tables = 1  # not a database at all: not ours to overwrite without --replace
        if tables:
            raise BackupError(
                f"{target_path} is not empty: restore into a new file, or pass --replace."
            )
    target_path.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target_path)
    try:
        src.backup(dst)  # page by page under one lock: readers see the old or the new file
    finally:
        dst.close()
        src.close()
    return f"Restored {target_path} from {source}."


def _restore_postgres(source: Path, owner_url: URL) -> str:
    from wnwa.crypto import derive_key
    from wnwa.tenants import rls

    with _engine(owner_url) as engine, engine.connect() as connection:
        if _tables(connection):
            raise BackupError(
                f"Database {owner_url.database} is not empty: restore into a new database "
                "(scripts/pg_database.sql), then point DATABASE_URL at it."
            )
    args, env = _libpq(owner_url)
    # The empty database already has its extensions (scripts/pg_database.sql, as the
    # superuser); the owner may not create or comment on them again, so they are left out.
    listing = subprocess.run(  # noqa: S603  # nosec B603
        [_tool("pg_restore"), "--list", str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    if listing.returncode != 0:
        raise BackupError(f"{source} is not a pg_dump archive: {listing.stderr.strip()[-300:]}")
    entries = [line for line in listing.stdout.splitlines() if not _EXTENSION_ENTRY.search(line)]
    use_list = source.with_name(source.name + ".restore-list")
    use_list.write_text("\n".join(entries) + "\n")
    try:
        _run(
            [
                _tool("pg_restore"),
                *args,
                "--no-password",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--use-list",
                str(use_list),
                str(source),
            ],
            env,
        )
    finally:
        use_list.unlink(missing_ok=True)
    with _engine(owner_url) as engine, engine.begin() as connection:
        key = derive_key(current_app.config["SECRET_KEY"], rls.KEY_PURPOSE)
        rls.store_signing_key(connection, key)
        connection.execute(text("ANALYZE"))
    return f"Restored {owner_url.database} from {source}; row-level security key stored."


def checksums() -> dict[str, tuple[int, str]]:
    url = _app_url()
    if url.get_backend_name() == "postgresql":
        url = _env_url("BACKUP_DATABASE_URL")
    with _engine(url) as engine, engine.connect() as connection:
        return table_checksums(connection)


# --- commands (added to Flask-Migrate's `db` group) -----------------------------------------


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(out: Path) -> None:
    """Back the database up to OUT (SQLite online backup; PostgreSQL pg_dump custom format)."""
    try:
        click.echo(backup(out))
    except BackupError as exc:
        raise click.ClickException(exc.message) from None


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="SQLite: overwrite a database that has tables.")
def restore_command(source: Path, replace: bool) -> None:
    """Restore a backup into the (empty) database; on PostgreSQL as the owner
    (MIGRATION_DATABASE_URL)."""
    try:
        click.echo(restore(source, replace=replace))
    except BackupError as exc:
        raise click.ClickException(exc.message) from None


@click.command("checksums")
def checksums_command() -> None:
    """Each table's row count and checksum (compare before a backup and after its restore)."""
    try:
        sums = checksums()
    except BackupError as exc:
        raise click.ClickException(exc.message) from None
    width = max((len(t) for t in sums), default=5)
    for table, (count, digest) in sums.items():
        click.echo(f"{table:<{width}}  {count:>9,}  {digest}")


COMMANDS = (backup_command, restore_command, checksums_command)
