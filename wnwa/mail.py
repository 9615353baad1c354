"""Outgoing mail: a queue in the database, drained by `flask --app wsgi mail worker`.

Requests only enqueue (a flush inside the caller's transaction, so a failed use case sends
nothing); the worker delivers through SMTP (production, and a loopback aiosmtpd in tests) or
writes .eml files to an outbox folder (development). A delivered message is deleted from the
queue: no history of mail is kept.
"""

from __future__ import annotations

import smtplib
import threading
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from secrets import token_hex

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.tenants.scoping import GlobalModel

MAX_ATTEMPTS = 8


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


def _compose(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def _message(job: MailJob) -> EmailMessage:
    return _compose(job.to, job.subject, job.body)


def _deliver(messages: list[EmailMessage]) -> None:
    config = current_app.config
    if config["MAIL_TRANSPORT"] == "smtp":
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            for message in messages:
                smtp.send_message(message)
        return
    outbox = Path(config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    for message in messages:
        name = f"{utcnow():%Y%m%dT%H%M%S}-{token_hex(4)}.eml"
        (outbox / name).write_bytes(bytes(message))


def send_detached(to: str, subject: str, body: str) -> threading.Thread:
    """Send one message now, from a thread of its own, writing nothing to the database.

    For messages whose very existence must leave no trace (a password-reset link: "nothing is
    written until the new password is set") and whose sending must not slow the answer (the
    page must take the same time whether or not the address has an account). A failure is
    logged without the address; the person asks again."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    message = _compose(to, subject, body)

    def deliver() -> None:
        with app.app_context():
            try:
                _deliver([message])
            except (OSError, smtplib.SMTPException):
                app.logger.warning("a message sent outside the queue could not be delivered")

    thread = threading.Thread(target=deliver, name="wnwa-mail", daemon=True)
    thread.start()
    return thread


def drain(limit: int = 200) -> int:
    """Deliver up to `limit` due messages; returns how many were sent."""
    now = utcnow()
    jobs = db.session.scalars(
        select(MailJob).where(MailJob.not_before <= now).order_by(MailJob.id).limit(limit)
    ).all()
    if not jobs:
        return 0
    try:
        _deliver([_message(job) for job in jobs])
    except (OSError, smtplib.SMTPException):
        for job in jobs:
            job.attempts += 1
            job.not_before = now + timedelta(minutes=2**job.attempts)
        db.session.execute(delete(MailJob).where(MailJob.attempts >= MAX_ATTEMPTS))
        db.session.commit()
        current_app.logger.warning("mail delivery failed; %d messages will be retried", len(jobs))
        return 0
    db.session.execute(delete(MailJob).where(MailJob.id.in_([j.id for j in jobs])))
    db.session.commit()
    return len(jobs)


mail_cli = AppGroup("mail", help="Outgoing mail.")


@mail_cli.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
def worker(once: bool, interval: float) -> None:
    """Deliver queued mail (SMTP, or the outbox folder in development)."""
    while True:
        sent = drain()
        db.session.remove()
        if once:
            click.echo(f"sent {sent}")
            return
        if not sent:
            time.sleep(interval)
