#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster on 127.0.0.1, removed afterwards.
#   scripts/with_postgres.sh pytest ...
# Exports WNWA_TEST_DATABASE_URL (the app role, which owns nothing and cannot bypass RLS),
# MIGRATION_DATABASE_URL (the owner, for migrations), BACKUP_DATABASE_URL (the read-only backup
# role), WNWA_PG_ADMIN_URL (the superuser, for tests that create databases) and WNWA_PG_LOG.
set -euo pipefail

initdb_path=$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -n 1 || true)
if [ -z "$initdb_path" ]; then
  echo "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql" >&2
  exit 3
fi
bindir=$(dirname "$(readlink -f "$initdb_path")")
dir=$(mktemp -d /tmp/wnwa-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi

cleanup() {
  as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Privacy settings as in production: no statement text in the log, no connection lines.
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s -o "\
 -c listen_addresses=127.0.0.1 -p $port -k $dir \
 -c log_min_error_statement=panic -c log_connections=off -c log_disconnections=off \
 -c log_statement=none -c log_min_duration_statement=-1 -c log_error_verbosity=terse \
 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start
psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -v db=wnwa \
  -f "$(dirname "$0")/pg_roles.sql" >/dev/null

export WNWA_TEST_DATABASE_URL="postgresql+psycopg://wnwa_app:app@127.0.0.1:$port/wnwa"
export MIGRATION_DATABASE_URL="postgresql+psycopg://wnwa_owner:owner@127.0.0.1:$port/wnwa"
export BACKUP_DATABASE_URL="postgresql+psycopg://wnwa_backup:backup@127.0.0.1:$port/wnwa"
export WNWA_PG_ADMIN_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
export WNWA_PG_LOG="$dir/server.log"
"$@"
