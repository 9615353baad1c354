"""Scheduled jobs: `flask --app wsgi jobs run-due`, safe from cron on every node.

Each capability package offers `due_jobs()`, a list of `Job(name, every, run)`; adding a job is
one line in that list. `run-due` runs every registered job that is due, one after another:

* **Due.** A job is due when it never ran, or `every` has passed since it last started (a job
  that failed is retried after `RETRY_AFTER` at most). When each job last ran, whether it
  succeeded and what it reported is kept in `job_run`, one row per job: network-wide facts
  (counts), nothing about any officer.
* **One node at a time.** Before looking at `job_run` a job takes its own lock, without waiting:
  a PostgreSQL session advisory lock on a connection of its own (released by PostgreSQL if the
  node dies), or an exclusive `flock` on a file beside the SQLite database. A job another node
  is running is reported as `busy` and left to it.
* **Idempotent.** Each job's function does what is due and nothing twice: the mail queue deletes
  what it delivered, reminders and overdue notices keep a ledger, reconciliation resumes from
  its cursor, renewals price a term once, the staged-upload purge removes only what is expired.
  Running `run-due` twice in a row does what running it once does.
* **Reports.** Each job returns one line (counts only); `run-due` prints one line per job and
  exits non-zero when a job failed. A failure is logged by job name with its exception type
  only (exception texts can quote data).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import Boolean, String
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from wnwa.database import serialized_on
from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.job_locks import job_lock, lock_key, lock_path
from wnwa.tenants.scoping import GlobalModel

__all__ = ["Job", "JobRun", "job_lock", "lock_key", "lock_path", "registry", "run_due", "run_job"]

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Job:
    """A job a capability runs on a schedule. `run()` returns a one-line report (counts only)."""

    name: str
    every: timedelta
    run: Callable[[], str]


class JobRun(GlobalModel, db.Model):
    """When each scheduled job last ran and what it reported (network-wide counts only)."""

    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_ok: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_report: Mapped[str] = mapped_column(String(300), nullable=False, default="")


@dataclass(frozen=True)
class Outcome:
    name: str
    state: str  # ran | failed | not-due | busy
    report: str

    @property
    def line(self) -> str:
        return f"{self.name}: {self.state}" + (f": {self.report}" if self.report else "")


# --- the registry ---------------------------------------------------------------------------


def registry() -> list[Job]:
    """Every capability's jobs (`due_jobs()` in its package), in capability order, then the
    mail queue, so mail those jobs queue goes out in the same run."""
    from wnwa.capabilities import capability_packages

    found: list[Job] = []
    for capability in capability_packages():
        found.extend(getattr(capability, "due_jobs", list)())
    found.extend(_core_jobs())
    names = [job.name for job in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RuntimeError(f"Job names registered twice: {', '.join(duplicates)}")
    return found


def _core_jobs() -> list[Job]:
    from wnwa import mail

    return [Job("mail", timedelta(0), mail.run_due)]


# --- running --------------------------------------------------------------------------------


def _due(job: Job, state: JobRun | None, now: datetime) -> bool:
    if state is None or state.last_started_at is None:
        return True
    wait = job.every if state.last_ok else min(job.every, RETRY_AFTER)
    return now - state.last_started_at >= wait


def run_job(job: Job, *, force: bool = False, now: Callable[[], datetime] = utcnow) -> Outcome:
    """Run one job if it is due (or `force`), holding its lock; record and return the outcome."""
    with job_lock(job.name) as held:
        if not held:
            return Outcome(job.name, "busy", "running on another node")
        db.session.remove()
        try:
            state = _job_run(job.name)
            started = now()
            if not force and not _due(job, state, started):
                db.session.rollback()
                return Outcome(job.name, "not-due", "")
            if state is None:
                state = JobRun(name=job.name)
                db.session.add(state)
            state.last_started_at = started
            db.session.commit()
        except SQLAlchemyError as exc:  # this job's outcome; the next jobs still run
            db.session.remove()
            return Outcome(job.name, "failed", f"not started ({type(exc).__name__})")
        try:
            report, ok = job.run(), True
        except Exception as exc:  # any failure is recorded; the next run retries
            db.session.rollback()
            report, ok = f"failed ({type(exc).__name__})", False
            log.warning("scheduled job %s failed: %s", job.name, type(exc).__name__)
        finally:
            db.session.remove()
        try:
            state = _job_run(job.name)
            state.last_finished_at = now()
            state.last_ok = ok
            state.last_report = report[:300]
            db.session.commit()
        except SQLAlchemyError as exc:
            report = f"{report}; its outcome not recorded ({type(exc).__name__})"
        finally:
            db.session.remove()
        return Outcome(job.name, "ran" if ok else "failed", report)


def _job_run(name: str) -> JobRun | None:
    """The job's record, read under the database's write lock (SQLite: taken before the read,
    so another process's commit in between cannot leave this transaction on a stale snapshot
    that fails when it writes)."""
    serialized_on("job-run")
    return db.session.get(JobRun, name, populate_existing=True)


def run_due(
    *, only: tuple[str, ...] = (), force: bool = False, now: Callable[[], datetime] = utcnow
) -> list[Outcome]:
    jobs = registry()
    unknown = sorted(set(only) - {job.name for job in jobs})
    if unknown:
        raise click.ClickException(f"No such job: {', '.join(unknown)}")
    return [run_job(job, force=force, now=now) for job in jobs if not only or job.name in only]


# --- commands -------------------------------------------------------------------------------

jobs_cli = AppGroup("jobs", help="Scheduled jobs (run from cron or a systemd timer).")


@jobs_cli.command("run-due")
@click.option("--only", multiple=True, help="Run only this job (repeatable).")
@click.option("--force", is_flag=True, help="Run even if not due (still one node at a time).")
@click.option(
    "--loop",
    type=click.FloatRange(min=1),
    default=None,
    help="Keep running: check again every LOOP seconds (development).",
)
def run_due_command(only: tuple[str, ...], force: bool, loop: float | None) -> None:
    """Run every job that is due, one node at a time; print what each did."""
    while True:
        try:
            outcomes = run_due(only=only, force=force)
        except SQLAlchemyError as exc:  # the database went away or stayed locked
            if loop is None:
                raise
            db.session.remove()
            click.echo(f"jobs: the database did not answer ({type(exc).__name__})", err=True)
            time.sleep(loop)  # a loop outlives it: each job is retried when next due
            continue
        for outcome in outcomes:
            if loop is None or outcome.state != "not-due":
                click.echo(outcome.line)
        if loop is None:
            if any(o.state == "failed" for o in outcomes):
                raise SystemExit(1)
            return
        time.sleep(loop)


@jobs_cli.command("list")
def list_command() -> None:
    """Every registered job, how often it runs, and its last run."""
    for job in registry():
        state = db.session.get(JobRun, job.name)
        last = "never run"
        if state is not None and state.last_started_at is not None:
            result = "ok" if state.last_ok else "FAILED"
            last = f"last {state.last_started_at:%Y-%m-%d %H:%M} UTC {result}: {state.last_report}"
        click.echo(f"{job.name:<22} every {_every(job.every):<8} {last}")


def _every(every: timedelta) -> str:
    minutes = int(every.total_seconds() // 60)
    if minutes == 0:
        return "always"
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
