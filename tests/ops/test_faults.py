"""Faults injected one at a time: nothing is lost, and the user gets a clear message.

* the database connection dropped in the middle of a roster import (PostgreSQL: the backend
  is terminated from another session; SQLite: the driver fails mid-import): all or nothing, and
  importing again gives exactly the clean result;
* SMTP down, or going away part-way through a batch: the queue keeps every message, retries
  with back-off (capped, never dropped for an outage), and delivers each exactly once when the
  server is back;
* Stripe slow (a server that never answers): calls give up after the timeout; the finance
  screens work from the local mirror, and the next reconciliation catches up;
* disk full while saving an upload: 507 with a plain message, no partial file, nothing staged;
* Redis down: tests/security/test_shared_state_redis.py (sign-in says "temporarily
  unavailable", every other page works).
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from tests import factories
from tests.conftest import free_port
from tests.ops.test_backup import _app, _on, _pg_database, _upgrade
from tests.privacy.snapshots import snapshot
from tests.roster.conftest import person, roster_csv
from wnwa import errors, jobs, mail
from wnwa.extensions import db, utcnow
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context

ROSTER_ROWS = 1500

# --- the database connection dropped mid roster import --------------------------------------


def _people(department_id: int) -> list[tuple]:
    with tenant_context(department_id):
        return sorted(
            db.session.execute(
                select(User.employee_number, User.email, User.rank, User.active)
            ).all()
        )


def _import(department_id: int, data: bytes):
    from wnwa.roster.provisioning import import_roster
    from wnwa.tenants.models import Department

    db.session.remove()
    with tenant_context(department_id):
        department = db.session.get(Department, department_id)
        return import_roster(department, data, full_sync=False, actor="fault test", source="cli")


def _drop_connection_on_first_user_insert(engine_name: str, admin_url: str | None):
    """Arm a listener that breaks the connection the first time the import inserts people."""
    fired = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if (
            fired
            or "user_account" not in statement
            or not statement.lstrip().upper().startswith("INSERT")
        ):
            return
        fired.append(statement[:40])
        if engine_name == "postgresql":
            from sqlalchemy import create_engine, text

            pid = cursor.connection.info.backend_pid
            admin = create_engine(admin_url)
            with admin.connect() as c:
                c.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.dispose()
            time.sleep(0.2)
        else:
            import sqlite3

            raise sqlite3.OperationalError("disk I/O error")

    return fired, before


def _roster_fault(engine_name: str, admin_url: str | None) -> None:
    department = factories.department(sworn=ROSTER_ROWS)
    department_id = department.id
    with tenant_context(department_id):
        factories.officer(department, chief=True)
    db.session.commit()
    before = _people(department_id)
    data = roster_csv(person(n) for n in range(1, ROSTER_ROWS + 1))

    fired, listener = _drop_connection_on_first_user_insert(engine_name, admin_url)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with pytest.raises((OperationalError, Exception)) as failure:
            _import(department_id, data)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
        db.session.remove()
    assert fired, "the fault was never injected"
    chain, error = [], failure.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    text = " ".join(str(e) for e in chain).lower()
    assert "terminat" in text or "connection" in text or "i/o" in text, text
    assert _people(department_id) == before  # all or nothing: nothing

    result = _import(department_id, data)
    assert result.added == ROSTER_ROWS
    after = _people(department_id)
    assert len(after) == len(before) + ROSTER_ROWS
    again = _import(department_id, data)  # and once more: nothing changes
    assert (again.added, again.updated) == (0, 0)
    assert _people(department_id) == after


def test_sqlite_connection_fails_mid_import_all_or_nothing(tmp_path, engine_name):
    if engine_name != "sqlite":
        pytest.skip("the PostgreSQL pass runs the PostgreSQL variant")
    with _app(f"sqlite:///{tmp_path / 'fault.sqlite3'}"):
        _upgrade()
        _roster_fault("sqlite", None)


@pytest.mark.postgres_only
def test_postgres_connection_dropped_mid_import_all_or_nothing():
    name = f"wnwa_fault_{os.getpid()}"
    _pg_database(name)
    app_url, owner_url = os.environ["WNWA_TEST_DATABASE_URL"], os.environ["MIGRATION_DATABASE_URL"]
    with _app(_on(app_url, name), MIGRATION_DATABASE_URL=_on(owner_url, name)):
        _upgrade()
        _roster_fault("postgresql", os.environ["WNWA_PG_ADMIN_URL"])


def test_a_dropped_database_connection_answers_503_with_a_plain_message(app, monkeypatch):
    monkeypatch.setitem(app.config, "WNWA_HANDLE_ERRORS", True)
    dropped = OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))
    with app.test_request_context("/department/roster/import/confirm", method="POST"):
        response = app.make_response(app.handle_user_exception(dropped))
    assert response.status_code == 503
    assert "The database is not answering" in response.get_data(as_text=True)
    assert "Nothing was changed" in response.get_data(as_text=True)


@pytest.fixture
def failing(app):
    """Makes statements that start with a given text fail as a lost connection would."""
    engine = db.engine
    fails: dict[str, int] = {}

    def fail(conn, cursor, statement, params, context, executemany):
        for start, left in fails.items():
            if statement.startswith(start) and left:
                fails[start] = left - 1
                lost = ConnectionError("server closed the connection")
                raise OperationalError(statement, {}, lost)

    event.listen(engine, "before_cursor_execute", fail)
    yield fails
    event.remove(engine, "before_cursor_execute", fail)


NEW_RESOURCE = {
    "title": "Sleep after nights",
    "kind": "article",
    "category": "sleep",
    "body": "Plain advice.",
    "state": "draft",
    "publish_on": "2026-01-05",
}


def test_a_write_that_loses_the_database_answers_503_to_a_signed_in_user(
    app, client, make, login, monkeypatch, failing
):
    """The failed flush leaves the transaction waiting for a rollback; the error page still
    renders the signed-in layout (which reads the account) and says nothing was changed."""
    monkeypatch.setitem(app.config, "WNWA_HANDLE_ERRORS", True)
    login(make.staff("network_admin"))
    failing["INSERT INTO resource"] = 1
    response = client.post("/network/resources/new", data=NEW_RESOURCE)
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Nothing was changed" in html and "Sign out" in html


def test_when_even_the_account_cannot_be_read_the_error_page_shows_as_to_a_visitor(
    app, client, make, login, monkeypatch, failing
):
    monkeypatch.setitem(app.config, "WNWA_HANDLE_ERRORS", True)
    login(make.staff("network_admin"))
    failing["INSERT INTO resource"] = 1
    failing["SELECT"] = 0
    real_error_page = errors._error_page

    def database_gone_after_the_insert(*args, **kwargs):
        failing["SELECT"] = 10  # the layout's reads of the account fail too
        return real_error_page(*args, **kwargs)

    monkeypatch.setattr(errors, "_error_page", database_gone_after_the_insert)
    db.session.expire_all()  # the account must be read again, as after a commit
    response = client.post("/network/resources/new", data=NEW_RESOURCE)
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Nothing was changed" in html and "Sign out" not in html


# --- SMTP down -------------------------------------------------------------------------------


class FlakySmtp:
    """A real SMTP server on loopback that can be down, or go away after N messages."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: list = []
        self.accept_only: int | None = None
        server = self

        class Handler:
            async def handle_DATA(self, _server, session, envelope):  # noqa: N802
                if server.accept_only is not None and len(server.received) >= server.accept_only:
                    return "421 Service shutting down, closing channel"
                server.received.append(message_from_bytes(envelope.content, policy=default))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def subjects(self) -> list[str]:
        return [m["Subject"] for m in self.received]


