"""SECRET_KEY rotation with SECRET_KEY_FALLBACKS signs nobody out: sessions, activation links,
stored two-step keys and recovery codes made under the old key keep working under the new one,
and a session signed out before the rotation stays signed out.

SQLite only: on PostgreSQL the row-level security key is derived from SECRET_KEY as well and is
stored again with `flask security store-rls-key` as part of the rotation (docs/DEPLOY.md); the
test transaction's app role cannot store it.
"""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from config import TestingConfig
from tests.conftest import ON_POSTGRES, HttpsClient, sign_in
from wnwa import create_app, shared_state
from wnwa.auth import services as auth
from wnwa.extensions import db

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="RLS key rotation is a deploy step there")

OLD = TestingConfig.SECRET_KEY
NEW = "the-new-secret-key-after-rotation-0123456789"


def _node(app, **config):
    """Another node on the same database and shared state, with other keys."""
    other = create_app(
        TestingConfig, {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **config}
    )
    other.test_client_class = HttpsClient
    db._app_engines[other][None] = db._app_engines[app][None]
    other.extensions[shared_state.EXTENSION] = app.extensions[shared_state.EXTENSION]
    return other


def test_rotation_keeps_sessions_links_and_credentials(app, make):
    dept = make.department()
    officer = make.officer(dept, mfa=True)
    email, officer_id = officer.email, officer.id
    link = auth.activation_token(officer)
    old_client = app.test_client()
    sign_in(old_client, email, make.PASSWORD, make.TOTP_SECRET)
    cookie = old_client.get_cookie("__Host-wnwa", domain="localhost").value

    rotated = _node(app, SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
    client = rotated.test_client()
    client.set_cookie("__Host-wnwa", cookie, domain="localhost")
    assert client.get("/welcome").status_code == 200
    with rotated.app_context():
        assert auth.account_for_token(link).id == officer_id
    fresh = rotated.test_client()
    response = sign_in(fresh, email, make.PASSWORD, make.TOTP_SECRET)
    assert response.status_code == 303
    assert fresh.get("/welcome").status_code == 200

    forgotten = _node(app, SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[])
    stranger = forgotten.test_client()
    stranger.set_cookie("__Host-wnwa", cookie, domain="localhost")
    assert stranger.get("/welcome").status_code == 302


def _csrf_token(page) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(True)).group(1)


def test_a_form_opened_before_the_rotation_still_submits(app, make):
    officer = make.officer(make.department())
    before = _node(app, WTF_CSRF_ENABLED=True)
    client = before.test_client()
    token = _csrf_token(client.get("/login"))  # the form, and its token in the session
    cookie = client.get_cookie("__Host-wnwa", domain="localhost").value
    form = {"csrf_token": token, "email": officer.email, "password": make.PASSWORD}

    rotated = _node(app, SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD], WTF_CSRF_ENABLED=True)
    later = rotated.test_client()
    later.set_cookie("__Host-wnwa", cookie, domain="localhost")
    assert later.post("/login", data=form).status_code == 303
    assert later.get("/welcome").status_code == 200
    new_token = _csrf_token(rotated.test_client().get("/login"))
    with rotated.app_context():  # new forms are signed with the new key alone
        assert URLSafeTimedSerializer(NEW, salt="wtf-csrf-token").loads(new_token)

    forgotten = _node(app, SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[], WTF_CSRF_ENABLED=True)
    stranger = forgotten.test_client()
    stranger.set_cookie("__Host-wnwa", cookie, domain="localhost")
    assert stranger.post("/login", data=form).status_code == 400


def test_a_session_signed_out_before_the_rotation_stays_signed_out(app, make):
    dept = make.department()
    officer = make.officer(dept)
    client = app.test_client()
    sign_in(client, officer.email, make.PASSWORD)
    cookie = client.get_cookie("__Host-wnwa", domain="localhost").value
    copy = app.test_client()
    copy.set_cookie("__Host-wnwa", cookie, domain="localhost")
    assert copy.get("/welcome").status_code == 200
    client.post("/logout")

    rotated = _node(app, SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
    later = rotated.test_client()
    later.set_cookie("__Host-wnwa", cookie, domain="localhost")
    assert later.get("/welcome").status_code == 302


def test_recovery_codes_and_stored_keys_made_before_the_rotation_still_work(app):
    from wnwa.tenants.credentials import (
        Secrets,
        new_recovery_codes,
        recovery_digest,
        recovery_digests,
        seal,
        unseal,
    )

    with app.app_context():
        codes, digests = new_recovery_codes()
        blob = seal(Secrets(totp="KRSXG5CTMVRXEZLU", recovery=digests))
    rotated = _node(app, SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
    with rotated.app_context():
        assert unseal(blob).recovery == digests
        assert digests[0] in recovery_digests(codes[0])
        assert recovery_digest(codes[0]) not in digests  # new codes are made with the new key
