"""Response headers on every response, and logging that cannot carry officer data."""

from __future__ import annotations

import logging
import re

from flask import Flask

# img-src allows data: for the stylesheet's inline SVG icons (select arrows, the search
# glass): they are part of the stylesheet and fetch nothing.
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

# Loggers whose lines would carry client addresses, paths or query strings.
QUIET_LOGGERS = {
    "werkzeug": logging.ERROR,  # the development server's access lines
    "flask-limiter": logging.ERROR,  # "ratelimit ... (203.0.113.7) exceeded" at INFO
    "gunicorn.access": logging.CRITICAL + 1,
    "sqlalchemy.engine": logging.WARNING,  # statements and their parameters
    "aiosmtpd": logging.WARNING,
    "mail.log": logging.WARNING,
}

_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_IPV6 = re.compile(r"\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _redact(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        return
    redacted = _EMAIL.sub("[email]", _IPV6.sub("[addr]", _IPV4.sub("[addr]", message)))
    if redacted != message:
        record.msg, record.args = redacted, None


# Loggers that would carry statements, rows, paths or addresses below WARNING. A filter on the
# logger itself drops those records whatever level or handler a configuration gives it
# (SQLALCHEMY_ECHO included), so no switch turns officer logging on.
SILENCED_BELOW_WARNING = (
    "sqlalchemy.engine.Engine",
    "sqlalchemy.pool",
    "werkzeug",
    "flask-limiter",
    "gunicorn.access",
)


class _DropBelowWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


class PrivacyFilter(logging.Filter):
    """Drop access-log records that would name who asked for what, from where."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in ("gunicorn.access", "werkzeug") and record.levelno < logging.ERROR:
            return False
        _redact(record)
        return True


def _install_record_factory() -> None:
    """Redact client addresses and emails as each record is made, whatever handler (or test
    harness, or later configuration) receives it: no switch turns this off."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "wnwa_privacy", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact(record)
        return record

    factory.wnwa_privacy = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def configure_logging(app: Flask) -> None:
    _install_record_factory()
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
    for name in SILENCED_BELOW_WARNING:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropBelowWarning) for f in logger.filters):
            logger.addFilter(_DropBelowWarning())
    privacy = PrivacyFilter()
    for logger in (logging.getLogger(), app.logger):
        for handler in logger.handlers:
            if not any(isinstance(f, PrivacyFilter) for f in handler.filters):
                handler.addFilter(privacy)
        if not any(isinstance(f, PrivacyFilter) for f in logger.filters):
            logger.addFilter(privacy)


# Sent on every response: the app's own (below) and those gunicorn writes itself
# (wnwa/server_hardening.py).
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
HSTS = "max-age=63072000; includeSubDomains"


def register_security_headers(app: Flask) -> None:
    """Every response the app sends carries the security headers, `Vary: HX-Request` (a page
    and its htmx partial share a URL) and, except for static files, `Cache-Control: no-store`.

    They are added as the response leaves, by a WSGI wrapper that appends one fixed list, so
    that the cost is the same small list operation for every request whatever the view did.
    """
    fixed = list(SECURITY_HEADERS.items())
    if app.config.get("HSTS"):
        fixed.append(("Strict-Transport-Security", HSTS))
    replaced = {name.lower() for name, _ in fixed} | {"cache-control", "vary"}
    static = (app.static_url_path or "/static") + "/"
    inner = app.wsgi_app

    def with_security_headers(environ, start_response):
        cacheable = environ.get("PATH_INFO", "").startswith(static)

        def start(status, headers, exc_info=None):
            kept, vary, cache = [], ["HX-Request"], []
            for name, value in headers:
                lower = name.lower()
                if lower not in replaced:
                    kept.append((name, value))
                elif lower == "vary":
                    vary.extend(v.strip() for v in value.split(",") if v.strip() != "HX-Request")
                elif lower == "cache-control" and cacheable:
                    cache.append((name, value))
            kept.extend(fixed)
            kept.append(("Vary", ", ".join(vary)))
            kept.extend(cache if cacheable else [("Cache-Control", "no-store")])
            return start_response(status, kept, exc_info)

        return inner(environ, start)

    app.wsgi_app = with_security_headers  # type: ignore[method-assign]
