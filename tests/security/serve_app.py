"""One app process for the shared-state tests: `python -m tests.security.serve_app PORT`.

Serves the app on 127.0.0.1:PORT (one process, one thread, as one gunicorn sync worker) with
the database and Redis named by WNWA_SERVE_DATABASE_URL and REDIS_URL.
"""

from __future__ import annotations

import os
import sys

from werkzeug.serving import make_server

from config import TestingConfig
from wnwa import create_app


def main() -> None:
    port = int(sys.argv[1])
    redis_url = os.environ["REDIS_URL"]
    app = create_app(
        TestingConfig,
        {
            "SQLALCHEMY_DATABASE_URI": os.environ["WNWA_SERVE_DATABASE_URL"],
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "SESSION_COOKIE_SECURE": False,
            "WNWA_HANDLE_ERRORS": True,
        },
    )
    make_server("127.0.0.1", port, app, threaded=False).serve_forever()


if __name__ == "__main__":
    main()
