from wnwa import mail
from wnwa.extensions import db


def test_worker_delivers_queued_mail_over_smtp_and_forgets_it(ctx, smtp_server):
    mail.enqueue("someone@dept.example", "Your invitation", "Set your password: https://x/y")
    db.session.commit()
    assert mail.drain() == 1
    [message] = smtp_server.to("someone@dept.example")
    assert message["Subject"] == "Your invitation"
    assert "Set your password" in message.get_body(("plain",)).get_content()
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


def test_every_message_has_a_text_and_an_html_part_from_the_shared_layout(ctx, smtp_server):
    mail.enqueue("a@b.example", "Two parts", "First paragraph.\n\nSee https://x.example/p")
    db.session.commit()
    assert mail.drain() == 1
    [message] = smtp_server.to("a@b.example")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "First paragraph." in text and "Call or text 988" in text
    assert "<p>First paragraph.</p>" in html and 'href="https://x.example/p"' in html
    assert "988" in html


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
