"""Two app processes sharing one RAM-only Redis, as two gunicorn workers do in production.

A real `redis-server` (run with `--save "" --appendonly no`: nothing on disk) on a random
loopback port, and two app processes on two more, both on the test database:

* a two-step code used through one process is refused by the other;
* the account lockout counts wrong passwords across both;
* a cookie copied before "Sign out" is refused by both afterwards;
* no Redis key or value names an officer (email, account identity, address, code);
* with Redis unreachable, sign-in says it is temporarily unavailable and pages still load.

Without redis-server the tests skip, unless WNWA_REQUIRE_REDIS=1 (CI), where they fail.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pyotp
import pytest
from sqlalchemy import create_engine, delete, select

from tests import factories
from tests.conftest import free_port
from tests.superuser import real_transactions
from wnwa.database import configure_engine_events
from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.site.models import SiteRequest
from wnwa.tenants.credentials import session_identity
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import tenant_context

ROOT = Path(__file__).resolve().parents[2]
COOKIE = "wnwa"


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on port {port}")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server not found (apt-get install redis-server)"
        if os.environ.get("WNWA_REQUIRE_REDIS") == "1":
            pytest.fail(message + " but WNWA_REQUIRE_REDIS=1")
        pytest.skip(message)
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert list(workdir.iterdir()) == []  # nothing was persisted


def _serve(database_url: str, redis_url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, WNWA_CONFIG="testing", REDIS_URL=redis_url)
    env["WNWA_SERVE_DATABASE_URL"] = database_url
    process = subprocess.Popen(  # noqa: S603 - this interpreter, a module of the test suite
        [sys.executable, "-m", "tests.security.serve_app", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process)
    except RuntimeError:
        process.kill()
        raise
    return process, port


class Browser:
    """A browser on one shared computer: keeps one session cookie, talks to any process."""

    def __init__(self) -> None:
        self.cookie: str | None = None

    def open(self, port: int, method: str, path: str, form: dict | None = None):
        headers = {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            headers["Cookie"] = f"{COOKIE}={self.cookie}"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie" and value.startswith(COOKIE + "="):
                    self.cookie = value.split(";", 1)[0][len(COOKIE) + 1 :] or None
            return response.status, text
        finally:
            connection.close()


@pytest.fixture(scope="module")
def network(app, redis_server) -> Iterator[dict]:
    """Accounts committed for real (the app processes cannot see the test's transaction), two
    app processes, and the clean-up of both."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        engines = db._app_engines[app]
        held = engines[None]
        engine = create_engine(url)
        configure_engine_events(engine)
        engines[None] = engine
        db.session.remove()
        try:
            dept = factories.department("Redis Test PD")
            dept_id = dept.id
            factories.officer(dept, email="officer@redis.example")
            factories.officer(dept, chief=True, email="chief@redis.example")
            factories.officer(dept, email="locked@redis.example")
            with tenant_context(dept_id):
                people = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
                made = {
                    "department_id": dept_id,
                    "emails": {k: v.email for k, v in people.items()},
                    "identities": [session_identity(v) for v in people.values()],
                    "ids": [v.id for v in people.values()],
                }
        finally:
            db.session.remove()
            engines[None] = held
    servers = [_serve(url, redis_server) for _ in range(2)]
    try:
        yield made | {"ports": [port for _, port in servers], "redis": redis_server}
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=10)
        with app.app_context():
            engines[None] = engine
            db.session.remove()
            try:
                with tenant_context(made["department_id"]):
                    db.session.execute(delete(User).where(User.id.in_(made["ids"])))
                    db.session.commit()
                db.session.execute(delete(Department).where(Department.id == dept_id))
                db.session.commit()
            finally:
                db.session.remove()
                engines[None] = held
                engine.dispose()


@pytest.fixture
def redis_client(network):
    import redis

    client = redis.Redis.from_url(network["redis"])
    client.flushall()  # each test starts with no throttles, codes or signed-out sessions
    yield client
    client.close()


def test_a_two_step_code_signs_in_once_across_processes(network, redis_client):
    a, b = network["ports"]
    email = network["emails"]["chief"]
    code = pyotp.TOTP(factories.TOTP_SECRET).now()
    first, second = Browser(), Browser()
    assert (
        first.open(a, "POST", "/login", {"email": email, "password": factories.PASSWORD})[0] == 303
    )
    assert first.open(a, "POST", "/login/code", {"code": code})[0] == 303
    assert (
        second.open(b, "POST", "/login", {"email": email, "password": factories.PASSWORD})[0] == 303
    )
    status, page = second.open(b, "POST", "/login/code", {"code": code})
    assert status == 401, status
    assert "That code is not valid" in page


