"""An encrypted, stateless session cookie (docs/RULES.md 2.3).

Flask's default cookie is only signed: anyone at a shared squad-room PC could read the user id
in it. Ours is AES-GCM encrypted with a key derived from SECRET_KEY, so it reads as random
bytes, needs no server-side store (several workers and nodes share nothing but the key), and
carries its own idle (30 min) and absolute (12 h) limits. Nothing is written to the database.
A visitor's session that holds only a form token has no idle limit: a long application or
message typed over an hour still sends.

Each session carries a random id (`_sid`, new at every sign-in since signing in starts a fresh
session). Signing out puts that id on the RAM-only sign-out list (`wnwa.shared_state`) until
the idle limit, so a copy of the cookie taken before "Sign out" stops working with it.

A page that only informs sets no cookie at all. Every page renders a CSRF token (the htmx header
on `<body>`), which puts one into the session; for an anonymous visitor whose session holds
nothing else, the cookie is written only when the response carries a form that posts (the
token is needed to submit it). Reading the home page, the FAQ or the crisis lines leaves
nothing in the browser.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time

from flask.sessions import SecureCookieSession, SessionInterface

from wnwa.crypto import DecryptionFailed, app_key, decrypt_any, encrypt
from wnwa.shared_state import session_ended

_PURPOSE = "session-cookie-v1"
CREATED, SEEN, SESSION_ID = "_c", "_s", "_sid"
SEEN_GRANULARITY = 60  # seconds; the cookie is rewritten at most once a minute when idle
# Keys that carry nothing the visitor asked to keep: the CSRF token and our own bookkeeping.
_BOOKKEEPING = frozenset({"csrf_token", CREATED, SEEN, SESSION_ID})
_POSTING_FORM = re.compile(
    rb"<form\b[^>]*\bmethod=[\"']?post|\bhx-(?:post|put|patch|delete)=", re.I
)


def only_informs(session, response) -> bool:
    """True for an anonymous session holding nothing but a CSRF token, on a response with no
    form that posts: such a response needs no cookie."""
    if set(session) - _BOOKKEEPING:
        return False
    if response.direct_passthrough or response.mimetype != "text/html":
        return True
    return _POSTING_FORM.search(response.get_data()) is None


class EncryptedSession(SecureCookieSession):
    expired = False


class EncryptedSessionInterface(SessionInterface):
    session_class = EncryptedSession

    def get_cookie_name(self, app) -> str:
        return "__Host-wnwa" if app.config["SESSION_COOKIE_SECURE"] else "wnwa"

    def open_session(self, app, request) -> EncryptedSession:
        raw = request.cookies.get(self.get_cookie_name(app))
        if not raw:
            return self.session_class()
        try:
            data = json.loads(decrypt_any(_PURPOSE, base64.urlsafe_b64decode(raw + "==")))
        except (DecryptionFailed, ValueError, TypeError):
            return self.session_class()
        now = time.time()
        idle = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
        absolute = app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
        ended = SESSION_ID in data and session_ended(str(data[SESSION_ID]))
        # The idle limit guards what a session holds; one holding only a form token (a visitor
        # writing a long application or message) keeps it until the absolute limit.
        idle_out = now - data.get(SEEN, 0) > idle and bool(set(data) - _BOOKKEEPING)
        if ended or idle_out or now - data.get(CREATED, 0) > absolute:
            session = self.session_class()
            session.expired = True
            session.modified = True  # clears the stale cookie
            return session
        return self.session_class(data)

    def save_session(self, app, session: EncryptedSession, response) -> None:
        name = self.get_cookie_name(app)
        secure = app.config["SESSION_COOKIE_SECURE"]
        if not session:
            if session.modified or session.expired:
                response.delete_cookie(name, path="/", secure=secure, httponly=True)
            return
        if only_informs(session, response):
            return
        now = int(time.time())
        stale = now - session.get(SEEN, 0) >= SEEN_GRANULARITY
        if not (session.modified or stale):
            return
        data = dict(session)
        data.setdefault(CREATED, now)
        data.setdefault(SESSION_ID, secrets.token_urlsafe(16))
        data[SEEN] = now
        blob = encrypt(app_key(_PURPOSE), json.dumps(data, separators=(",", ":")).encode())
        response.set_cookie(
            name,
            base64.urlsafe_b64encode(blob).decode().rstrip("="),
            path="/",
            secure=secure,
            httponly=True,
            samesite="Strict",
        )
        response.vary.add("Cookie")
