"""The central promise, proven: an officer's use of the portal writes nothing to the database
and leaves nothing about them in any log. Later capabilities extend these proofs to their own
pages (tests/<area>/test_privacy.py)."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from tests.conftest import sign_in
from tests.privacy.snapshots import diff, snapshot
from tests.web.routes import all_routes
from wnwa.auth.services import activation_token
from wnwa.extensions import db
from wnwa.tenants.models import User

CANARY_AGENT = "CanaryAgent/9.9 (zzcanaryagent)"
CANARY_IP = "203.0.113.77"
CANARY_QUERY = "zzcanaryquery"


def _activate_with_mfa(client, officer) -> str:
    token = activation_token(officer)
    client.get(f"/activate/{token}")
    with client.session_transaction() as session:
        secret = session["totp_setup"]
    response = client.post(
        f"/activate/{token}",
        data={
            "password": "our own quiet passphrase",
            "confirm": "our own quiet passphrase",
            "use_mfa": "y",
            "code": pyotp.TOTP(secret).now(),
        },
    )
    assert response.status_code == 200 and 'id="recovery-codes"' in response.get_data(True)
    client.post("/logout")
    return secret


def _officer_routes(app):
    return [
        r
        for r in all_routes(app)
        if "GET" in r.rule.methods and (r.roles is None or "officer" in r.roles)
    ]


def _full_officer_session(app, client, officer, secret, *, headers=None):
    headers = headers or {}
    # a mistyped password and code first: failures must not be recorded either
    client.post("/login", data={"email": officer.email, "password": "wrong"}, headers=headers)
    response = client.post(
        "/login",
        headers=headers,
        data={
            "email": officer.email,
            "password": "our own quiet passphrase",
        },
    )
    assert response.status_code == 303
    client.post("/login/code", data={"code": "000000"}, headers=headers)
    # the next code: the one that set two-step sign-in up is used (RULES 2.5)
    code = pyotp.TOTP(secret).at(time.time() + 30)
    response = client.post("/login/code", data={"code": code}, headers=headers)
    assert response.status_code == 303
    visited = 0
    for route in _officer_routes(app):
        for query in ("", f"?q={CANARY_QUERY}&page=2", f"?q={CANARY_QUERY}&page=2&rows=1"):
            client.get(route.url + query, headers=headers)
            client.get(route.url + query, headers={**headers, "HX-Request": "true"})
            visited += 1
    assert client.post("/logout", headers=headers).status_code == 303
    return visited


def test_an_officer_session_writes_nothing(app, client, make):
    dept = make.department()
    officer = make.officer(dept, activated=False)
    secret = _activate_with_mfa(client, officer)
    before = snapshot()
    visited = _full_officer_session(app, client, officer, secret)
    after = snapshot()
    assert visited >= 3
    assert diff(before, after) == {}
    assert before == after


def test_activated_and_never_activated_accounts_look_alike_in_the_database(client, make):
    dept = make.department()
    used = make.officer(dept, activated=False)
    unused = make.officer(dept, activated=False)
    _activate_with_mfa(client, used)
    db.session.expire_all()
    rows = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_([used.id, unused.id])).execution_options(unscoped=True)
        )
    }
    a, b = rows[used.id], rows[unused.id]
    assert a.password_hash != b.password_hash
    assert len(a.password_hash) == len(b.password_hash)
    assert a.password_hash.rsplit("$", 2)[0] == b.password_hash.rsplit("$", 2)[0]
    assert len(a.secrets) == len(b.secrets)
    assert (a.active, a.sworn, a.is_chief, a.is_finance) == (
        b.active,
        b.sworn,
        b.is_chief,
        b.is_finance,
    )


@pytest.fixture
def everything_logged(caplog):
    """The worst case: every logger at DEBUG, including SQLAlchemy's engine and werkzeug."""
    caplog.set_level(logging.DEBUG)
    touched = []
    for name in (
        "sqlalchemy.engine",
        "sqlalchemy.engine.Engine",
        "werkzeug",
        "flask-limiter",
        "wnwa",
        "flask.app",
    ):
        logger = logging.getLogger(name)
        touched.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
    yield caplog
    for logger, level in touched:
        logger.setLevel(level)


