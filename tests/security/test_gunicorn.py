"""gunicorn as shipped (gunicorn.conf.py): its own error responses carry the app's security
headers, no response names the server software, and more than one worker without a shared
Redis refuses to start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port
from wnwa.security import SECURITY_HEADERS

ROOT = Path(__file__).resolve().parents[2]


def _gunicorn(port: int, **env: str) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    environment.update(WNWA_CONFIG="testing", **env)
    return subprocess.Popen(  # noqa: S603 - this interpreter and the repo's own config
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "tests.security.gunicorn_target:app",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _raw(port: int, request: bytes) -> tuple[str, dict[str, str], str]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers, body.decode(errors="replace")


@pytest.fixture(scope="module")
def server():
    port = free_port()
    process = _gunicorn(port, WEB_CONCURRENCY="1")
    deadline = time.monotonic() + 30
    while True:
        try:
            _raw(port, b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=10)


def _assert_hardened(headers: dict[str, str]) -> None:
    assert "server" not in headers, headers
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, name
    assert headers.get("cache-control") == "no-store"


def test_a_500_answered_by_gunicorn_itself_carries_the_security_headers(server):
    status, headers, body = _raw(
        server, b"GET /fails-outside-flask HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert status.startswith("HTTP/1.1 500"), status
    _assert_hardened(headers)
    assert "gunicorn" not in body.lower()


def test_a_request_gunicorn_cannot_parse_gets_the_headers_and_no_echo(server):
    status, headers, body = _raw(server, b"GET /<script>canary HTTP/9.9\r\nHost: x\r\n\r\n")
    assert status.startswith("HTTP/1.1 400"), status
    _assert_hardened(headers)
    assert "canary" not in body and "<script>" not in body


def test_the_apps_own_responses_name_no_server(server):
    status, headers, _ = _raw(
        server, b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert status.startswith("HTTP/1.1 200"), status
    _assert_hardened(headers)


def test_several_workers_without_redis_refuse_to_start():
    process = _gunicorn(free_port(), WEB_CONCURRENCY="2")
    try:
        _, errors = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode != 0
    assert b"REDIS_URL" in errors
