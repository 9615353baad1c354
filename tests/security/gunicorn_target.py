"""The app behind gunicorn for tests/security/test_gunicorn.py, plus one path that fails
outside Flask's error handling (as an invalid response does), so gunicorn answers itself."""

from __future__ import annotations

from config import TestingConfig
from wnwa import create_app

_app = create_app(TestingConfig, {"WNWA_HANDLE_ERRORS": True})


def app(environ, start_response):
    if environ.get("PATH_INFO") == "/fails-outside-flask":
        raise RuntimeError("a failure gunicorn itself answers")
    return _app(environ, start_response)
