"""The visitors' forms: valid input is kept and confirmed by email; bad input gets a clear
message and keeps nothing; spam is caught by the honeypot and the throttle; no address is kept."""

from __future__ import annotations

import pytest

from tests.site.conftest import CONTACT, DEMO, MEMBER_LIST, mail_to, requests_stored
from wnwa.extensions import limiter

CANARY_IP = "203.0.113.91"


@pytest.mark.parametrize(
    "url, data, sent, subject",
    [
        ("/contact", CONTACT, "/sent/contact", "We received your message"),
        ("/demo", DEMO, "/sent/demo", "We received your demo request"),
        ("/member-agencies", MEMBER_LIST, "/sent/member-list", "request for the member agencies"),
    ],
)
def test_a_valid_request_is_kept_and_confirmed_by_email(client, ctx, url, data, sent, subject):
    response = client.post(
        url,
        data=data,
        headers={"X-Forwarded-For": CANARY_IP, "User-Agent": "CanaryBrowser/1.0"},
        environ_base={"REMOTE_ADDR": CANARY_IP},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(sent)
    [stored] = requests_stored()
    assert stored.email == data["email"] and stored.status == "new"
    [confirmation] = mail_to(data["email"])
    assert subject in confirmation.subject
    # nothing about how the visitor reached us is kept
    for value in vars(stored).values():
        assert CANARY_IP not in str(value) and "CanaryBrowser" not in str(value)


def test_htmx_submission_redirects_with_hx_redirect(client, ctx):
    response = client.post("/contact", data=CONTACT, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith("/sent/contact")


@pytest.mark.parametrize(
    "url, data, message",
    [
        ("/contact", {**CONTACT, "email": "not an address"}, "Enter an email address like"),
        ("/contact", {**CONTACT, "message": ""}, "Write your message."),
        ("/contact", {**CONTACT, "message": "\u200b \ufeff\n"}, "Write your message."),
        ("/demo", {**DEMO, "sworn": "lots"}, "number"),
        ("/demo", {**DEMO, "sworn": "0"}, "from 1 to 100,000"),
        ("/demo", {**DEMO, "demo_format": "carrier pigeon"}, "Not a valid choice"),
        ("/demo", {**DEMO, "preferred_times": ""}, "Suggest a few dates and times."),
        ("/member-agencies", {**MEMBER_LIST, "organisation": ""}, "Enter your department"),
        ("/member-agencies", {**MEMBER_LIST, "name": "x" * 500}, "Field cannot be longer"),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_nothing(client, ctx, url, data, message):
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(url, data=data, headers=headers)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert message in html
        assert 'aria-invalid="true"' in html
        # what was typed is kept in the form
        assert data["name"][:40] in html
    assert requests_stored() == []


def test_the_honeypot_catches_a_bot_and_keeps_nothing(client, ctx):
    response = client.post("/contact", data={**CONTACT, "website": "http://spam.example"})
    assert response.status_code == 303  # the bot is told nothing
    assert requests_stored() == [] and mail_to(CONTACT["email"]) == []


def test_the_honeypot_is_hidden_from_people(client):
    html = client.get("/contact").get_data(as_text=True)
    assert '<div class="hp" aria-hidden="true">' in html
    assert 'tabindex="-1"' in html and 'name="website"' in html


def test_the_throttle_stops_a_flood_from_one_address(app, client, ctx):
    limiter.reset()
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "3 per 10 minutes"
    try:
        codes = [
            client.post(
                "/contact", data=CONTACT, environ_base={"REMOTE_ADDR": CANARY_IP}
            ).status_code
            for _ in range(5)
        ]
        other = client.post("/contact", data=CONTACT, environ_base={"REMOTE_ADDR": "198.51.100.2"})
    finally:
        app.config["PUBLIC_FORM_RATE_LIMIT"] = "5 per 10 minutes;20 per day"
    assert codes == [303, 303, 303, 429, 429]
    assert other.status_code == 303
    assert len(requests_stored()) == 4
    # the counters are keyed by a one-way code, never the address itself
    storage = getattr(limiter.storage, "storage", {})
    assert all(CANARY_IP not in str(key) for key in storage)


def test_throttle_message_is_clear(app, client):
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "1 per 10 minutes"
    try:
        client.post("/demo", data=DEMO)
        response = client.post("/demo", data=DEMO)
    finally:
        app.config["PUBLIC_FORM_RATE_LIMIT"] = "5 per 10 minutes;20 per day"
    assert response.status_code == 429
    assert "Too many attempts: this one was not sent or saved" in response.get_data(as_text=True)


def test_forms_refuse_a_post_without_the_csrf_token(make):
    from config import TestingConfig
    from wnwa import create_app

    strict = create_app(TestingConfig, {"WTF_CSRF_ENABLED": True})
    client = strict.test_client()
    for url, data in (("/contact", CONTACT), ("/demo", DEMO), ("/member-agencies", MEMBER_LIST)):
        assert client.post(url, data=data).status_code == 400


LURE = "Your account is locked. Verify at https://evil.example/login now"


@pytest.mark.parametrize(
    "url, data",
    [
        ("/contact", {**CONTACT, "name": LURE[:100], "organisation": LURE, "message": LURE}),
        (
            "/demo",
            {**DEMO, "name": LURE[:100], "organisation": LURE, "preferred_times": LURE},
        ),
        (
            "/member-agencies",
            {**MEMBER_LIST, "name": LURE[:100], "organisation": LURE, "reason": LURE},
        ),
    ],
)
def test_a_confirmation_repeats_nothing_the_visitor_typed(client, ctx, url, data):
    """Anyone may type any address: the network's email to it says only what we received."""
    assert client.post(url, data=data).status_code == 303
    [stored] = requests_stored()
    assert LURE in (stored.message + stored.preferred_times)  # kept for the network team
    [confirmation] = mail_to(data["email"])
    rendered = confirmation.render()
    for part in (rendered.subject, rendered.text, rendered.html):
        assert "evil.example" not in part and "locked" not in part
    assert "we received" in rendered.text.lower()
    assert "href" not in rendered.html.replace('href="tel:988"', "")


@pytest.mark.parametrize(
    "url, data, message",
    [
        ("/contact", {**CONTACT, "name": "   "}, "Enter your name."),
        ("/contact", {**CONTACT, "email": " \t "}, "Enter your email address."),
        ("/contact", {**CONTACT, "message": "  \r\n  "}, "Write your message."),
        ("/demo", {**DEMO, "organisation": "   "}, "Enter your department."),
        ("/demo", {**DEMO, "preferred_times": "   "}, "Suggest a few dates and times."),
        ("/member-agencies", {**MEMBER_LIST, "reason": "   "}, "Tell us briefly why"),
        ("/member-agencies", {**MEMBER_LIST, "organisation": " "}, "Enter your department"),
    ],
)
def test_a_required_field_of_spaces_only_is_refused_and_the_rest_kept(
    client, ctx, url, data, message
):
    response = client.post(url, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    for key, value in data.items():  # everything else typed is still in the form
        if value.strip() and key not in ("demo_format",):
            assert value.replace("'", "&#39;") in html, key
    assert requests_stored() == [] and mail_to(data["email"]) == []


def test_a_demo_request_reads_the_sworn_count_as_the_calculators_do(client, ctx):
    """ "1,200" is 1,200 on the fee and quota calculators, so here too; a wrong count gets
    one message, and what was typed stays in the box."""
    response = client.post("/demo", data={**DEMO, "sworn": "1,200"})
    assert response.status_code == 303
    [stored] = requests_stored()
    assert "1,200 sworn officers" in stored.message or stored.sworn == 1200
    wrong = client.post("/demo", data={**DEMO, "sworn": "12 hundred"}).get_data(True)
    assert wrong.count("Enter a whole number of sworn officers from 1 to 100,000") == 1
    assert 'value="12 hundred"' in wrong and "Not a valid integer" not in wrong
