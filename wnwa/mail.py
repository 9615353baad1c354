"""Outgoing mail: a queue in the database, drained by the `mail` job of `flask --app wsgi jobs
run-due` (or the `flask --app wsgi mail worker` loop; both take the same lock).

Requests only enqueue (a flush inside the caller's transaction, so a failed use case sends
nothing); the worker delivers through SMTP (production, and a loopback aiosmtpd in tests) or
writes .eml files to an outbox folder (development). A delivered message is deleted from the
queue: no history of mail is kept.
"""

from __future__ import annotations

import smtplib
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from secrets import token_hex

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.tenants.scoping import GlobalModel

MAX_ATTEMPTS = 8  # for a message the server itself refuses; an outage never drops mail
MAX_BACKOFF = timedelta(hours=1)
SMTP_TIMEOUT = 30


class MailJob(GlobalModel, db.Model):
    __tablename__ = "mail_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


def enqueue(to: str, subject: str, body: str) -> MailJob:
    """Queue a message inside the caller's transaction (flush only)."""
    job = MailJob(to=to, subject=subject, body=body)
    db.session.add(job)
    db.session.flush()
    return job


def _message(job: MailJob) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = job.to
    message["Subject"] = job.subject
    message.set_content(job.body)
    return message


class _Transport:
    """One delivery session: SMTP (one connection for the batch) or the outbox folder."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> _Transport:
        config = current_app.config
        if config["MAIL_TRANSPORT"] == "smtp":
            smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=SMTP_TIMEOUT)
            try:
                if config["SMTP_STARTTLS"]:
                    smtp.starttls()
                if config["SMTP_USERNAME"]:
                    smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self

    def send(self, message: EmailMessage) -> None:
        if self._smtp is not None:
            self._smtp.send_message(message)
            return
        outbox = Path(current_app.config["MAIL_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{token_hex(4)}.eml"
        (outbox / name).write_bytes(bytes(message))

    def __exit__(self, *exc) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 ... minutes, at most MAX_BACKOFF."""
    return min(timedelta(minutes=2 ** min(attempts, 12)), MAX_BACKOFF)


def drain(limit: int = 200) -> int:
    """Deliver up to `limit` due messages; returns how many were sent.

    Each message is deleted as soon as the server accepted it, so a server that fails part-way
    through a batch never gets the accepted ones again. A server that cannot be reached (or
    drops the connection) leaves every unsent message queued, retried with back-off (capped at
    MAX_BACKOFF) for as long as it takes: an outage loses nothing. A message the server refuses
    by itself (a bad recipient) is retried MAX_ATTEMPTS times, then dropped.
    """
    now = utcnow()
    jobs = db.session.scalars(
        select(MailJob).where(MailJob.not_before <= now).order_by(MailJob.id).limit(limit)
    ).all()
    if not jobs:
        return 0
    sent: list[int] = []
    refused: list[MailJob] = []
    unsent: list[MailJob] = []
    try:
        with _Transport() as transport:
            for index, job in enumerate(jobs):
                try:
                    transport.send(_message(job))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
                    refused.append(job)
                    continue
                except (OSError, smtplib.SMTPException):
                    unsent = list(jobs[index:])
                    break
                sent.append(job.id)
    except (OSError, smtplib.SMTPException):
        unsent = [job for job in jobs if job.id not in sent and job not in refused]
    if sent:
        db.session.execute(delete(MailJob).where(MailJob.id.in_(sent)))
    for job in unsent:
        job.attempts += 1
        job.not_before = now + backoff(job.attempts)
    for job in refused:
        job.attempts += 1
        job.not_before = now + backoff(job.attempts)
        if job.attempts >= MAX_ATTEMPTS:
            db.session.delete(job)
    db.session.commit()
    if unsent or refused:
        current_app.logger.warning(
            "mail delivery failed; %d messages will be retried", len(unsent) + len(refused)
        )
    return len(sent)


def run_due() -> str:
    """The scheduled job: deliver everything due, in batches."""
    total = 0
    while True:
        sent = drain()
        total += sent
        if sent == 0:
            break
    waiting = db.session.scalar(select(func.count()).select_from(MailJob)) or 0
    return f"sent {total}, {waiting} waiting"


mail_cli = AppGroup("mail", help="Outgoing mail.")


@mail_cli.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
def worker(once: bool, interval: float) -> None:
    """Deliver queued mail (SMTP, or the outbox folder in development)."""
    from wnwa.jobs import job_lock

    while True:
        with job_lock("mail") as held:  # never beside another node's `jobs run-due`
            sent = drain() if held else 0
        db.session.remove()
        if once:
            click.echo(f"sent {sent}")
            return
        if not sent:
            time.sleep(interval)
