"""gunicorn settings for production (`gunicorn -c gunicorn.conf.py wsgi:app`).

* No access log: it would record who asked for what, from where (docs/PRIVACY.md).
* Several workers share their used two-step codes, sign-out list and sign-in throttles through
  a RAM-only Redis (REDIS_URL); without one, gunicorn refuses to start more than one worker.
* A worker still above WORKER_RETIRE_ABOVE_MB resident (default 100, a worker's budget) after a
  bulk request (a roster import: wnwa/memory.py) retires once it has answered it; gunicorn
  forks a fresh one from the master, which has the app loaded (`preload_app`).
* Responses gunicorn writes itself (a request it cannot parse, an application that fails
  outside Flask's error handling) carry the same security headers as the app's own, and no
  response names the server software (see wnwa/server_hardening.py).
"""

import os

os.environ["WNWA_SERVER"] = "gunicorn"  # the app leaves out what only the command line uses

from config import check_shared_state
from wnwa import memory
from wnwa.server_hardening import harden_gunicorn

harden_gunicorn()

accesslog = None
errorlog = "-"
loglevel = "warning"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# The master imports the app once and forks each worker from it: a worker that retires (below)
# is replaced in milliseconds instead of a second and a half of importing under load. Code
# upgrades therefore restart the master (`systemctl restart wnwa`, docs/DEPLOY.md).
preload_app = True
# A stopped node (SIGTERM) stops accepting, finishes every request it accepted, then exits:
# no answered request is lost when a node leaves (tests/ops/test_two_nodes.py).
graceful_timeout = 30
timeout = 60
proxy_protocol = False
forwarded_allow_ips = "127.0.0.1"


retire_above_mb = float(os.environ.get("WORKER_RETIRE_ABOVE_MB", "100"))


def on_starting(server):
    check_shared_state(server.cfg.workers, os.environ.get("REDIS_URL"))


def post_fork(server, worker):
    """The master never opens a database connection, but a worker must not share one with it
    or its siblings even so: each worker's pools start empty."""
    from wnwa.extensions import db

    app = server.app.wsgi()
    if not hasattr(app, "app_context"):  # not the Flask app (a test's bare WSGI callable)
        return
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def post_request(worker, req, environ, resp):
    """After a bulk request has been answered (and its memory released), a worker that stays
    above the ceiling finishes: gunicorn's arbiter starts a fresh worker in its place. Nothing
    about the request is logged."""
    if environ.get(memory.BULK) and (memory.resident_mb() or 0) > retire_above_mb:
        worker.log.info(
            "worker %s retires: above %s MB after a bulk request", worker.pid, retire_above_mb
        )
        worker.alive = False
