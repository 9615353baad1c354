import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.conftest import free_port
from wnwa import mail
from wnwa.extensions import db, utcnow


def test_worker_delivers_queued_mail_over_smtp_and_forgets_it(ctx, smtp_server):
    mail.enqueue("someone@dept.example", "Your invitation", "Set your password: https://x/y")
    db.session.commit()
    assert mail.drain() == 1
    [message] = smtp_server.to("someone@dept.example")
    assert message["Subject"] == "Your invitation"
    assert "Set your password" in message.get_body(("plain",)).get_content()
    assert db.session.query(mail.MailJob).count() == 0
    # from a no-reply sender, but an answer reaches the network team
    assert "no-reply@" in message["From"] and "team@" in message["Reply-To"]


def test_failed_delivery_keeps_the_message_for_retry(ctx, app):
    app.config.update(
        MAIL_TRANSPORT="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_STARTTLS=False
    )
    try:
        mail.enqueue("someone@dept.example", "Hello", "Body")
        db.session.commit()
        assert mail.drain() == 0
        [job] = db.session.query(mail.MailJob).all()
        assert job.attempts == 1
    finally:
        app.config.update(MAIL_TRANSPORT="outbox")


def test_outbox_transport_writes_eml_files(ctx, app, tmp_path):
    app.config.update(MAIL_OUTBOX=str(tmp_path))
    mail.enqueue("a@b.example", "Subject line", "Body text")
    db.session.commit()
    assert mail.drain() == 1
    [eml] = list(tmp_path.glob("*.eml"))
    assert b"Subject line" in eml.read_bytes()


def test_every_message_has_a_text_and_an_html_part_from_the_shared_layout(ctx, smtp_server):
    mail.enqueue("a@b.example", "Two parts", "First paragraph.\n\nSee https://localhost/p.")
    db.session.commit()
    assert mail.drain() == 1
    [message] = smtp_server.to("a@b.example")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "First paragraph." in text and "Call or text 988" in text
    assert "<p>First paragraph.</p>" in html and 'href="https://localhost/p"' in html
    assert "988" in html


def test_a_notice_links_only_the_networks_own_addresses(ctx):
    """Whatever else a notice carries (a name, words typed into a form) stays plain text."""
    body = (
        "Hello Verify at https://evil.example/login,\n\nOr www.evil.example, "
        "https://localhost.evil.example/x or mail help@evil.example.\n\n"
        "Your page: https://localhost/activate/abc"
    )
    html = mail.render(mail.NOTICE, {"subject": "S", "body": body}).html
    assert html.count("<a ") == 2  # the page, and the layout's own 988 line
    assert '<a href="https://localhost/activate/abc"' in html
    assert "https://evil.example/login," in html and "help@evil.example" in html


def test_a_message_that_cannot_be_rendered_does_not_hold_up_the_queue(ctx, smtp_server):
    mail.queue("broken@b.example", "no-such-message", x=1)
    mail.enqueue("fine@b.example", "Fine", "Body")
    db.session.commit()
    assert mail.drain() == 1
    assert [m["To"] for m in smtp_server.messages] == ["fine@b.example"]
    [job] = db.session.query(mail.MailJob).all()
    assert (job.to, job.attempts) == ("broken@b.example", 1)


def test_the_outbox_also_writes_each_message_decoded_so_links_copy_whole(ctx, app, tmp_path):
    app.config.update(MAIL_OUTBOX=str(tmp_path))
    link = "https://portal.example/activate/" + "x" * 120
    mail.enqueue("a@b.example", "Decoded", f"Choose your password: {link}")
    db.session.commit()
    assert mail.drain() == 1
    [eml] = list(tmp_path.glob("*.eml"))
    decoded = eml.with_suffix(".txt").read_text(encoding="utf-8")
    assert "To: a@b.example\nSubject: Decoded\n" in decoded
    assert link in decoded  # whole, with no quoted-printable soft line break inside


# --- one message's failure, an outage, a crash ----------------------------------------------


