"""Capture every log an officer's request could reach: the app's and the quiet libraries'
loggers at DEBUG, and (on PostgreSQL) the server log written meanwhile."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wnwa.security import QUIET_LOGGERS


@dataclass
class Logs:
    app: str = ""
    server: str = ""  # the PostgreSQL server log written inside the block; "" on SQLite


@contextmanager
def every_log(caplog) -> Iterator[Logs]:
    loud = [logging.getLogger()] + [logging.getLogger(name) for name in QUIET_LOGGERS]
    previous = [logger.level for logger in loud]
    for logger in loud:
        logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("wnwa.tests").debug("control record")
    pg_log = os.environ.get("WNWA_PG_LOG")
    pg_before = Path(pg_log).stat().st_size if pg_log else 0
    logs = Logs()
    try:
        yield logs
    finally:
        for logger, level in zip(loud, previous, strict=True):
            logger.setLevel(level)
    logs.app = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert "control record" in logs.app, "logging was not captured at DEBUG"
    if pg_log:
        logs.server = Path(pg_log).read_text(errors="replace")[pg_before:]
