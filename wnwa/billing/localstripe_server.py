"""Run localstripe (the stateful Stripe stand-in) on the loopback interface only.

``python -m wnwa.billing.localstripe_server PORT`` serves localstripe's aiohttp app on
127.0.0.1:PORT. localstripe's own CLI binds every interface (``::``), so it is never used.

localstripe pickles its whole state after every write to the fixed path
``/tmp/localstripe.pickle``, shared by every instance on the machine. This runner points that
file at ``$TMPDIR/localstripe.pickle`` instead and never loads an earlier state, so each
instance started by ``running_localstripe`` (which gives it its own TMPDIR) is isolated.

localstripe is GPL-licensed: it runs only as a separate development/test process and is
never imported by the application.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import pickle  # nosec B403
import shutil
import socket
import subprocess  # nosec B404
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
START_TIMEOUT = 15.0
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _state_file() -> Path:
    return Path(tempfile.gettempdir()) / "localstripe.pickle"


def serve(port: int) -> None:
    from aiohttp import web
    from localstripe import resources
    from localstripe.server import app

    def dump_to_disk(store: resources.Store) -> None:
        with _state_file().open("wb") as f:
            pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)

    resources.Store.dump_to_disk = dump_to_disk  # type: ignore[method-assign]
    resources.Store.try_load_from_disk = lambda store: None  # type: ignore[method-assign]
    web.run_app(app, host=HOST, port=port, print=None, access_log=None)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def reset_localstripe(base_url: str, timeout: float = 2.0) -> None:
    """Erase every object in a running localstripe (``DELETE /_config/data``)."""
    _request(base_url, "DELETE", "/_config/data", timeout=timeout)


def register_webhook(
    base_url: str, webhook_id: str, url: str, secret: str, timeout: float = 2.0
) -> None:
    """Have localstripe deliver every event, signed with ``secret``, to ``url``
    (``POST /_config/webhooks/<id>``, localstripe's own configuration API)."""
    body = urlencode({"url": url, "secret": secret})
    _request(base_url, "POST", f"/_config/webhooks/{webhook_id}", timeout=timeout, body=body)


def _request(
    base_url: str, method: str, path: str, *, timeout: float, body: str | None = None
) -> None:
    host, _, port = base_url.removeprefix("http://").rstrip("/").partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"localstripe answered {method} {path} with {response.status}")
    finally:
        conn.close()


@contextlib.contextmanager
def running_localstripe(port: int | None = None) -> Iterator[str]:
    """Start localstripe on loopback in a subprocess; yield its base URL; stop it.

    The instance gets its own temporary directory (its state file and log live there) and
    starts empty. Raises RuntimeError if it does not answer within START_TIMEOUT seconds.
    """
    port = port or free_port()
    base_url = f"http://{HOST}:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="localstripe-"))
    log_path = workdir / "localstripe.log"
    env = {
        **os.environ,
        "TMPDIR": str(workdir),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(_PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    command = [sys.executable, "-m", "wnwa.billing.localstripe_server", str(port)]
    with log_path.open("wb") as log:
        # A fixed argv and no shell; pickle above only writes localstripe's own state.
        process = subprocess.Popen(  # noqa: S603  # nosec B603
            command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir
        )
    try:
        _wait_until_ready(process, base_url, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"localstripe exited with code {process.returncode} before answering on "
                f"{base_url}:\n{_tail(log_path)}"
            )
        try:
            reset_localstripe(base_url, timeout=0.5)
            return
        except (OSError, RuntimeError, http.client.HTTPException) as exc:
            last_error = exc
            time.sleep(0.1)
    raise RuntimeError(
        f"localstripe did not answer on {base_url} within {START_TIMEOUT:.0f} s "
        f"(last error: {last_error!r}):\n{_tail(log_path)}"
    )


def _tail(path: Path, limit: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return "(no log)"


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdecimal():
        print("usage: python -m wnwa.billing.localstripe_server PORT", file=sys.stderr)
        return 2
    serve(int(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
