"""The standing row-level security test: as the app role, bound to department A, every table
that carries a department refuses to show, change, delete or accept department B's rows, with
and without every session setting the app role can change (the settings the policies read,
and those older policies read), forged, guessed or replayed from another transaction.

The tables come from the models (every table with a `department_id`); a new table is covered
without editing this file, and fails until the fixture below gives department B a row in it.
The policy each table has, and why, is listed in docs/POSTGRES.md; the last tests hold the
document, the models and the database to the same list.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from tests.test_tenant_isolation import (  # noqa: F401 - fixtures
    clock,
    fake,
    other_department,
    tr,
)
from wnwa import audit
from wnwa.crypto import app_key
from wnwa.extensions import db
from wnwa.tenants import rls
from wnwa.tenants.models import ScimIdentity, User
from wnwa.tenants.scoping import cross_department_read, tenant_context
from wnwa.training.models import Attendance, ClassDay, QuotaReminder, Seat
from wnwa.us_states import network_day

DOC = Path(__file__).resolve().parents[2] / "docs" / "POSTGRES.md"
# Settings older policies read: a forged value must not matter either.
LEGACY_SETTINGS = {"app.tenant_id", "app.unscoped"}
# Rows other departments may read by design (and only read).
READ_BY_EVERYONE = {t for t, kind in rls.POLICIES.items() if kind == "directory"}
INSUFFICIENT_PRIVILEGE = "42501"

postgres_only = pytest.mark.postgres_only


def department_tables() -> list[str]:
    return sorted(t.name for t in db.metadata.sorted_tables if "department_id" in t.c)


def policy_kind(table: str) -> str:
    return rls.POLICIES.get(table, "tenant")


# --- documentation and models (both engines) -----------------------------------------------


def _documented() -> dict[str, str]:
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \|", DOC.read_text(), re.MULTILINE)
    return dict(rows)


def test_docs_list_every_table_with_a_department_and_its_policy(app):
    expected = {t: policy_kind(t) for t in department_tables()}
    assert _documented() == expected


def test_every_named_exception_is_a_table_with_a_department(app):
    assert set(rls.POLICIES) <= set(department_tables())
    assert set(rls.POLICIES.values()) <= set(rls.WHY)


# --- the database -----------------------------------------------------------------------------


@pytest.fixture
def b_everywhere(other_department, tr, make):  # noqa: F811 - fixture imported above
    """Department B with at least one row in every table that carries a department."""
    zed_id = other_department["user_id"]
    zed = db.session.scalars(
        select(User).where(User.id == zed_id).execution_options(unscoped=True)
    ).one()
    b_id = zed.department_id
    today = network_day()
    tr.supporter(zed.department, today)  # certification, profile, directory listing
    with tenant_context(b_id):
        seat = db.session.scalars(select(Seat).where(Seat.id == other_department["seat_id"])).one()
        day = db.session.scalars(
            select(ClassDay).where(ClassDay.class_id == seat.class_id).limit(1)
        ).one()
        db.session.add(Attendance(seat_id=seat.id, day_id=day.id))
        db.session.add(ScimIdentity(user_id=zed_id, user_name="zed@bravo.example"))
        db.session.add(
            QuotaReminder(department_id=b_id, kind="shortfall", period="p", sent_on=today)
        )
        audit.record("test", "roster.test", department_id=b_id, subject="b")
        db.session.commit()
    a = make.department("Alpha PD", sworn=10)
    make.officer(a, first_name="Alma")
    return a.id, b_id


def _settings_read_by_policies(connection) -> set[str]:
    sources = connection.execute(
        text(
            "SELECT coalesce(qual, '') || ' ' || coalesce(with_check, '') FROM pg_policies "
            "UNION ALL SELECT prosrc FROM pg_proc WHERE proname LIKE 'wnwa%'"
        )
    ).scalars()
    found = set()
    for source in sources:
        found |= set(re.findall(r"app\.[a-z_]+", source))
    return found


ELSEWHERE = "1:1"  # another backend's, another transaction's identity


def _claim_from_elsewhere(key: bytes, department_id: int) -> str:
    """A real claim for `department_id`, signed over another transaction."""
    return f"{department_id}.{rls.mac(key, f'tenant:{ELSEWHERE}:{department_id}')}"


def _grant_from_elsewhere(key: bytes) -> str:
    return rls.mac(key, f"cross-read:{ELSEWHERE}")


def _forgeries(connection, a_id: int, b_id: int) -> list[dict[str, str]]:
    """Session settings an injected statement could make: every setting, alone and together,
    with guessed values and with signed values replayed from another transaction."""
    key = app_key(rls.KEY_PURPOSE)
    own_claim = connection.execute(text("SELECT current_setting('app.tenant', true)")).scalar()
    values = {
        "",
        "on",
        "true",
        str(b_id),
        f"{b_id}.{(own_claim or '.').split('.', 1)[1]}",  # own signature on B's id
        _claim_from_elsewhere(key, b_id),  # B's claim replayed from elsewhere
        _grant_from_elsewhere(key),  # a grant replayed from elsewhere
    }
    names = _settings_read_by_policies(connection) | LEGACY_SETTINGS
    assert {"app.tenant", "app.cross_read"} <= names
    states: list[dict[str, str]] = [{}]
    for name in sorted(names):
        states += [{name: value} for value in sorted(values)]
    states.append({name: "on" for name in names} | {"app.tenant": str(b_id)})
    states.append(
        {name: _grant_from_elsewhere(key) for name in names}
        | {"app.tenant": _claim_from_elsewhere(key, b_id)}
    )
    return states


def _run(connection, statement: str, params: dict) -> int | str:
    """Rows returned, or the SQLSTATE the statement failed with (its savepoint undone)."""
    savepoint = connection.begin_nested()
    try:
        result = connection.execute(text(statement), params)
        rows = len(result.all()) if result.returns_rows else result.rowcount
    except DBAPIError as exc:
        savepoint.rollback()
        return getattr(exc.orig, "sqlstate", None) or "error"
    savepoint.rollback()
    return rows


def _attempt(connection, table: str, b_id: int, settings: dict[str, str]) -> dict[str, object]:
    """Read, update, delete and insert department B's rows; the savepoint undoes it all."""
    savepoint = connection.begin_nested()
    try:
        for name, value in settings.items():
            connection.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
        b = {"b": b_id}
        return {
            "select": _run(connection, f"SELECT 1 FROM {table} WHERE department_id = :b", b),
            "update": _run(
                connection,
                f"UPDATE {table} SET department_id = :b WHERE department_id = :b RETURNING 1",
                b,
            ),
            "delete": _run(
                connection, f"DELETE FROM {table} WHERE department_id = :b RETURNING 1", b
            ),
            "insert": _run(connection, f"INSERT INTO {table} (department_id) VALUES (:b)", b),
        }
    finally:
        savepoint.rollback()