@pytest.fixture
def smtp(app):
    server = FlakySmtp()
    saved = {
        k: app.config[k] for k in ("MAIL_TRANSPORT", "SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS")
    }
    app.config.update(
        MAIL_TRANSPORT="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False
    )
    try:
        yield server
    finally:
        try:
            server.controller.stop()
        except (AssertionError, RuntimeError):
            pass
        app.config.update(saved)


def _queue(n: int) -> list[str]:
    subjects = [f"Notice {i}" for i in range(n)]
    for subject in subjects:
        mail.enqueue(f"{subject.replace(' ', '.').lower()}@dept.example", subject, "Body")
    db.session.commit()
    return subjects


def _later(monkeypatch, minutes: float) -> None:
    moment = utcnow() + timedelta(minutes=minutes)
    monkeypatch.setattr(mail, "utcnow", lambda: moment)


def _waiting() -> list[mail.MailJob]:
    return list(db.session.scalars(select(mail.MailJob).order_by(mail.MailJob.id)))


def test_smtp_down_keeps_every_message_with_capped_backoff_then_delivers_once(
    ctx, smtp, monkeypatch
):
    subjects = _queue(4)
    # Down for a long outage: far more attempts than a refused message gets.
    for hour in range(mail.MAX_ATTEMPTS + 4):
        _later(monkeypatch, 61 * hour)
        assert mail.drain() == 0
    waiting = _waiting()
    assert [j.subject for j in waiting] == subjects
    assert all(j.attempts == mail.MAX_ATTEMPTS + 4 for j in waiting)
    assert mail.backoff(50) == mail.MAX_BACKOFF
    smtp.controller.start()
    _later(monkeypatch, 61 * (mail.MAX_ATTEMPTS + 5))
    assert mail.drain() == 4
    assert sorted(smtp.subjects()) == sorted(subjects)
    assert _waiting() == []
    assert mail.drain() == 0
    assert len(smtp.received) == 4


