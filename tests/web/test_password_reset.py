"""Forgot password: a signed single-use link bound to the password hash, the same answer
whether or not the address has an account, throttled in memory, nothing written until the new
password is set, recovery codes for a lost authenticator, staff keep two-step sign-in."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select, update

from tests import factories
from tests.conftest import sign_in
from tests.privacy.snapshots import diff, snapshot
from wnwa.auth.models import StaffAccount
from wnwa.extensions import db
from wnwa.tenants.credentials import Secrets, new_recovery_codes, seal
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context

NEW = "a brand new harbour passphrase"


def _wait_for(sink, address: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sink.to(address)
        if found:
            return found
        time.sleep(0.05)
    return []


def _link(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https://\S+/login/reset/\S+", body).group(0)


def _path(link: str) -> str:
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _without_csrf(response) -> str:
    """The page as any visitor sees it: the per-session form token is the only difference."""
    html = response.get_data(as_text=True)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def _with_recovery(account, *, keep_totp: bool = True) -> list[str]:
    codes, digests = new_recovery_codes()
    sealed = seal(Secrets(totp=factories.TOTP_SECRET if keep_totp else None, recovery=digests))
    if isinstance(account, User):
        with tenant_context(account.department_id):
            db.session.execute(update(User).where(User.id == account.id).values(secrets=sealed))
            db.session.commit()
    else:
        account.secrets = sealed
        db.session.commit()
    return codes


def test_the_answer_is_the_same_with_or_without_an_account_and_nothing_is_written(
    client, make, smtp_server
):
    dept = make.department()
    chief = make.officer(dept, chief=True)
    officer = make.officer(dept)
    before = snapshot()
    known = client.post(
        "/login/forgot", data={"email": officer.email}, headers={"Host": "evil.example"}
    )
    unknown = client.post("/login/forgot", data={"email": "nobody@nowhere.example"})
    assert known.status_code == unknown.status_code == 200
    assert _without_csrf(known) == _without_csrf(unknown)
    assert 'id="reset-sent"' in known.get_data(as_text=True)
    [message] = _wait_for(smtp_server, officer.email)
    assert diff(before, snapshot()) == {}  # no token, no queue row, no counter
    link = _link(message)
    assert link.startswith("https://localhost/login/reset/")  # the configured address only
    html = message.get_body(preferencelist=("html",)).get_content()  # like every message
    assert link in html and ">988</a>" in html
    time.sleep(0.2)
    assert smtp_server.to(chief.email) == []  # the chief is neither needed nor told
    assert len(smtp_server.messages) == 1


def test_an_unknown_address_goes_through_the_same_work_but_the_send(client, make, monkeypatch):
    """Timing is the same when both answers do the same work: a link, a message of the same
    length, a sending thread; only the known one sends."""
    from wnwa import mail

    officer = make.officer(make.department())
    made: list[tuple] = []
    real = mail.send_detached
    monkeypatch.setattr(
        mail, "send_detached", lambda to, subject, body: made.append((to, subject, len(body)))
    )
    client.post("/login/forgot", data={"email": officer.email})
    client.post("/login/forgot", data={"email": "nobody@nowhere.example"})
    assert [to for to, _, _ in made] == [officer.email, None]
    assert made[0][1] == made[1][1]  # the same message, its link a signed token of about
    assert abs(made[0][2] - made[1][2]) <= 16  # the same length (the account id's digits vary)
    monkeypatch.setattr(mail, "send_detached", real)
    with client.application.test_request_context():
        thread = mail.send_detached(None, "Set a new password", "body")
        thread.join(timeout=5)
        assert not thread.is_alive()


def test_the_link_sets_a_new_password_once_and_ends_old_sessions(client, app, make, smtp_server):
    dept = make.department()
    officer = make.officer(dept)
    old_session = app.test_client()
    assert sign_in(old_session, officer.email, factories.PASSWORD).status_code == 303
    client.post("/login/forgot", data={"email": officer.email})
    path = _path(_link(_wait_for(smtp_server, officer.email)[0]))
    page = client.get(path)
    assert page.status_code == 200 and officer.email in page.get_data(as_text=True)
    assert 'name="code"' not in page.get_data(as_text=True)  # no two-step sign-in to prove
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422
    before = snapshot()
    done = client.post(path, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 200 and 'id="reset-done"' in done.get_data(as_text=True)
    changed = diff(before, snapshot())
    assert set(changed) == {"user_account"}  # the one write: the new password
    again = client.get(path)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    assert sign_in(app.test_client(), officer.email, factories.PASSWORD).status_code == 401
    assert sign_in(app.test_client(), officer.email, NEW).status_code == 303
    assert old_session.get("/welcome").status_code in (302, 303)  # signed out by the change


def test_a_tampered_or_foreign_link_is_refused(client, make):
    assert client.get("/login/reset/not-a-token").status_code == 400
    from wnwa.auth.services import activation_token

    officer = make.officer(make.department())
    # an activation link's signature is not a reset link's
    assert client.get(f"/login/reset/{activation_token(officer)}").status_code == 400


def test_a_reset_link_stops_when_the_address_is_corrected(client, make):
    from wnwa.auth.services import reset_token

    dept = make.department()
    officer = make.officer(dept, email="old.box@pd.example.gov")
    officer_id = officer.id
    link = f"/login/reset/{reset_token(officer)}"
    with tenant_context(dept.id):
        db.session.execute(
            update(User).where(User.id == officer_id).values(email="new.box@pd.example.gov")
        )
        db.session.commit()
    page = client.get(link)
    assert page.status_code == 400
    assert "no longer this account" in page.get_data(as_text=True)


def test_an_officer_who_lost_the_authenticator_uses_a_recovery_code(client, app, make, smtp_server):
    officer = make.officer(make.department(), mfa=True)
    codes = _with_recovery(officer)
    client.post("/login/forgot", data={"email": officer.email})
    path = _path(_link(_wait_for(smtp_server, officer.email)[0]))
    assert 'name="code"' in client.get(path).get_data(as_text=True)
    missing = client.post(path, data={"password": NEW, "confirm": NEW, "code": ""})
    assert missing.status_code == 422 and "recovery codes" in missing.get_data(as_text=True)
    done = client.post(path, data={"password": NEW, "confirm": NEW, "code": codes[0]})
    assert done.status_code == 200
    assert "Two-step sign-in is off" in done.get_data(as_text=True)
    assert sign_in(app.test_client(), officer.email, NEW).status_code == 303  # no code asked


def test_staff_keep_two_step_sign_in_after_a_reset(client, app, make, smtp_server):
    staff = make.staff("network_admin")
    codes = _with_recovery(staff)
    client.post("/login/forgot", data={"email": staff.email})
    path = _path(_link(_wait_for(smtp_server, staff.email)[0]))
    done = client.post(path, data={"password": NEW, "confirm": NEW, "code": codes[3]})
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert "Two-step sign-in stays on; you have 9 recovery codes left" in html
    fresh = app.test_client()
    first = fresh.post("/login", data={"email": staff.email, "password": NEW})
    assert first.status_code == 303 and first.headers["Location"].endswith("/login/code")
    code = pyotp.TOTP(factories.TOTP_SECRET).now()
    assert fresh.post("/login/code", data={"code": code}).status_code == 303
    db.session.expire_all()
    account = db.session.scalars(select(StaffAccount).where(StaffAccount.id == staff.id)).one()
    assert account.read_secrets().totp == factories.TOTP_SECRET


def test_a_chief_proves_the_reset_with_the_authenticator(client, make, smtp_server):
    chief = make.officer(make.department(), chief=True)
    client.post("/login/forgot", data={"email": chief.email})
    path = _path(_link(_wait_for(smtp_server, chief.email)[0]))
    code = pyotp.TOTP(factories.TOTP_SECRET).now()
    done = client.post(path, data={"password": NEW, "confirm": NEW, "code": code})
    assert done.status_code == 200 and "Two-step sign-in stays on" in done.get_data(True)
    db.session.expire_all()
    user = db.session.scalars(
        select(User).where(User.id == chief.id).execution_options(unscoped=True)
    ).one()
    assert user.read_secrets().totp == factories.TOTP_SECRET


@pytest.mark.usefixtures("smtp_server")
def test_requests_are_throttled_per_address_in_memory(client, make):
    officer = make.officer(make.department())
    before = snapshot()
    answers = [
        client.post("/login/forgot", data={"email": officer.email}).status_code for _ in range(6)
    ]
    assert answers == [200] * 5 + [429]
    other = client.post("/login/forgot", data={"email": "someone.else@dept.example"})
    assert other.status_code == 200
    assert diff(before, snapshot()) == {}


def test_a_link_that_has_expired_says_so(client, app, make):
    from datetime import timedelta

    from wnwa.auth.services import reset_token

    officer = make.officer(make.department())
    with app.test_request_context():
        token = reset_token(officer)
    saved = app.config["RESET_LINK_MAX_AGE"]
    app.config["RESET_LINK_MAX_AGE"] = timedelta(seconds=-1)
    try:
        page = client.get(f"/login/reset/{token}")
    finally:
        app.config["RESET_LINK_MAX_AGE"] = saved
    assert page.status_code == 400 and "expired" in page.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["notanemail", "name@", "@department.gov"])
def test_an_address_that_is_not_one_is_refused_by_the_form(client, typed):
    response = client.post("/login/forgot", data={"email": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter your work email address" in html and 'id="reset-sent"' not in html