def test_no_officer_data_in_any_log(app, client, make, everything_logged):
    dept = make.department("Zzcanarydept Police Department")
    officer = make.officer(
        dept,
        first_name="Zzcanaryfirst",
        last_name="Zzcanarylast",
        email="zzcanary.officer@zzcanary-dept.example",
    )
    secret = _activate_with_mfa(client, officer)
    headers = {"User-Agent": CANARY_AGENT, "X-Forwarded-For": CANARY_IP}
    _full_officer_session(app, client, officer, secret, headers=headers)
    # hammer the login to trip the rate limiter, whose own INFO line carries the address
    for _ in range(25):
        client.post(
            "/login",
            data={"email": officer.email, "password": "nope"},
            headers=headers,
            environ_base={"REMOTE_ADDR": CANARY_IP},
        )
    logs = everything_logged.text
    # the limiter's breach line names the throttled key (an address or an account): none at all
    assert "ratelimit" not in logs and "exceeded" not in logs
    pg_log = os.environ.get("WNWA_PG_LOG")
    if pg_log:
        logs += Path(pg_log).read_text(errors="replace")
    for canary in (
        "zzcanary",
        CANARY_IP,
        "CanaryAgent",
        CANARY_QUERY,
        officer.employee_number,
        str(officer.email),
    ):
        assert canary.lower() not in logs.lower(), canary


def test_turning_on_sql_echo_does_not_turn_on_officer_logging(tmp_path, caplog):
    """SQLALCHEMY_ECHO is the obvious switch; it must not put officer data into a log."""
    from config import TestingConfig
    from tests import factories
    from tests.conftest import HttpsClient
    from wnwa import create_app

    caplog.set_level(logging.DEBUG)
    echo_app = create_app(
        TestingConfig,
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'echo.sqlite3'}",
            "SQLALCHEMY_ECHO": True,
        },
    )
    echo_app.test_client_class = HttpsClient
    with echo_app.app_context():
        db.create_all()
        dept = factories.department("Zzechodept Police Department")
        officer = factories.officer(dept, first_name="Zzechofirst", email="zzecho@dept.example")
        email = officer.email
    client = echo_app.test_client()
    assert sign_in(client, email, factories.PASSWORD).status_code == 303
    client.get(f"/welcome?q={CANARY_QUERY}")
    logs = caplog.text.lower()
    for canary in ("zzecho", CANARY_QUERY, "select ", "user_account"):
        assert canary not in logs, canary


def test_forgot_password_leaves_no_trace_in_any_log_or_table(
    app, client, make, smtp_server, everything_logged
):
    import re
    import time

    dept = make.department("Zzcanarydept Police Department")
    officer = make.officer(
        dept, first_name="Zzcanaryfirst", email="zzcanary.reset@zzcanary-dept.example"
    )
    headers = {"User-Agent": CANARY_AGENT, "X-Forwarded-For": CANARY_IP}
    before = snapshot()
    for email in (officer.email, "zzcanary.nobody@zzcanary-dept.example"):
        response = client.post("/login/forgot", data={"email": email}, headers=headers)
        assert response.status_code == 200
    deadline = time.monotonic() + 10
    while not smtp_server.to(officer.email) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert diff(before, snapshot()) == {}  # asking writes nothing
    body = smtp_server.to(officer.email)[0].get_body(preferencelist=("plain",)).get_content()
    path = "/" + re.search(r"https://[^/]+/(login/reset/\S+)", body).group(1)
    new = "a fresh canary-free passphrase"
    done = client.post(path, data={"password": new, "confirm": new}, headers=headers)
    assert done.status_code == 200
    logs = everything_logged.text.lower()
    for canary in ("zzcanary", CANARY_IP, "canaryagent", officer.employee_number):
        assert canary.lower() not in logs, canary