def test_smtp_going_away_mid_batch_sends_nothing_twice(ctx, smtp, monkeypatch):
    subjects = _queue(6)
    smtp.accept_only = 2
    smtp.controller.start()
    assert mail.drain() == 2
    waiting = _waiting()
    assert [j.subject for j in waiting] == subjects[2:]
    assert all(j.not_before > utcnow() for j in waiting)  # backed off
    assert mail.drain() == 0  # not due yet: nothing is hammered
    smtp.accept_only = None
    _later(monkeypatch, 3)
    assert mail.drain() == 4
    assert sorted(smtp.subjects()) == sorted(subjects)  # each exactly once


def test_the_mail_job_reports_a_backlog_and_catches_up(ctx, smtp, monkeypatch):
    _queue(3)
    outcome = jobs.run_job(jobs.Job("mail", timedelta(0), mail.run_due), force=True)
    assert (outcome.state, outcome.report) == ("ran", "sent 0, 3 waiting")
    smtp.controller.start()
    _later(monkeypatch, 3)
    outcome = jobs.run_job(jobs.Job("mail", timedelta(0), mail.run_due), force=True)
    assert outcome.report == "sent 3, 0 waiting"


# --- Stripe slow ----------------------------------------------------------------------------


@pytest.fixture
def black_hole():
    """A TCP server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    sock.close()


def test_a_slow_stripe_gives_up_after_the_timeout(ctx, black_hole):
    from wnwa.billing.health import StripeUnavailable
    from wnwa.billing.stripe_gateway import StripeGateway

    gateway = StripeGateway("sk_test_x", "whsec_x", black_hole, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(StripeUnavailable):
        from wnwa.billing.health import stripe_call

        with stripe_call("list invoices"):
            list(gateway.list_invoices(since=None))
    assert time.monotonic() - started < 10


def test_reconciliation_fails_while_stripe_is_down_and_catches_up_after(
    ctx,
    make,
    fake,
    clock,
    client,
    login,
):
    from tests.billing.conftest import grow_roster, invoices_of, under_contract
    from wnwa.billing.health import billing_health

    dept = make.department("Slow Stripe PD", sworn=4)
    grow_roster(make, dept, 4)
    finance = make.officer(dept, finance=True, sworn=False, email="ap@slow.example")
    under_contract(fake, clock, dept, actor=make.staff("network_finance"))
    login(finance)
    [job] = [j for j in jobs.registry() if j.name == "billing-reconcile"]

    fake.unavailable = True
    outcome = jobs.run_job(job)
    assert outcome.state == "failed"
    assert billing_health(True).stale
    page = client.get("/billing/")
    assert page.status_code == 200  # the finance screen works from the local mirror
    assert "may be stale" in page.get_data(as_text=True)

    fake.unavailable = False
    assert jobs.run_job(job).state == "not-due"  # retried after RETRY_AFTER, not at once
    later = utcnow() + jobs.RETRY_AFTER + timedelta(seconds=1)
    outcome = jobs.run_job(job, now=lambda: later)
    assert outcome.state == "ran", outcome.report
    assert not billing_health(True).stale
    assert invoices_of(dept.id)[0].synced_at is not None


# --- disk full while saving an upload -------------------------------------------------------


def test_disk_full_while_staging_a_roster_upload(client, make, login, app, monkeypatch):
    from wnwa import storage

    dept = make.department(sworn=20)
    login(make.officer(dept, chief=True))
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "roster")
    before_files = set(os.listdir(folder)) if os.path.isdir(folder) else set()
    real_fdopen = os.fdopen

    def full_disk(fd, mode="r", *args, **kwargs):
        os.close(fd)
        return real_fdopen(os.open("/dev/full", os.O_WRONLY), mode, *args, **kwargs)

    monkeypatch.setattr(storage.os, "fdopen", full_disk)
    before = snapshot()
    data = roster_csv([person(1), person(2)])
    response = client.post(
        "/department/roster/import",
        data={"roster": (io.BytesIO(data), "roster.csv"), "mode": "update"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 507
    html = response.get_data(as_text=True)
    assert "no room to keep this file" in html and "Nothing was saved or changed" in html
    assert set(os.listdir(folder)) == before_files  # no partial file left behind
    assert snapshot() == before

    monkeypatch.setattr(storage.os, "fdopen", real_fdopen)
    response = client.post(
        "/department/roster/import",
        data={"roster": (io.BytesIO(data), "roster.csv"), "mode": "update"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert 'name="ticket"' in response.get_data(as_text=True)
