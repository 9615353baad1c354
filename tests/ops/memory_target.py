"""An app node for tests/ops/test_worker_memory.py: `gunicorn -c gunicorn.conf.py
tests.ops.memory_target:app`, with two routes that answer the worker's process id, one of them
marked as a bulk request as the roster import's views are (wnwa/memory.py)."""

from __future__ import annotations

import os

from flask import after_this_request

from config import TestingConfig
from wnwa import create_app
from wnwa.auth.guards import public
from wnwa.memory import give_back_memory

app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": os.environ["WNWA_SERVE_DATABASE_URL"]})


@app.get("/_test/pid")
@public
def pid() -> str:
    return str(os.getpid())


@app.get("/_test/bulk")
@public
def bulk() -> str:
    after_this_request(give_back_memory)
    return str(os.getpid())