@pytest.fixture
def relay(app):
    """Start a loopback relay with `refuse` ({address: SMTP reply} at RCPT TO) and SMTPUTF8
    on or off; returns the list of recipient lists it accepted."""
    from aiosmtpd.controller import Controller

    started = []

    def start(refuse: dict[str, str] | None = None, *, smtputf8: bool = True) -> list:
        accepted: list[list[str]] = []

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
                if address in (refuse or {}):
                    return refuse[address]
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                accepted.append(list(envelope.rcpt_tos))
                return "250 OK"

        controller = Controller(
            Handler(), hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=smtputf8
        )
        controller.start()
        started.append(controller)
        app.config.update(MAIL_TRANSPORT="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
        app.config["SMTP_STARTTLS"] = False
        return accepted

    saved = {k: app.config[k] for k in ("MAIL_TRANSPORT", "SMTP_HOST", "SMTP_PORT")}
    saved["SMTP_STARTTLS"] = app.config["SMTP_STARTTLS"]
    try:
        yield start
    finally:
        app.config.update(saved)
        for controller in started:
            controller.stop()


def _queued() -> dict[str, int]:
    """What is still queued: each address and its failed attempts."""
    return {job.to: job.attempts for job in db.session.scalars(select(mail.MailJob))}


def _later() -> None:
    """Time passes: every back-off is over."""
    db.session.execute(update(mail.MailJob).values(not_before=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def _queue_three(middle: str = "busy@b.example") -> None:
    for to in ("first@b.example", middle, "last@b.example"):
        mail.enqueue(to, "Hello", "Body")
    db.session.commit()


def test_a_recipient_refused_for_now_waits_alone_while_the_others_go_out(ctx, relay):
    accepted = relay({"busy@b.example": "450 4.2.1 Mailbox busy, try later"})
    _queue_three()
    assert mail.drain() == 2
    assert accepted == [["first@b.example"], ["last@b.example"]]
    [job] = db.session.scalars(select(mail.MailJob))
    assert (job.to, job.attempts) == ("busy@b.example", 1)
    assert job.not_before > utcnow() + timedelta(minutes=1)  # its own back-off
    assert mail.drain() == 0  # not due again before then
    for _ in range(mail.MAX_ATTEMPTS + 2):  # a temporary refusal is never given up on
        _later()
        mail.drain()
    assert _queued() == {"busy@b.example": mail.MAX_ATTEMPTS + 3}


def test_an_address_the_relay_cannot_carry_is_given_up_on_without_holding_up_the_rest(ctx, relay):
    accepted = relay(smtputf8=False)  # josé@ needs SMTPUTF8, which this relay does not offer
    _queue_three(middle="josé@b.example")
    assert mail.drain() == 2
    assert accepted == [["first@b.example"], ["last@b.example"]]
    assert _queued() == {"josé@b.example": 1}
    for _ in range(mail.MAX_ATTEMPTS - 1):
        _later()
        mail.drain()
    assert _queued() == {}  # refused for good: dropped after MAX_ATTEMPTS


@pytest.mark.parametrize(
    "refusal, given_up",
    [
        pytest.param(
            smtplib.SMTPRecipientsRefused({"busy@b.example": (452, b"4.2.2 Over quota")}),
            False,
            id="rcpt-4xx",
        ),
        pytest.param(
            smtplib.SMTPRecipientsRefused({"busy@b.example": (550, b"5.1.1 No such user")}),
            True,
            id="rcpt-5xx",
        ),
        pytest.param(
            smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "no-reply@x"),
            False,
            id="sender-refused",
        ),
        pytest.param(
            smtplib.SMTPDataError(554, b"5.6.0 Content rejected"), True, id="data-refused"
        ),
        pytest.param(
            smtplib.SMTPNotSupportedError("SMTPUTF8 not supported by server"),
            True,
            id="no-smtputf8",
        ),
    ],
)
def test_a_refusal_of_one_message_counts_against_that_message_only(
    ctx, smtp_server, monkeypatch, refusal, given_up
):
    """Only a refusal for good of the recipient or the content is given up on, after
    MAX_ATTEMPTS: a refused sender line is the same on every message (a setting to correct)."""
    _failing_for("busy@b.example", refusal, monkeypatch)
    _queue_three()
    assert mail.drain() == 2
    assert [m["To"] for m in smtp_server.messages] == ["first@b.example", "last@b.example"]
    assert _queued() == {"busy@b.example": 1}
    for _ in range(mail.MAX_ATTEMPTS):
        _later()
        mail.drain()
    assert _queued() == ({} if given_up else {"busy@b.example": mail.MAX_ATTEMPTS + 1})


@pytest.mark.parametrize(
    "outage",
    [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError("timed out"),
        smtplib.SMTPRecipientsRefused({"busy@b.example": (421, b"4.3.2 Shutting down")}),
    ],
    ids=["disconnected", "reset", "timeout", "421"],
)
def test_an_outage_stops_the_batch_and_keeps_every_message_not_yet_sent(
    ctx, smtp_server, monkeypatch, outage
):
    _failing_for("busy@b.example", outage, monkeypatch)
    _queue_three()
    assert mail.drain() == 1
    assert [m["To"] for m in smtp_server.messages] == ["first@b.example"]
    assert _queued() == {"busy@b.example": 1, "last@b.example": 1}
    monkeypatch.undo()
    _later()
    assert mail.drain() == 2  # no message twice
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "busy@b.example",
        "first@b.example",
        "last@b.example",
    ]


def test_each_message_is_recorded_as_sent_at_once_so_a_crash_resends_none(
    ctx, smtp_server, monkeypatch
):
    for n in range(5):
        mail.enqueue(f"p{n}@b.example", "Invitation", "Body")
    db.session.commit()
    _failing_for("p3@b.example", SystemExit("killed"), monkeypatch)  # the worker dies here
    with pytest.raises(SystemExit):
        mail.drain()
    db.session.rollback()  # what the dead process had not committed is gone
    assert _queued() == {"p3@b.example": 0, "p4@b.example": 0}
    monkeypatch.undo()
    assert mail.drain() == 2
    assert [m["To"] for m in smtp_server.messages] == [f"p{n}@b.example" for n in range(5)]


def _failing_for(address: str, exc: BaseException, monkeypatch) -> None:
    """The transport raises `exc` when it sends to `address`, and sends everything else."""
    send = mail._Transport.send

    def failing(self, message):
        if message["To"] == address:
            raise exc
        return send(self, message)

    monkeypatch.setattr(mail._Transport, "send", failing)


def test_an_empty_queue_does_not_call_the_relay(ctx, app, monkeypatch):
    monkeypatch.setattr(mail._Transport, "__enter__", lambda self: pytest.fail("connected"))
    assert mail.drain() == 0


def test_a_commit_by_the_app_during_a_send_never_leaves_a_sent_message_queued(
    app, engine_name, monkeypatch
):
    """SQLite: the worker reads a message, sends it, then deletes it. Had it kept its read
    transaction open across the send, a commit by the app meanwhile would fail the delete
    ("database is locked": a stale snapshot) and the message would go out again."""
    from sqlalchemy import create_engine, text

    from tests.superuser import real_transactions

    if engine_name != "sqlite":
        pytest.skip("PostgreSQL's read committed has no snapshot to go stale")
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    send = mail._Transport.send
    sent = []

    def send_while_the_app_commits(self, message):
        with other.begin() as connection:  # a page saving something meanwhile
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
        sent.append(message["To"])
        return send(self, message)

    monkeypatch.setattr(mail._Transport, "send", send_while_the_app_commits)
    with real_transactions(app, pool_size=2), app.app_context():
        try:
            for n in range(3):
                mail.enqueue(f"busy{n}@b.example", "Invitation", "Body")
            db.session.commit()
            assert mail.drain() == 3
            assert sent == [f"busy{n}@b.example" for n in range(3)]
            assert db.session.scalar(select(func.count()).select_from(mail.MailJob)) == 0
        finally:
            db.session.execute(mail.MailJob.__table__.delete())
            db.session.commit()
            other.dispose()
