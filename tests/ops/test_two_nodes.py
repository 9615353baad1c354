"""Several app nodes: two gunicorn nodes (gunicorn.conf.py, two workers each) on one database
and one RAM-only Redis, as docs/DEPLOY.md sets them up.

* A session made on one node is served by the other; signing out on one ends it on both.
* A node stopped (SIGTERM) in the middle of load loses no request it had accepted: every
  request gets a whole 200, those refused at connect by the stopping node are retried on the
  other one (as the proxy's `proxy_next_upstream` does), and none is answered twice.

Runs in both passes (SQLite file, PostgreSQL); without redis-server it fails under
WNWA_REQUIRE_REDIS=1 (CI) and skips otherwise.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, delete, select

from tests import factories
from tests.conftest import free_port
from tests.security.test_shared_state_redis import _wait_for_port, redis_server  # noqa: F401
from wnwa.database import configure_engine_events
from wnwa.extensions import db
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import tenant_context

ROOT = Path(__file__).resolve().parents[2]
COOKIE = "wnwa"
EMAIL = "two.nodes@nodes.example"


def _node(database_url: str, redis_url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, WNWA_CONFIG="testing", REDIS_URL=redis_url, WEB_CONCURRENCY="2")
    env["WNWA_SERVE_DATABASE_URL"] = database_url
    process = subprocess.Popen(  # noqa: S603 - this interpreter and the repo's own config
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "tests.ops.node_target:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process, seconds=60)
    except RuntimeError:
        process.kill()
        raise
    return process, port


def _request(port: int, method: str, path: str, cookie: str | None, form: dict | None = None):
    headers = {"Connection": "close"}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie:
        headers["Cookie"] = f"{COOKIE}={cookie}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        new_cookie = cookie
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith(COOKIE + "="):
                new_cookie = value.split(";", 1)[0][len(COOKIE) + 1 :] or None
        return response.status, text, new_cookie
    finally:
        connection.close()


@pytest.fixture(scope="module")
def nodes(app, redis_server) -> Iterator[dict]:  # noqa: F811
    """An officer committed for real (the nodes cannot see a test transaction), two nodes."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        engines = db._app_engines[app]
        held = engines[None]
        engine = create_engine(url)
        configure_engine_events(engine)
        engines[None] = engine
        db.session.remove()
        try:
            dept = factories.department("Two Nodes PD")
            dept_id = dept.id
            factories.officer(dept, email=EMAIL)
            with tenant_context(dept_id):
                ids = list(db.session.scalars(select(User.id)))
        finally:
            db.session.remove()
            engines[None] = held
    started = [_node(url, redis_server) for _ in range(2)]
    try:
        yield {"processes": [p for p, _ in started], "ports": [port for _, port in started]}
    finally:
        for process, _ in started:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=60)
        with app.app_context():
            engines[None] = engine
            db.session.remove()
            try:
                with tenant_context(dept_id):
                    db.session.execute(delete(User).where(User.id.in_(ids)))
                    db.session.commit()
                db.session.execute(delete(Department).where(Department.id == dept_id))
                db.session.commit()
            finally:
                db.session.remove()
                engines[None] = held
                engine.dispose()


def _sign_in(port: int) -> str:
    status, _, cookie = _request(
        port, "POST", "/login", None, {"email": EMAIL, "password": factories.PASSWORD}
    )
    assert status == 303 and cookie, status
    return cookie


def test_a_session_made_on_one_node_is_served_and_ended_by_the_other(nodes):
    first, second = nodes["ports"]
    cookie = _sign_in(first)
    assert _request(second, "GET", "/welcome", cookie)[0] == 200
    assert _request(first, "GET", "/welcome", cookie)[0] == 200
    status, _, _ = _request(second, "POST", "/logout", cookie)
    assert status in (302, 303)
    assert _request(first, "GET", "/welcome", cookie)[0] == 302  # refused on both nodes
    assert _request(second, "GET", "/welcome", cookie)[0] == 302


def test_stopping_a_node_mid_load_loses_no_answered_request(nodes):
    first, second = nodes["ports"]
    cookie = _sign_in(first)
    outcomes: Counter[str] = Counter()
    served: Counter[int] = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + 6
    stopped = threading.Event()

    def client(n: int) -> None:
        turn = n
        while time.monotonic() < stop_at:
            order = [first, second] if turn % 2 == 0 else [second, first]
            turn += 1
            for port in order:
                try:
                    status, text, _ = _request(port, "GET", "/welcome", cookie)
                except (ConnectionRefusedError, ConnectionResetError) as exc:
                    # Never answered: the proxy tries the other node (a GET only).
                    with lock:
                        outcomes[f"retried:{type(exc).__name__}"] += 1
                    continue
                except (http.client.HTTPException, OSError) as exc:
                    with lock:
                        outcomes[f"lost:{type(exc).__name__}"] += 1
                    break
                with lock:
                    ok = status == 200 and "</html>" in text
                    outcomes["ok" if ok else f"bad:{status}"] += 1
                    served[port] += 1
                break

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    nodes["processes"][1].send_signal(signal.SIGTERM)  # the second node leaves mid-load
    stopped.set()
    for thread in threads:
        thread.join(timeout=60)
    assert nodes["processes"][1].wait(timeout=60) == 0  # it exited cleanly
    assert not [k for k in outcomes if k.startswith(("lost", "bad"))], outcomes
    assert outcomes["ok"] > 10, outcomes
    assert served[first] > 0 and served[second] > 0, served
