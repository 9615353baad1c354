"""The session cookie reveals nothing, expires on its own, and needs no server-side state."""

import base64
import time

import pytest

from config import TestingConfig
from tests.conftest import HttpsClient, sign_in
from wnwa import create_app, sessions
from wnwa.extensions import db


def _cookie_header(response) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-wnwa=")]
    return header


@pytest.fixture
def signed_in(client, make):
    dept = make.department()
    officer = make.officer(dept, email="readable.name@dept.example")
    response = sign_in(client, officer.email, make.PASSWORD)
    return officer, response


def test_cookie_is_host_prefixed_secure_httponly_strict(signed_in):
    _, response = signed_in
    header = _cookie_header(response)
    assert "Secure" in header and "HttpOnly" in header
    assert "SameSite=Strict" in header and "Path=/" in header
    assert "Domain=" not in header and "Expires=" not in header  # a browser-session cookie


def test_cookie_reveals_nothing_readable(signed_in):
    officer, response = signed_in
    value = _cookie_header(response).split(";")[0].split("=", 1)[1]
    raw = base64.urlsafe_b64decode(value + "==")
    for needle in (b"_user_id", b"readable", b"_fresh", b"u%d." % officer.id):
        assert needle not in raw
        assert needle not in value.encode()
    assert "." not in value  # not Flask's default signed (readable) payload.timestamp.signature


def test_no_remember_me_cookie_and_no_ip_hash(client, signed_in, app):
    _, response = signed_in
    names = [h.split("=")[0] for h in response.headers.getlist("Set-Cookie")]
    assert names == ["__Host-wnwa"]
    with client.session_transaction() as session:
        assert "_id" not in session  # Flask-Login's IP + user-agent hash
        assert "_remember" not in session


def test_idle_timeout_after_30_minutes(client, signed_in, monkeypatch):
    assert client.get("/welcome").status_code == 200
    now = time.time()
    monkeypatch.setattr(sessions.time, "time", lambda: now + 29 * 60)
    assert client.get("/welcome").status_code == 200  # activity refreshes the idle clock
    monkeypatch.setattr(sessions.time, "time", lambda: now + 29 * 60 + 31 * 60)
    assert client.get("/welcome").status_code == 302


def test_absolute_timeout_after_12_hours_despite_activity(client, signed_in, monkeypatch):
    now = time.time()
    for minutes in range(20, 12 * 60, 20):
        monkeypatch.setattr(sessions.time, "time", lambda m=minutes: now + m * 60)
        assert client.get("/welcome").status_code == 200, minutes
    monkeypatch.setattr(sessions.time, "time", lambda: now + 12 * 3600 + 60)
    assert client.get("/welcome").status_code == 302


def test_tampered_cookie_is_an_anonymous_session(client, signed_in):
    cookie = client.get_cookie("__Host-wnwa", domain="localhost")
    client.set_cookie("__Host-wnwa", cookie.value[:-4] + "AAAA", domain="localhost")
    assert client.get("/welcome").status_code == 302


def test_session_works_across_workers_sharing_only_the_key(app, make):
    """A second app instance (another worker or node) accepts the cookie: no server state."""
    dept = make.department()
    officer = make.officer(dept)
    first = app.test_client()
    sign_in(first, officer.email, make.PASSWORD)
    cookie = first.get_cookie("__Host-wnwa", domain="localhost")

    other_app = create_app(
        TestingConfig, {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    )
    other_app.test_client_class = HttpsClient
    # the other worker reads the same database (here: the test's open transaction)
    db._app_engines[other_app][None] = db._app_engines[app][None]
    second = other_app.test_client()
    second.set_cookie("__Host-wnwa", cookie.value, domain="localhost")
    assert second.get("/welcome").status_code == 200
    third = create_app(TestingConfig, {"SECRET_KEY": "another-key-entirely-0123456789abcdef"})
    third.test_client_class = HttpsClient
    stranger = third.test_client()
    stranger.set_cookie("__Host-wnwa", cookie.value, domain="localhost")
    assert stranger.get("/welcome").status_code == 302
