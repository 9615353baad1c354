"""Outgoing mail: a queue in the database, drained by the `mail` job of `flask --app wsgi jobs
run-due` (or the `flask --app wsgi mail worker` loop; both take the same lock).

Requests only enqueue (a flush inside the caller's transaction, so a failed use case sends
nothing); the worker delivers through SMTP (production, and a loopback aiosmtpd in tests) or
writes .eml files to an outbox folder (development). A delivered message is deleted from the
queue: no history of mail is kept. Beside each .eml file the outbox writes the message decoded
(NAME.txt: headers and the plain-text part), so a link in it can be copied as it is.

A queued message is a reference, not a body: the name of a message (`template`) and a small
JSON context. The worker renders it when it sends it, from a template pair under
`templates/mail/` (`NAME.txt` and `NAME.html`, both extending the shared layout `_layout.*`),
so every message has a plain-text and an HTML part. The text template sets the subject with
`{% set subject = ... %}`. A message may register a loader (`@mail.loader("NAME")`) that turns
the stored context and the queued recipient into the rendering context at send time: an
invitation stores only which account it is for, and the loader builds the activation link then,
from the account as it is at that moment. So no live link or token ever sits in the queue, and
a message whose loader finds nothing to say (the account left the roster meanwhile, or its
address was corrected after the message was queued) is dropped unsent.
"""

from __future__ import annotations

import json
import smtplib
import threading
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
from sqlalchemy import Integer, String, Text, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.tenants.scoping import GlobalModel

MAX_ATTEMPTS = 8  # for a message the relay refuses for good; an outage never drops mail
MAX_BACKOFF = timedelta(hours=1)
SMTP_TIMEOUT = 30
BATCH = 200
NOTICE = "notice"

Loader = Callable[[dict[str, Any], str], dict[str, Any] | None]  # (stored context, recipient)
_LOADERS: dict[str, Loader] = {}


class MailJob(GlobalModel, db.Model):
    __tablename__ = "mail_job"
    __officer_data__ = "Messages waiting to be sent to you (deleted once delivered)"

    id: Mapped[int] = mapped_column(primary_key=True, doc="An internal number.")
    to: Mapped[str] = mapped_column(
        String(254), nullable=False, doc="Your work email, while a message to you waits."
    )
    template: Mapped[str] = mapped_column(
        String(80), nullable=False, doc="Which message: a template pair under templates/mail/."
    )
    context: Mapped[str] = mapped_column(
        Text,
        nullable=False,
        doc="JSON facts or references the message is rendered from when it is sent (for an "
        "invitation, only which account it is for: no link or token waits in the queue).",
    )
    attempts: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, doc="How many times sending it failed."
    )
    not_before: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, doc="When it will next be tried."
    )

    def render(self) -> Rendered | None:
        """The message as the worker would send it now; None if it would be dropped."""
        return render_stored(self.template, self.context, self.to)

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


def render_stored(template: str, context: str, to: str) -> Rendered | None:
    """A queued message to `to` as it would be sent now (its loader run on the stored JSON
    context); None if the loader finds nothing to say any more."""
    stored = json.loads(context)
    load = _LOADERS.get(template)
    values = stored if load is None else load(stored, to)
    return None if values is None else render(template, values)


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


def _headed(to: str, subject: str) -> EmailMessage:
    """A message from the network (no-reply sender, answers to the team's mailbox)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    if current_app.config.get("MAIL_REPLY_TO"):
        message["Reply-To"] = current_app.config["MAIL_REPLY_TO"]
    message["To"] = to
    message["Subject"] = subject
    return message


def _message(to: str, rendered: Rendered) -> EmailMessage:
    message = _headed(to, rendered.subject)
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
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
        stem = f"{utcnow():%Y%m%dT%H%M%S}-{token_hex(4)}"
        (outbox / f"{stem}.eml").write_bytes(bytes(message))
        (outbox / f"{stem}.txt").write_text(readable(message), encoding="utf-8")

    def __exit__(self, *exc) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()


def readable(message: EmailMessage) -> str:
    """The development outbox's decoded copy of a message: headers and the plain-text part as
    written (no quoted-printable soft breaks), so a link can be copied from it whole."""
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    head = "".join(f"{name}: {message[name]}\n" for name in ("From", "To", "Subject"))
    return f"{head}\n{text}"


# What the relay says about one message: its recipient, its sender line, its content, or an
# address it cannot carry (a non-ASCII address and no SMTPUTF8). Every other SMTP error, and any
# socket error (refused, lost, timed out), is an outage: the relay cannot take mail just now.
REFUSALS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPNotSupportedError,
)
SERVICE_NOT_AVAILABLE = 421  # the relay is closing the connection: an outage, whatever the step


def _codes(exc: smtplib.SMTPException) -> list[int]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return [code for code, _ in exc.recipients.values()]
    return [getattr(exc, "smtp_code", 0)]


def _permanent(exc: smtplib.SMTPException) -> bool:
    """The relay will never take this message: a 5xx refusal of its recipient or content, or
    an address it cannot carry. A 4xx refusal is temporary, and so is a refused sender line:
    the sender is the same on every message, so that is a setting to correct, and giving up
    would drop the whole queue."""
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return True
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return False
    codes = _codes(exc)
    return bool(codes) and all(500 <= code < 600 for code in codes)


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 ... minutes, at most MAX_BACKOFF."""
    return min(timedelta(minutes=2 ** min(attempts, 12)), MAX_BACKOFF)


