"""What gunicorn itself answers: the same security headers as the app, and no `Server` banner.

gunicorn writes some responses without asking the app: a request it cannot parse (400, 414,
431...) and a 500 when the application fails outside Flask's own error handling (an invalid
status line, an error while streaming). Its stock page carries none of the app's headers and
echoes the failing request line; every response it sends names it in `Server: gunicorn`.
`harden_gunicorn()` (called from gunicorn.conf.py, before workers fork) replaces the error
writer with one that sends the security headers and a plain page naming only the status, drops
the `Server` header, and keeps request lines out of gunicorn's error log.
"""

from __future__ import annotations

import logging
import os

from wnwa.security import HSTS, SECURITY_HEADERS


def error_response(status_int: int, reason: str, *, hsts: bool) -> bytes:
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{status_int} {reason}</title></head>"
        f"<body><h1>{status_int} {reason}</h1>"
        "<p>Please go back and try again.</p></body></html>"
    ).encode()
    headers = {
        **SECURITY_HEADERS,
        "Cache-Control": "no-store",
        "Connection": "close",
        "Content-Type": "text/html; charset=utf-8",
        "Content-Length": str(len(body)),
    }
    if hsts:
        headers["Strict-Transport-Security"] = HSTS
    head = f"HTTP/1.1 {status_int} {reason}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()
    )
    return (head + "\r\n").encode("latin-1") + body


class _NoRequestLines(logging.Filter):
    """gunicorn logs "Error handling request <method> <uri>": the URI may carry a search."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Error handling request"):
            record.msg, record.args = "Error handling request", None
        elif isinstance(record.msg, str) and record.msg.startswith("Invalid request from"):
            record.msg, record.args = "Invalid request", None
        return True


def harden_gunicorn() -> None:
    from gunicorn import util
    from gunicorn.http import wsgi

    hsts = os.environ.get("WNWA_CONFIG") == "production"

    def write_error(sock, status_int, reason, mesg):
        util.write_nonblock(sock, error_response(status_int, reason, hsts=hsts))

    util.write_error = write_error

    if not getattr(wsgi.Response.default_headers, "wnwa_hardened", False):
        original = wsgi.Response.default_headers

        def default_headers(self):
            return [h for h in original(self) if not h.lower().startswith("server:")]

        default_headers.wnwa_hardened = True  # type: ignore[attr-defined]
        wsgi.Response.default_headers = default_headers

    error_log = logging.getLogger("gunicorn.error")
    if not any(isinstance(f, _NoRequestLines) for f in error_log.filters):
        error_log.addFilter(_NoRequestLines())