def _reached(outcome: int | str) -> bool:
    """The statement got past row-level security: it touched rows, or failed on something
    else (a foreign key, a NOT NULL column) that only a row it could reach can trigger."""
    return outcome != INSUFFICIENT_PRIVILEGE and outcome != 0


@postgres_only
def test_every_table_with_a_department_is_under_forced_rls_with_its_policies(app):
    connection = db.session.connection()
    assert rls.tables_with_department(connection) == department_tables()
    flags = dict(
        (r[0], (r[1], r[2]))
        for r in connection.execute(
            text(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            )
        )
    )
    commands: dict[str, set[str]] = {}
    for table, command in connection.execute(
        text("SELECT tablename, cmd FROM pg_policies WHERE schemaname = 'public'")
    ):
        commands.setdefault(table, set()).add(command)
    for table in department_tables():
        assert flags[table] == (True, True), table
        expected = {"SELECT", "INSERT"}
        if policy_kind(table) != "append_only":
            expected |= {"UPDATE", "DELETE"}
        assert commands.get(table) == expected, table  # no FOR ALL policy anywhere


@postgres_only
def test_another_departments_rows_stay_out_of_reach(app, b_everywhere):
    a_id, b_id = b_everywhere
    tables = department_tables()
    with tenant_context(a_id):
        connection = db.session.connection()
        # B has rows everywhere (read with the app's real grant), so the zeros below mean
        # something; the real grant still changes nothing of B's.
        with cross_department_read(connection):
            for table in tables:
                seen = _attempt(connection, table, b_id, {})
                assert seen["select"] > 0, f"give department B a row in {table} (fixture above)"
                assert (seen["update"], seen["delete"]) == (0, 0), (table, seen)
                assert seen["insert"] == INSUFFICIENT_PRIVILEGE, (table, seen)
        states = _forgeries(connection, a_id, b_id)
        for table in tables:
            for settings in states:
                seen = _attempt(connection, table, b_id, settings)
                what = (table, settings, seen)
                if table in READ_BY_EVERYONE:
                    assert seen["select"] > 0, what  # the documented exception: reads only
                else:
                    assert seen["select"] == 0, what
                assert (seen["update"], seen["delete"]) == (0, 0), what
                assert seen["insert"] == INSUFFICIENT_PRIVILEGE, what


def _bound_to(connection) -> int | None:
    return connection.execute(text("SELECT wnwa_tenant()")).scalar()


