"""Outgoing mail: a queue in the database, drained by `flask --app wsgi mail worker`.

Requests only enqueue (a flush inside the caller's transaction, so a failed use case sends
nothing); the worker delivers through SMTP (production, and a loopback aiosmtpd in tests) or
writes .eml files to an outbox folder (development). A delivered message is deleted from the
queue: no history of mail is kept.

A queued message is a reference, not a body: the name of a message (`template`) and a small
JSON context. The worker renders it when it sends it, from a template pair under
`templates/mail/` (`NAME.txt` and `NAME.html`, both extending the shared layout `_layout.*`),
so every message has a plain-text and an HTML part. The text template sets the subject with
`{% set subject = ... %}`. A message may register a loader (`@mail.loader("NAME")`) that turns
the stored context into the rendering context at send time: an invitation stores only which
account it is for, and the loader builds the activation link then, from the account as it is
at that moment. So no live link or token ever sits in the queue, and a message whose loader
finds nothing to say (the account left the roster meanwhile) is dropped unsent.
"""

from __future__ import annotations

import json
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from secrets import token_hex
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.tenants.scoping import GlobalModel

MAX_ATTEMPTS = 8
NOTICE = "notice"

Loader = Callable[[dict[str, Any]], dict[str, Any] | None]
_LOADERS: dict[str, Loader] = {}


class MailJob(GlobalModel, db.Model):
    __tablename__ = "mail_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254), nullable=False)
    template: Mapped[str] = mapped_column(
        String(80), nullable=False, doc="Which message: a template pair under templates/mail/."
    )
    context: Mapped[str] = mapped_column(
        Text,
        nullable=False,
        doc="JSON facts or references the message is rendered from when it is sent.",
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def render(self) -> Rendered | None:
        """The message as the worker would send it now; None if it would be dropped."""
        stored = json.loads(self.context)
        load = _LOADERS.get(self.template)
        context = stored if load is None else load(stored)
        return None if context is None else render(self.template, context)

    @property
    def subject(self) -> str:
        rendered = self.render()
        return "" if rendered is None else rendered.subject

    @property
    def body(self) -> str:
        """The plain-text part as it would be sent now."""
        rendered = self.render()
        return "" if rendered is None else rendered.text


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def loader(template: str) -> Callable[[Loader], Loader]:
    """Register the function that turns a stored context into the rendering context of
    `template` when the message is sent; it returns None when the message should be dropped."""

    def register(function: Loader) -> Loader:
        _LOADERS[template] = function
        return function

    return register


def encode_context(context: dict[str, Any]) -> str:
    return json.dumps(context, separators=(",", ":"), sort_keys=True)


def queue(to: str, template: str, **context: Any) -> MailJob:
    """Queue the message `template` to `to` inside the caller's transaction (flush only)."""
    job = MailJob(to=to, template=template, context=encode_context(context))
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(to: str, subject: str, body: str) -> MailJob:
    """Queue a plain notice: a subject and paragraphs of text (flush only)."""
    return queue(to, NOTICE, subject=subject, body=body)


def render(template: str, context: dict[str, Any]) -> Rendered:
    """Both parts and the subject of one message (no request needed: the worker calls it)."""
    env = current_app.jinja_env
    values = {
        "base_url": current_app.config["PUBLIC_BASE_URL"].rstrip("/"),
        **context,
    }
    text_part = env.get_template(f"mail/{template}.txt").make_module(values)
    subject = " ".join(str(getattr(text_part, "subject", "")).split())
    if not subject:
        raise ValueError(f"mail/{template}.txt sets no subject")
    html = env.get_template(f"mail/{template}.html").render(values, subject=subject)
    return Rendered(subject=subject[:200], text=str(text_part).strip() + "\n", html=html)


def _message(job: MailJob, rendered: Rendered) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = job.to
    message["Subject"] = rendered.subject
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


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


def drain(limit: int = 200) -> int:
    """Deliver up to `limit` due messages; returns how many were sent."""
    now = utcnow()
    jobs = db.session.scalars(
        select(MailJob).where(MailJob.not_before <= now).order_by(MailJob.id).limit(limit)
    ).all()
    if not jobs:
        return 0
    messages, done, failed = [], [], []
    for job in jobs:
        try:
            rendered = job.render()
            if rendered is not None:
                messages.append(_message(job, rendered))
        except Exception as exc:  # one broken message must not hold up the queue behind it
            current_app.logger.warning(
                "mail job %d could not be rendered (%s)", job.id, type(exc).__name__
            )
            failed.append(job)
            continue
        done.append(job.id)
    try:
        _deliver(messages)
    except (OSError, smtplib.SMTPException):
        failed = list(jobs)
        done, messages = [], []
        current_app.logger.warning("mail delivery failed; %d messages will be retried", len(jobs))
    for job in failed:
        job.attempts += 1
        job.not_before = now + timedelta(minutes=2**job.attempts)
    if done:
        db.session.execute(delete(MailJob).where(MailJob.id.in_(done)))
    db.session.execute(delete(MailJob).where(MailJob.attempts >= MAX_ATTEMPTS))
    db.session.commit()
    return len(messages)


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
