"""`flask jobs run-due`: the registry, due-ness, one node at a time, idempotence, reports."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select

from tests.privacy.snapshots import snapshot
from wnwa import jobs, mail
from wnwa.extensions import db, utcnow
from wnwa.jobs import Job, JobRun, job_lock, lock_key, lock_path, run_due, run_job

EXPECTED = {
    "mail",
    "roster-purge-staged",
    "quota-reminders",
    "billing-reconcile",
    "billing-renewals",
}


def _without_job_runs(dump):
    return {table: rows for table, rows in dump.items() if table != "job_run"}


def test_every_capability_job_is_registered_once(ctx):
    names = [job.name for job in jobs.registry()]
    assert EXPECTED <= set(names)
    assert len(names) == len(set(names))


def test_a_name_registered_twice_is_refused(ctx, monkeypatch):
    monkeypatch.setattr(jobs, "_core_jobs", lambda: [Job("mail", timedelta(0), str)] * 2)
    with pytest.raises(RuntimeError, match="registered twice: mail"):
        jobs.registry()


def test_run_due_runs_each_job_then_waits_for_its_interval(ctx):
    first = {o.name: o for o in run_due()}
    assert {o.state for o in first.values()} == {"ran"}
    assert first["billing-reconcile"].report == "billing not configured"
    second = {o.name: o.state for o in run_due()}
    assert second["mail"] == "ran"  # due on every call
    assert {s for n, s in second.items() if n != "mail"} == {"not-due"}
    later = utcnow() + timedelta(hours=7)
    third = {o.name: o.state for o in run_due(now=lambda: later)}
    assert third["billing-renewals"] == "ran"
    assert third["quota-reminders"] == "ran"


def test_running_everything_twice_does_what_running_it_once_does(ctx, make):
    department = make.department(sworn=60)
    make.officer(department, chief=True)
    mail.enqueue("someone@dept.example", "Hello", "Body")
    db.session.commit()
    run_due(force=True)
    once = _without_job_runs(snapshot())
    run_due(force=True)
    assert _without_job_runs(snapshot()) == once
    assert db.session.scalar(select(func.count()).select_from(mail.MailJob)) == 0


def test_a_job_held_elsewhere_is_reported_busy_and_not_run(ctx, engine_name):
    calls = []
    job = Job("test-busy", timedelta(0), lambda: calls.append(1) or "done")
    if engine_name == "postgresql":
        other = create_engine(os.environ["WNWA_TEST_DATABASE_URL"])
        with other.connect() as connection:
            assert connection.scalar(select(func.pg_try_advisory_lock(lock_key(job.name))))
            outcome = run_job(job)
            connection.scalar(select(func.pg_advisory_unlock(lock_key(job.name))))
        other.dispose()
    else:
        import fcntl

        fd = os.open(lock_path(job.name), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            outcome = run_job(job)
        finally:
            os.close(fd)
    assert (outcome.state, calls) == ("busy", [])
    assert run_job(job).state == "ran" and calls == [1]


def test_the_lock_is_released_after_the_job_and_after_a_failure(ctx):
    with job_lock("test-release") as held:
        assert held
    job = Job("test-release", timedelta(0), lambda: 1 / 0)
    assert run_job(job).state == "failed"
    with job_lock("test-release") as held:
        assert held


def test_a_failed_job_is_recorded_and_retried_sooner(ctx):
    job = Job("test-fails", timedelta(days=1), lambda: 1 / 0)
    outcome = run_job(job)
    assert (outcome.state, outcome.report) == ("failed", "failed (ZeroDivisionError)")
    state = db.session.get(JobRun, "test-fails")
    assert state.last_ok is False
    assert run_job(job).state == "not-due"
    soon = utcnow() + jobs.RETRY_AFTER + timedelta(seconds=1)
    assert run_job(job, now=lambda: soon).state == "failed"


def test_a_failing_job_changes_nothing_it_had_not_committed(ctx, make):
    department = make.department()
    model, department_id = type(department), department.id
    db.session.commit()

    def half_done():
        department_row = db.session.get(model, department_id)
        department_row.name = "Changed by a job that then failed"
        db.session.flush()
        raise RuntimeError("boom")

    assert run_job(Job("test-half", timedelta(0), half_done)).state == "failed"
    assert db.session.get(model, department_id).name != ("Changed by a job that then failed")


def test_cli_reports_each_job_and_fails_when_one_failed(app, monkeypatch):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    for name in EXPECTED:
        assert f"{name}: ran" in result.output
    result = runner.invoke(args=["jobs", "run-due", "--only", "mail"])
    assert result.output.strip().startswith("mail: ran: sent 0")
    assert runner.invoke(args=["jobs", "run-due", "--only", "nope"]).exit_code != 0
    monkeypatch.setattr(
        jobs, "_core_jobs", lambda: [Job("test-cli-fails", timedelta(0), lambda: 1 / 0)]
    )
    result = runner.invoke(args=["jobs", "run-due", "--only", "test-cli-fails"])
    assert result.exit_code == 1
    assert "test-cli-fails: failed: failed (ZeroDivisionError)" in result.output
    listing = runner.invoke(args=["jobs", "list"])
    assert "test-cli-fails" in listing.output and "FAILED" in listing.output


def test_the_development_loop_outlives_a_database_that_did_not_answer(app, monkeypatch):
    """`run-due --loop` (what `make run` keeps running) reports a locked or lost database and
    tries again; it used to stop for good, and mail with it."""
    from sqlalchemy.exc import OperationalError

    calls: list[str] = []

    def run_due_once_failing(**_):
        calls.append("run")
        if len(calls) == 1:
            raise OperationalError("UPDATE job_run", {}, Exception("database is locked"))
        return [jobs.Outcome("mail", "ran", "sent 0")]

    def sleep(_seconds):
        if len(calls) >= 2:
            raise KeyboardInterrupt  # ends the loop after the retry
        calls.append("slept")

    monkeypatch.setattr(jobs, "run_due", run_due_once_failing)
    monkeypatch.setattr(jobs.time, "sleep", sleep)
    result = app.test_cli_runner().invoke(args=["jobs", "run-due", "--loop", "5"])
    assert calls == ["run", "slept", "run"]
    assert "the database did not answer (OperationalError)" in result.output
    assert "mail: ran: sent 0" in result.output


def test_one_database_file_is_one_lock_however_its_path_is_spelled(tmp_path):
    from config import TestingConfig
    from wnwa import create_app

    (tmp_path / "sub").mkdir()
    (tmp_path / "link").symlink_to(tmp_path)
    paths = set()
    for spelled in ("j.sqlite3", "./j.sqlite3", "sub/../j.sqlite3", "link/j.sqlite3"):
        app = create_app(
            TestingConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/{spelled}"}
        )
        with app.app_context():
            paths.add(lock_path("mail"))
    assert len(paths) == 1


def test_a_commit_by_another_process_never_breaks_a_jobs_bookkeeping(app, engine_name):
    """SQLite: a job run reads its record, another process commits meanwhile, then the run
    writes; on a snapshot taken before that commit the write would fail ("database is
    locked") and the whole run stop. The record is read under the write lock instead."""
    import threading

    from tests.superuser import real_transactions

    if engine_name != "sqlite":
        pytest.skip("PostgreSQL has no snapshot to go stale for a row it then updates")
    read, other_done = threading.Event(), threading.Event()

    def read_then_let_the_other_commit():
        if not read.is_set():
            read.set()
            other_done.wait(timeout=1.5)  # with the write lock held the other waits for us
        return utcnow()

    def other_process():
        read.wait(timeout=10)
        with app.app_context():
            db.session.add(JobRun(name="test-other-process", last_ok=True, last_report=""))
            db.session.commit()
            db.session.remove()
        other_done.set()

    job = Job("test-bookkeeping", timedelta(0), lambda: "done")
    with real_transactions(app, pool_size=3), app.app_context():
        try:
            other = threading.Thread(target=other_process)
            other.start()
            outcome = run_job(job, now=read_then_let_the_other_commit)
            other.join(timeout=30)
            assert (outcome.state, outcome.report) == ("ran", "done")
            names = set(db.session.scalars(select(JobRun.name)))
            assert {"test-bookkeeping", "test-other-process"} <= names
        finally:
            db.session.execute(JobRun.__table__.delete().where(JobRun.name.like("test-%")))
            db.session.commit()