@postgres_only
def test_only_this_connections_ticket_makes_a_claim(app, b_everywhere):
    """The claim makers sign nothing for a forged, guessed or borrowed ticket."""
    a_id, b_id = b_everywhere
    key = app_key(rls.KEY_PURPOSE)
    with tenant_context(a_id):
        connection = db.session.connection()
        pid = connection.connection.driver_connection.info.backend_pid
        assert _bound_to(connection) == a_id
        claim = "SELECT set_config('app.tenant', wnwa_claim_tenant(:d, :t), true)"
        for department, ticket in (
            (b_id, ""),
            (b_id, "0" * 64),
            (b_id, rls.tenant_ticket(key, pid + 1, b_id)),  # another connection's
            (b_id, rls.tenant_ticket(key, pid, a_id)),  # own department's, for B
            (b_id, rls.tenant_ticket(b"guessed key", pid, b_id)),
            (0, rls.tenant_ticket(key, pid, 0)),
        ):
            outcome = _run(connection, claim, {"d": department, "t": ticket})
            assert outcome == INSUFFICIENT_PRIVILEGE, (department, ticket)
            assert _bound_to(connection) == a_id
        grant = "SELECT set_config('app.cross_read', wnwa_claim_cross_read(:t), true)"
        for ticket in ("", rls.cross_read_ticket(key, pid + 1), rls.tenant_ticket(key, pid, a_id)):
            assert _run(connection, grant, {"t": ticket}) == INSUFFICIENT_PRIVILEGE, ticket
            assert connection.execute(text("SELECT wnwa_cross_read()")).scalar() is False
        # the control: this connection's own tickets work
        connection.execute(text(claim), {"d": b_id, "t": rls.tenant_ticket(key, pid, b_id)})
        assert _bound_to(connection) == b_id
        connection.execute(text(grant), {"t": rls.cross_read_ticket(key, pid)})
        assert connection.execute(text("SELECT wnwa_cross_read()")).scalar() is True
        connection.execute(text("SELECT set_config('app.cross_read', '', true)"))


@postgres_only
def test_a_claim_is_worthless_in_the_next_transaction(app, b_everywhere):
    """The database signs over its own transaction: a claim carried over binds nothing."""
    a_id, b_id = b_everywhere
    key = app_key(rls.KEY_PURPOSE)
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    with engine.connect() as connection:
        pid = connection.connection.driver_connection.info.backend_pid
        claim = connection.execute(
            text("SELECT wnwa_claim_tenant(:d, :t)"),
            {"d": b_id, "t": rls.tenant_ticket(key, pid, b_id)},
        ).scalar()
        connection.execute(text("SELECT set_config('app.tenant', :c, true)"), {"c": claim})
        assert _bound_to(connection) == b_id
        connection.commit()
        connection.execute(text("SELECT set_config('app.tenant', :c, true)"), {"c": claim})
        assert _bound_to(connection) is None
        connection.rollback()
    engine.dispose()


@postgres_only
def test_unbound_connection_sees_no_department_rows(app, b_everywhere):
    a_id, b_id = b_everywhere
    connection = db.session.connection()
    connection.execute(text("SELECT set_config('app.tenant', '', true)"))
    for table in department_tables():
        seen = _attempt(connection, table, b_id, {})
        if table not in READ_BY_EVERYONE:
            assert seen["select"] == 0, table
        assert (seen["update"], seen["delete"]) == (0, 0), table


@postgres_only
def test_own_department_writes_pass_the_policies(app, b_everywhere):
    """The control: the same statements for the bound department are not refused by RLS."""
    a_id, b_id = b_everywhere
    with tenant_context(b_id):
        connection = db.session.connection()
        for table in department_tables():
            seen = _attempt(connection, table, b_id, {})
            assert seen["select"] > 0, (table, seen)
            assert seen["insert"] != INSUFFICIENT_PRIVILEGE, (table, seen)
            if policy_kind(table) == "append_only":
                assert (seen["update"], seen["delete"]) == (0, 0), (table, seen)
            else:
                assert _reached(seen["update"]) and _reached(seen["delete"]), (table, seen)


@postgres_only
def test_the_app_role_cannot_reach_the_key_or_become_its_owner(app):
    connection = db.session.connection()
    for statement in (
        "SELECT key FROM wnwa_rls.signing_key",
        "SELECT wnwa_rls.mac('cross-read:' || wnwa_transaction())",
        "CREATE OR REPLACE FUNCTION public.wnwa_claim_tenant(integer, text) RETURNS text "
        "LANGUAGE sql AS $$ SELECT '1.x' $$",
        "SET ROLE wnwa_owner",
        "ALTER TABLE user_account NO FORCE ROW LEVEL SECURITY",
        "CREATE OR REPLACE FUNCTION public.wnwa_cross_read() RETURNS boolean "
        "LANGUAGE sql AS $$ SELECT true $$",
    ):
        savepoint = connection.begin_nested()
        with pytest.raises(DBAPIError) as failure:
            connection.execute(text(statement))
        savepoint.rollback()
        assert failure.value.orig.sqlstate == INSUFFICIENT_PRIVILEGE, statement
