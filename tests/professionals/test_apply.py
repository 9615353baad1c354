"""The public application: a complete one is stored with its documents and answered with a
status link; bad input of any kind gets a clear 422 and keeps nothing."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.professionals.conftest import (
    JPEG,
    PDF,
    PNG,
    count_professionals,
    list_professional,
    sample,
    submit,
)
from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.professionals import applications, listings, uploads
from wnwa.professionals.models import Document, Professional

MiB = 1024 * 1024
CANARY_IP = "203.0.113.97"  # documentation range: a client address that must never be kept


def form(**overrides) -> dict:
    data = {
        "name": "Dr. Riley Moss",
        "credentials": "PhD",
        "license_type": "psychologist",
        "license_state_0": "IL",
        "license_number_0": "071.009876",
        "license_state_1": "WI",
        "license_number_1": "2841-57",
        "practice_name": "Fox Valley Psychology",
        "street": "12 Main St",
        "city": "Aurora",
        "state": "IL",
        "zip_code": "60505",
        "phone": "(630) 555-0199",
        "email": "riley.moss@foxvalley.example",
        "website": "https://foxvalley.example",
        "telehealth": "1",
        "specialties": ["ptsd", "grief"],
        "modalities": ["cpt"],
        "carriers": ["bcbs", "cigna"],
        "plan_types": ["ppo", "self_pay"],
        "officer_years": "12",
        "officer_experience": "Former department psychologist.",
        "answers_24_7": "1",
        "no_fitness_for_duty": "1",
        "accepting_new": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data=None, files=None, **headers):
    payload = dict(data or form())
    for field, items in (files or {"doc_license": [("license.pdf", PDF)]}).items():
        payload[field] = [(io.BytesIO(content), name) for name, content in items]
    return client.post(
        "/professionals/apply", data=payload, content_type="multipart/form-data", headers=headers
    )


def stored_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / uploads.FOLDER
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_the_form_is_public(client):
    response = client.get("/professionals/apply")
    assert response.status_code == 200
    body = response.get_data(True)
    for label in ("License type", "Insurance carriers", "fitness-for-duty", "24/7", "Documents"):
        assert label in body


def test_a_complete_application_is_stored_and_answered_with_a_status_link(app, client):
    before = stored_files(app)
    response = post(
        client,
        files={
            "doc_license": [("license.pdf", PDF)],
            "doc_cv": [("cv.png", PNG)],
            "doc_reference": [("ref1.jpg", JPEG), ("ref2.pdf", PDF)],
        },
    )
    assert response.status_code == 303
    status_url = response.headers["Location"]
    assert "/professionals/status/" in status_url
    p = db.session.scalars(select(Professional)).one()
    assert (p.status, p.state, p.zip_code, p.phone) == ("submitted", "IL", "60505", "+16305550199")
    assert [x["state"] for x in p.licenses] == ["IL", "WI"]
    assert p.answers_24_7 and not p.within_24h and p.no_fitness_for_duty
    docs = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert [d.kind for d in docs] == ["license", "cv", "reference", "reference"]
    assert [d.content_type for d in docs][:2] == ["application/pdf", "image/png"]
    new_files = stored_files(app) - before
    assert new_files == {d.stored_name for d in docs}
    assert all(re.fullmatch(r"[\w-]{32}\.(pdf|png|jpg)", n) for n in new_files)
    folder = Path(app.config["UPLOAD_FOLDER"]).resolve()
    assert "static" not in str(folder)
    mail = db.session.scalars(select(MailJob).where(MailJob.to == p.email)).one()
    token = status_url.rsplit("/", 1)[-1].split("?")[0]
    assert token in mail.body
    page = client.get(status_url)
    assert page.status_code == 200
    assert "Received" in page.get_data(True)


def test_the_status_link_is_a_signature(client):
    p = submit()
    token = applications.status_token(p)
    assert client.get(f"/professionals/status/{token}").status_code == 200
    start = token.rindex(".") + 1  # the signature's first character carries six whole bits
    forged = token[:start] + ("A" if token[start] != "A" else "B") + token[start + 1 :]
    assert client.get(f"/professionals/status/{forged}").status_code == 404
    assert client.get("/professionals/status/1").status_code == 404


def test_missing_fields_come_back_with_every_message_and_the_values_entered(app, client):
    before = stored_files(app)
    data = form(name="", zip_code="00000", phone="12", no_fitness_for_duty=None, answers_24_7=None)
    data["plan_types"] = []
    response = post(client, data)
    assert response.status_code == 422
    body = response.get_data(True)
    for message in (
        "Give your name as licensed",
        "ZIP code",
        "phone number",
        "fitness-for-duty",
        "Choose the guarantee",
        "plan types",
    ):
        assert message in body, message
    assert 'value="riley.moss@foxvalley.example"' in body
    assert count_professionals() == 0
    assert stored_files(app) == before


def test_long_answers_are_refused_with_their_limit_never_cut(app, client):
    """A long experience or note comes back whole with the limit beside it; a years figure of
    thousands of digits is a plain problem on its field, not a crash."""
    data = form(officer_experience="x" * 4001, about="y" * 2001, officer_years="9" * 5000)
    response = post(client, data)
    assert response.status_code == 422
    body = response.get_data(True)
    assert "Keep this under 4,000 characters (it has 4,001)." in body
    assert "Keep this under 2,000 characters (it has 2,001)." in body
    assert "Give your years of experience with officers (0 to 60)." in body
    assert "x" * 4001 in body
    assert count_professionals() == 0


def test_htmx_gets_the_form_partial_with_422(client):
    response = post(client, form(name=""), **{"HX-Request": "true"})
    assert response.status_code == 422
    body = response.get_data(True)
    assert body.lstrip().startswith("<form") and "<html" not in body


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"doc_license": [("license.pdf", b"<html><script>alert(1)</script></html>")]},
            "not a PDF",
        ),
        ({"doc_license": [("license.pdf", b"")]}, "is empty"),
        ({"doc_license": [("big.pdf", PDF + b"0" * (10 * MiB))]}, "larger than 10 MiB"),
        (
            {
                "doc_license": [("a.pdf", PDF + b"0" * (8 * MiB + MiB // 2))],
                "doc_cv": [("b.pdf", PDF + b"0" * (8 * MiB + MiB // 2))],
                "doc_malpractice": [("c.pdf", PDF + b"0" * (8 * MiB + MiB // 2))],
            },
            "more than 25 MiB",
        ),
        ({"doc_reference": [(f"r{i}.pdf", PDF) for i in range(13)]}, "at most 12 files"),
        ({"doc_cv": [("cv.pdf", PDF)]}, "copy of your license"),
    ],
    ids=["html-renamed-pdf", "empty", "oversize", "too-much-in-all", "too-many", "no-license"],
)
def test_bad_documents_are_refused_and_nothing_is_kept(app, client, files, message):
    before = stored_files(app)
    response = post(client, files=files)
    assert response.status_code == 422
    assert message in response.get_data(True)
    assert count_professionals() == 0
    assert stored_files(app) == before


def test_file_names_never_reach_the_disk(app, client):
    response = post(
        client,
        files={
            "doc_license": [("../../../static/evil.pdf", PDF)],
            "doc_cv": [("Lebenslauf Müller – 證書.pdf", PDF)],
            "doc_reference": [("..\\..\\x.png", PNG)],
        },
    )
    assert response.status_code == 303
    docs = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert [d.label for d in docs] == ["evil.pdf", "Lebenslauf Müller – 證書.pdf", "x.png"]
    static = Path(app.root_path) / "static"
    assert not (static / "evil.pdf").exists()
    for d in docs:
        assert "/" not in d.stored_name and ".." not in d.stored_name


def test_one_open_application_per_email_and_no_reapplying_before_the_date(client, vetters):
    submit(email="same@practice.example")
    response = post(client, form(email="same@practice.example"))
    assert response.status_code == 409
    assert "already being reviewed" in response.get_data(True)


def test_a_listed_professional_is_told_how_to_update_the_listing_not_to_apply(client, vetters):
    list_professional(vetters, email="listed@practice.example")
    before = count_professionals()
    response = post(client, form(email="listed@practice.example"))
    assert response.status_code == 409
    body = response.get_data(True)
    assert "already listed" in body and "re-confirmation link" in body and "Contact" in body
    assert count_professionals() == before


def test_a_suspended_professional_is_told_to_contact_the_network_not_to_apply(client, vetters):
    p = list_professional(vetters, email="paused@practice.example")
    listings.suspend(p.id, "Licence under review.", actor="tests")
    before = count_professionals()
    response = post(client, form(email="Paused@Practice.example"))
    assert response.status_code == 409
    body = response.get_data(True)
    assert "suspended" in body and "contact the network" in body
    assert count_professionals() == before


def test_service_keeps_nothing_when_the_email_cannot_be_queued(app, monkeypatch):
    from wnwa import mail

    before = stored_files(app)

    def broken(*args, **kwargs):
        raise RuntimeError("queue down")

    monkeypatch.setattr(mail, "queue", broken)
    with pytest.raises(RuntimeError):
        applications.submit_application(
            sample(), [uploads.Incoming("license", "l.pdf", io.BytesIO(PDF))]
        )
    assert count_professionals() == 0
    assert stored_files(app) == before


def test_the_honeypot_catches_a_bot_and_keeps_nothing(app, client):
    before = stored_files(app)
    response = post(client, form(homepage="http://spam.example"))
    assert response.status_code == 303  # the bot is told nothing
    assert response.headers["Location"].endswith("/professionals/received")
    assert count_professionals() == 0 and stored_files(app) == before
    assert db.session.scalars(select(MailJob)).all() == []
    assert client.get("/professionals/received").status_code == 200


def test_the_honeypot_is_hidden_from_people(client):
    html = client.get("/professionals/apply").get_data(as_text=True)
    assert '<div class="hp" aria-hidden="true">' in html
    assert 'name="homepage" tabindex="-1" autocomplete="off"' in html


def test_the_throttle_stops_a_flood_of_applications_from_one_address(app, client):
    from wnwa.extensions import limiter

    limiter.reset()
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "2 per 10 minutes"
    try:
        codes = [
            client.post(
                "/professionals/apply",
                data=form(name=""),
                environ_base={"REMOTE_ADDR": CANARY_IP},
            ).status_code
            for _ in range(3)
        ]
        again = client.post(
            "/professionals/apply", data=form(name=""), environ_base={"REMOTE_ADDR": CANARY_IP}
        )
        other = client.post(
            "/professionals/apply", data=form(name=""), environ_base={"REMOTE_ADDR": "198.51.100.2"}
        )
    finally:
        app.config["PUBLIC_FORM_RATE_LIMIT"] = "5 per 10 minutes;20 per day"
    assert codes == [422, 422, 429]
    assert again.status_code == 429 and "Too many attempts" in again.get_data(as_text=True)
    assert other.status_code == 422
    # the counters are keyed by a one-way code, never the address itself
    storage = getattr(limiter.storage, "storage", {})
    assert storage and all(CANARY_IP not in str(key) for key in storage)


def test_every_part_the_application_needs_is_starred(client):
    """The form says fields marked * are needed: each one the check refuses empty carries it."""
    page = client.get("/professionals/apply").get_data(as_text=True)
    star = ' <span aria-hidden="true">*</span>'
    for needed in (
        "License type",
        "States where you are licensed, with the license number in each",
        '<label for="state">State',
        "Specialties",
        "Plan types and payment",
        "Your guarantee to officers",
        "Fitness for duty",
    ):
        assert needed + star in page, needed


@pytest.mark.parametrize(
    ("carriers", "plans", "refused"),
    [
        ([], ["self_pay", "sliding"], True),
        ([], ["ppo"], True),
        ([], ["eap"], False),
        (["cigna"], ["self_pay"], False),
    ],
)
def test_a_listing_takes_officers_insurance(ctx, carriers, plans, refused):
    """What the network promises officers: a professional who takes their insurance (a
    carrier, or their EAP); self-pay or a sliding scale may come on top, not instead."""
    data = replace(sample(), carriers=carriers, plan_types=plans)
    if refused:
        with pytest.raises(applications.ApplicationInvalid) as caught:
            applications.submit_application(
                data, [uploads.Incoming("license", "l.pdf", io.BytesIO(PDF))]
            )
        assert "insurance carrier" in caught.value.problems["carriers"]
    else:
        applications.submit_application(
            data, [uploads.Incoming("license", "l.pdf", io.BytesIO(PDF))]
        )
