"""Sign-out ends the session, not just the browser's copy of the cookie (one process, memory
state; tests/security/test_shared_state_redis.py runs the same across two processes)."""

from __future__ import annotations

import pyotp

from tests import factories


def _copy_cookie(source, target) -> None:
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def test_a_cookie_copied_before_sign_out_no_longer_opens_anything(app, make, login, client):
    dept = make.department()
    chief = make.officer(dept, chief=True)
    login(chief)
    assert client.get("/department/").status_code == 200
    copy = app.test_client()
    _copy_cookie(client, copy)
    assert copy.get("/department/").status_code == 200
    assert client.post("/logout").status_code == 303
    for path in ("/department/", "/department/scim"):
        response = copy.get(path)
        assert response.status_code == 302, (path, response.status_code)
        assert response.headers["Location"].split("?")[0].endswith("/login")


def test_signing_in_again_starts_a_new_session_id(app, make, login, client):
    dept = make.department()
    officer = make.officer(dept)
    login(officer)
    first = app.test_client()
    _copy_cookie(client, first)
    client.post("/logout")
    login(officer)
    assert client.get("/directory/").status_code == 200  # the new session is not signed out
    assert first.get("/directory/").status_code == 302


def test_a_two_step_code_signs_in_once(app, make, client):
    dept = make.department()
    chief = make.officer(dept, chief=True)
    code = pyotp.TOTP(factories.TOTP_SECRET).now()
    for expected in (303, 401):
        other = app.test_client()
        other.post("/login", data={"email": chief.email, "password": factories.PASSWORD})
        assert other.post("/login/code", data={"code": code}).status_code == expected