def send_detached(to: str | None, subject: str, body: str) -> threading.Thread:
    """Send one message now, from a thread of its own, writing nothing to the database.

    For messages whose very existence must leave no trace (a password-reset link: "nothing is
    written until the new password is set") and whose sending must not slow the answer (the
    page must take the same time whether or not the address has an account: `to` None does
    all of it but the sending). A failure is logged without the address; the person asks
    again."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # rendered in the request as a queued notice is at sending: both parts, the shared layout
    message = _message(to or "nobody@invalid", render(NOTICE, {"subject": subject, "body": body}))

    def deliver() -> None:
        if to is None:
            return
        with app.app_context():
            try:
                with _Transport() as transport:
                    transport.send(message)
            except (OSError, smtplib.SMTPException):
                app.logger.warning("a message sent outside the queue could not be delivered")

    thread = threading.Thread(target=deliver, name="wnwa-mail", daemon=True)
    thread.start()
    return thread


def drain(limit: int = BATCH) -> int:
    """Deliver up to `limit` due messages; returns how many were sent."""
    return _drain(limit)[0]


def _drain(limit: int) -> tuple[int, int]:
    """Deliver up to `limit` due messages; returns how many were sent and how many were due.

    Each outcome is committed as soon as it is known: a message the relay accepted is deleted
    at once, so a worker that dies part-way through a batch sends again at most the message
    that was in flight. A failure that belongs to one message (the relay refuses its recipient,
    sender or content, cannot carry its address, or it cannot be rendered) counts against that
    message only: it waits out its own back-off while the rest of the batch goes on. A refusal
    for good (5xx for its recipient or content, an address the relay cannot carry) or a message
    that cannot be rendered is tried MAX_ATTEMPTS times, then dropped; any other refusal (4xx,
    or of the sender line) is retried until it goes.
    An outage (the relay cannot be reached, drops the connection, times out or answers 421)
    stops the batch and leaves every message not yet sent queued, retried with back-off for as
    long as it takes: an outage loses nothing. A message whose loader finds nothing to say any
    more is deleted unsent.
    """
    due = db.session.execute(
        select(MailJob.id, MailJob.to, MailJob.template, MailJob.context, MailJob.attempts)
        .where(MailJob.not_before <= utcnow())
        .order_by(MailJob.id)
        .limit(limit)
    ).all()
    db.session.commit()  # ends the read (see _deliver)
    if not due:
        return 0, 0
    pending = list(reversed(due))  # plain rows: a commit expires nothing we still need
    sent = 0
    try:
        with _Transport() as transport:
            while pending:
                sent += _deliver(transport, pending[-1])
                pending.pop()
    except OSError as exc:  # every SMTPException is an OSError too
        db.session.rollback()
        for job in pending:
            _retry_later(job)
        db.session.commit()
        current_app.logger.warning(
            "mail relay unavailable (%s); %d messages wait", type(exc).__name__, len(pending)
        )
    return sent, len(due)


def _deliver(transport: _Transport, job: Any) -> int:
    """Send one queued message and commit what became of it; 1 if the relay accepted it. An
    outage is raised with nothing recorded for this message."""
    try:
        rendered = render_stored(job.template, job.context, job.to)
        message = None if rendered is None else _message(job.to, rendered)
    except Exception as exc:  # one broken message must not hold up the others
        db.session.rollback()
        current_app.logger.warning(
            "mail job %d could not be rendered (%s)", job.id, type(exc).__name__
        )
        _retry_later(job, give_up=True)
        db.session.commit()
        return 0
    # No transaction stays open across the send: on SQLite, a read transaction that writes
    # after another process has committed fails (its snapshot is stale), which would leave a
    # message sent but still queued, to be sent again. The outcome is written afresh below.
    db.session.commit()
    if message is not None:
        try:
            transport.send(message)
        except REFUSALS as exc:
            if SERVICE_NOT_AVAILABLE in _codes(exc):
                raise
            current_app.logger.warning(
                "mail job %d was refused (%s %s)", job.id, type(exc).__name__, _codes(exc)
            )
            _retry_later(job, give_up=_permanent(exc))
            db.session.commit()
            return 0
    db.session.execute(delete(MailJob).where(MailJob.id == job.id))
    db.session.commit()
    return 0 if message is None else 1


def _retry_later(job: Any, *, give_up: bool = False) -> None:
    """Count a failed attempt; with `give_up`, the MAX_ATTEMPTS-th drops the message."""
    attempts = job.attempts + 1
    if give_up and attempts >= MAX_ATTEMPTS:
        db.session.execute(delete(MailJob).where(MailJob.id == job.id))
        return
    db.session.execute(
        update(MailJob)
        .where(MailJob.id == job.id)
        .values(attempts=attempts, not_before=utcnow() + backoff(attempts))
    )


def run_due() -> str:
    """The scheduled job: deliver everything due, in batches (a message that failed is not due
    again before its back-off has passed, so this ends)."""
    total = 0
    while True:
        sent, due = _drain(BATCH)
        total += sent
        if due < BATCH or (sent == 0 and due == 0):
            break
    waiting = db.session.scalar(select(func.count()).select_from(MailJob)) or 0
    return f"sent {total}, {waiting} waiting"


mail_cli = AppGroup("mail", help="Outgoing mail.")


@mail_cli.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
def worker(once: bool, interval: float) -> None:
    """Deliver queued mail (SMTP, or the outbox folder in development)."""
    from wnwa.job_locks import job_lock

    while True:
        with job_lock("mail") as held:  # never beside another node's `jobs run-due`
            sent = drain() if held else 0
        db.session.remove()
        if once:
            click.echo(f"sent {sent}")
            return
        if not sent:
            time.sleep(interval)