def test_the_account_lockout_counts_across_processes(network, redis_client):
    ports = network["ports"]
    email = network["emails"]["locked"]
    browser = Browser()
    statuses = [
        browser.open(ports[n % 2], "POST", "/login", {"email": email, "password": f"wrong {n}"})[0]
        for n in range(11)
    ]
    assert statuses == [401] * 10 + [429], statuses
    for port in ports:  # the right password, through either process, is still refused
        status, _ = Browser().open(
            port, "POST", "/login", {"email": email, "password": factories.PASSWORD}
        )
        assert status == 429


def test_a_cookie_copied_before_sign_out_is_refused_by_every_process(network, redis_client):
    a, b = network["ports"]
    browser = Browser()
    email = network["emails"]["officer"]
    assert (
        browser.open(a, "POST", "/login", {"email": email, "password": factories.PASSWORD})[0]
        == 303
    )
    copied = Browser()
    copied.cookie = browser.cookie
    assert copied.open(b, "GET", "/directory/")[0] == 200
    assert browser.open(b, "POST", "/logout")[0] == 303
    assert browser.cookie is None
    for port in (a, b):
        stale = Browser()
        stale.cookie = copied.cookie
        status, _ = stale.open(port, "GET", "/directory/")
        assert status == 302, (port, status)  # sent to sign in


def test_nothing_in_redis_names_an_officer(network, redis_client):
    a, b = network["ports"]
    officer, chief = network["emails"]["officer"], network["emails"]["chief"]
    browser = Browser()
    browser.open(a, "POST", "/login", {"email": officer, "password": "wrong"})
    browser.open(b, "POST", "/login", {"email": officer, "password": factories.PASSWORD})
    browser.open(a, "POST", "/logout")
    code = pyotp.TOTP(factories.TOTP_SECRET).now()
    browser.open(b, "POST", "/login", {"email": chief, "password": factories.PASSWORD})
    browser.open(b, "POST", "/login/code", {"code": code})
    browser.open(a, "POST", "/logout")
    stored = b""
    keys = list(redis_client.scan_iter("*"))
    assert len(keys) >= 3  # throttles, a used code, signed-out sessions
    for key in keys:
        stored += key + b"\n"
        kind = redis_client.type(key)
        if kind == b"string":
            stored += redis_client.get(key) or b""
        elif kind == b"hash":
            stored += b" ".join(k + b"=" + v for k, v in redis_client.hgetall(key).items())
        elif kind == b"zset":
            stored += b" ".join(redis_client.zrange(key, 0, -1))
        elif kind == b"list":
            stored += b" ".join(redis_client.lrange(key, 0, -1))
        stored += b"\n"
    text = stored.decode(errors="replace").lower()
    for needle in [officer, chief, "127.0.0.1", *network["identities"]]:
        assert needle.lower() not in text, needle
    assert "@" not in text


def test_sign_in_says_temporarily_unavailable_when_redis_is_down(app, network):
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    process, port = _serve(app.config["SQLALCHEMY_DATABASE_URI"], dead)
    try:
        browser = Browser()
        assert browser.open(port, "GET", "/login")[0] == 200
        assert browser.open(port, "GET", "/")[0] == 200
        status, page = browser.open(
            port,
            "POST",
            "/login",
            {"email": network["emails"]["officer"], "password": factories.PASSWORD},
        )
        assert status == 503, status
        assert "temporarily unavailable" in page
        assert browser.open(port, "POST", "/logout")[0] == 303  # signing out still works
        # A visitor's message goes through uncounted: the throttle only slows floods.
        message = {
            "name": "Dana Visitor",
            "email": "dana.redis-down@visitor.example",
            "organisation": "Elsewhere PD",
            "message": "Written while the counters were down.",
        }
        status, page = browser.open(port, "POST", "/contact", message)
        assert status == 303, (status, page[:300])
        with app.app_context(), real_transactions(app, pool_size=1):
            kept = db.session.scalars(
                select(SiteRequest).where(SiteRequest.email == message["email"])
            ).all()
            assert [r.message for r in kept] == [message["message"]]
            db.session.execute(delete(SiteRequest).where(SiteRequest.email == message["email"]))
            db.session.execute(delete(MailJob).where(MailJob.to == message["email"]))  # its reply
            db.session.commit()
    finally:
        process.terminate()
        process.wait(timeout=10)
