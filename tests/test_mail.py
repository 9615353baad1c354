from wnwa import mail
from wnwa.extensions import db


def test_worker_delivers_queued_mail_over_smtp_and_forgets_it(ctx, smtp_server):
    mail.enqueue("someone@dept.example", "Your invitation", "Set your password: https://x/y")
    db.session.commit()
    assert mail.drain() == 1
    [message] = smtp_server.to("someone@dept.example")
    assert message["Subject"] == "Your invitation"
    assert "Set your password" in message.get_content()
    assert db.session.query(mail.MailJob).count() == 0


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
