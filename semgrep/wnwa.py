# Cases for `semgrep --test semgrep` (make static): each `ruleid:` line must be found, each `ok:` not.
import logging

import flask
from flask import current_app, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import text

log = logging.getLogger(__name__)


def view(user, connection, name):
    # ruleid: no-logging-request-data
    log.info("search from %s", request.remote_addr)
    # ruleid: no-logging-request-data
    current_app.logger.warning("query %s", request.args.get("q"))
    # ruleid: no-logging-request-data
    logging.info("form %r", flask.request.form)
    # ruleid: no-logging-request-data
    log.error("who: %s", current_user.email)
    # ruleid: no-logging-user-objects
    log.warning("signed in: %s", user)
    # ok: no-logging-request-data
    log.warning("shared state unreachable (%s)", type(name).__name__)
    # ok: no-logging-user-objects
    log.warning("a fixed message")
    # ruleid: no-markup-on-data
    banner = Markup(name)
    # ok: no-markup-on-data
    rule = Markup("<hr>")
    # ruleid: no-raw-sql-outside-reviewed-modules
    connection.execute(text("SELECT * FROM user_account"))
    # ruleid: no-raw-sql-outside-reviewed-modules
    connection.exec_driver_sql("DELETE FROM certification")
    return banner, rule
