"""One app node for tests/ops/test_two_nodes.py: `gunicorn -c gunicorn.conf.py
tests.ops.node_target:app`, on the database named by WNWA_SERVE_DATABASE_URL and the Redis
named by REDIS_URL (plain http on loopback, so the cookie is not `Secure`)."""

from __future__ import annotations

import os

from config import TestingConfig
from wnwa import create_app

app = create_app(
    TestingConfig,
    {
        "SQLALCHEMY_DATABASE_URI": os.environ["WNWA_SERVE_DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "RATELIMIT_STORAGE_URI": os.environ["REDIS_URL"],
        "SESSION_COOKIE_SECURE": False,
        "WNWA_HANDLE_ERRORS": True,
    },
)
