"""A gunicorn worker that stays above WORKER_RETIRE_ABOVE_MB after a bulk request (a roster
import) answers it in full, then retires; gunicorn starts a fresh worker in its place, so no
worker carries an import's leftover memory for the rest of its life. Below the ceiling, or
after an ordinary request, the worker stays. Real gunicorn with gunicorn.conf.py, one worker.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import free_port
from tests.security.test_shared_state_redis import _wait_for_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def _node(tmp_path: Path, retire_above_mb: str) -> Iterator[int]:
    port = free_port()
    env = dict(os.environ, WNWA_CONFIG="testing", WEB_CONCURRENCY="1")
    env.pop("REDIS_URL", None)
    env["WORKER_RETIRE_ABOVE_MB"] = retire_above_mb
    env["WNWA_SERVE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'memory.sqlite3'}"
    process = subprocess.Popen(  # noqa: S603 - this interpreter and the repo's own config
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind",
         f"127.0.0.1:{port}", "tests.ops.memory_target:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_port(port, process, seconds=60)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=60)


def _get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def _worker_after(port: int, old: str) -> str:
    """The worker answering once `old` has had time to go (the first answer that differs)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, pid = _get(port, "/_test/pid")
        except (ConnectionError, http.client.HTTPException):
            status, pid = 0, ""
        if status == 200 and pid != old:
            return pid
        time.sleep(0.2)
    return old


def test_a_worker_above_the_ceiling_answers_the_bulk_request_then_is_replaced(tmp_path):
    with _node(tmp_path, retire_above_mb="1") as port:
        status, first = _get(port, "/_test/pid")
        assert status == 200
        assert _get(port, "/_test/pid") == (200, first)  # an ordinary request: the worker stays
        assert _get(port, "/_test/bulk") == (200, first)  # the bulk request is answered in full
        fresh = _worker_after(port, first)
        assert fresh != first  # then a fresh worker serves
        assert _get(port, "/_test/pid") == (200, fresh)


def test_a_worker_below_the_ceiling_stays(tmp_path):
    with _node(tmp_path, retire_above_mb="100000") as port:
        status, first = _get(port, "/_test/pid")
        assert status == 200
        assert _get(port, "/_test/bulk") == (200, first)
        time.sleep(1)
        assert _get(port, "/_test/pid") == (200, first)
