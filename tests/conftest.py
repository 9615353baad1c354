"""Shared fixtures: one app and schema per test session (built by the real migrations), each
test inside a transaction that is rolled back, on SQLite or PostgreSQL.

PostgreSQL runs when WNWA_TEST_DATABASE_URL names it (scripts/with_postgres.sh sets it up: the
app connects as a role that owns nothing and cannot bypass row-level security).
"""

from __future__ import annotations

import contextvars
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pyotp
import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from config import TestingConfig
from wnwa import create_app, shared_state
from wnwa.extensions import db, limiter

from . import factories

ON_POSTGRES = "postgresql" in os.environ.get("WNWA_TEST_DATABASE_URL", "")


def pytest_collection_modifyitems(config, items):
    """Engine-specific tests run in their engine's pass of `make test`; deselected elsewhere."""
    keep, drop = [], []
    for item in items:
        if item.get_closest_marker("postgres_only") and not ON_POSTGRES:
            drop.append(item)
        elif ON_POSTGRES and "/tests/browser/" in str(item.path):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


class HttpsClient(FlaskClient):
    """A test client that speaks https, as production does (Secure, __Host- cookies).

    Each request gets its own app context (so its own `g` and database session), as in
    production, even while the test itself holds one open for factories and assertions.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", "https://localhost")
        parent_open = super().open

        def run():
            _cv_app.set(None)
            return parent_open(*args, **kwargs)

        return contextvars.copy_context().run(run)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("WNWA_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[Flask]:
    url = _database_url(tmp_path_factory)
    app = create_app(
        TestingConfig,
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "MAIL_OUTBOX": str(tmp_path_factory.mktemp("outbox")),
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        },
    )
    app.test_client_class = HttpsClient
    with app.app_context():
        upgrade(directory="migrations", revision="heads")
    yield app


@pytest.fixture(scope="session")
def engine_name(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


@pytest.fixture(autouse=True)
def _db(app) -> Iterator[None]:
    """Run the test in an outer transaction; services' commits become savepoint releases."""
    with app.app_context():
        engines = db._app_engines[app]  # the one engine, swapped for a held connection
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            db.session.remove()
            if outer.is_active:
                outer.rollback()
            connection.close()
            engines[None] = engine
    with app.app_context():
        shared_state.state().clear()
    limiter.reset()


@pytest.fixture
def ctx(app) -> Iterator[None]:
    """An app context for service-level tests (shares the test's transaction)."""
    with app.app_context():
        yield


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make(app):
    """Factories, inside an app context."""
    with app.app_context():
        yield factories


def sign_in(client: FlaskClient, email: str, password: str, totp: str | None = None):
    response = client.post("/login", data={"email": email, "password": password})
    if totp is not None:
        assert response.status_code == 303, response.status_code
        response = client.post("/login/code", data={"code": pyotp.TOTP(totp).now()})
    return response


@pytest.fixture
def login(client):
    def _login(account, password: str = factories.PASSWORD, totp: str | None = "auto"):
        secret = factories.TOTP_SECRET if totp == "auto" and account.mfa_required else None
        if totp not in ("auto", None):
            secret = totp
        response = sign_in(client, account.email, password, secret)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return response

    return _login


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpSink:
    """Messages received by a real SMTP server (aiosmtpd) on 127.0.0.1."""

    messages: list[EmailMessage]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in m["To"].lower()]


@pytest.fixture
def smtp_server(app) -> Iterator[SmtpSink]:
    """Point the mail worker at a loopback aiosmtpd server for this test."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink([])

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            sink.messages.append(message_from_bytes(envelope.content, policy=default))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {
        k: app.config[k] for k in ("MAIL_TRANSPORT", "SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS")
    }
    app.config.update(
        MAIL_TRANSPORT="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=controller.port,
        SMTP_STARTTLS=False,
    )
    try:
        yield sink
    finally:
        app.config.update(saved)
        controller.stop()


def raw_sql(sql: str, **params):
    return db.session.execute(text(sql), params)
