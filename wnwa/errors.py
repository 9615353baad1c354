"""Domain exceptions, and the one place where failures become responses."""

from __future__ import annotations

import logging
import traceback
from contextlib import suppress

from flask import Flask, current_app, g
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError
from sqlalchemy.exc import OperationalError, PendingRollbackError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from wnwa.extensions import db
from wnwa.htmx import is_partial, render
from wnwa.shared_state import SharedStateUnavailable

log = logging.getLogger(__name__)


class DomainError(Exception):
    """An expected failure with a message safe to show the user. `field` names the form field
    the message is about, when there is one (a form shows it there)."""

    status_code = 400

    def __init__(
        self, message: str, *, status_code: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if status_code is not None:
            self.status_code = status_code


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class InvalidInput(DomainError):
    status_code = 422


class StorageFull(DomainError):
    """The server could not write a file (disk full, quota, I/O error): nothing was kept."""

    status_code = 507

    def __init__(self) -> None:
        super().__init__(
            "The server has no room to keep this file just now. Nothing was saved or changed: "
            "please try again later."
        )


class DatabaseUnavailable(DomainError):
    status_code = 503

    def __init__(self) -> None:
        super().__init__(
            "The database is not answering just now. Nothing was changed: please try again in "
            "a few minutes."
        )


_TITLES = {
    400: "That request could not be understood",
    401: "Please sign in",
    403: "That page is not open to your role",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "That conflicts with the current state",
    413: "That upload is too large",
    415: "That kind of content is not accepted here",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "Temporarily unavailable",
    507: "Not enough storage",
}


def _caused_by_connection_loss(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OperationalError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _error_page(http_status: int, message: str | None = None, title: str | None = None):
    title = title or _TITLES.get(http_status, "Something went wrong")
    response = render(
        "errors/page.html",
        "errors/_message.html",
        http_status=http_status,
        title=title,
        message=message,
    )
    if is_partial():
        # An error the view did not answer itself (an expired form, too many attempts, a lost
        # connection) shows above the page, never in place of the form the visitor filled in.
        response.headers["HX-Retarget"] = "#alerts"
        response.headers["HX-Reswap"] = "innerHTML show:top"
    return response


def _page_after_failure(http_status: int, message: str | None = None):
    """The error page for a request whose transaction failed (perhaps mid-flush): the
    transaction is ended first, so the page can read what its layout needs (the signed-in
    account). If the database cannot give even that, the page is shown as to a visitor."""
    session = db.session()
    with suppress(SQLAlchemyError):
        session.rollback()
    try:
        return _error_page(http_status, message)
    except SQLAlchemyError:
        with suppress(SQLAlchemyError):
            session.rollback()
        g._login_user = current_app.login_manager.anonymous_user()
        return _error_page(http_status, message)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return _error_page(exc.status_code, exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _error_page(
            400,
            "The form expired or was sent from elsewhere, so nothing was sent. Copy what you "
            "typed, reload the page (signing in again if asked) and send it again.",
            title="This form has expired",
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = None
        if status == 429:
            message = (
                "Too many attempts: this one was not sent or saved. Go back to keep what you "
                "typed, and try again later."
            )
        elif status == 413:
            message = "The upload is larger than we accept."
        return _error_page(status, message)

    @app.errorhandler(SharedStateUnavailable)
    @app.errorhandler(StorageError)
    def shared_state_down(exc: Exception):
        log.warning("shared state unreachable (%s)", type(exc).__name__)
        return _error_page(
            503, "Sign-in is temporarily unavailable. Please try again in a few minutes."
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(PendingRollbackError)
    def database_down(exc: Exception):
        # A dropped or refused connection: the transaction was rolled back as a whole. (A
        # PendingRollbackError is what a later statement of the same request then raises.)
        if not _caused_by_connection_loss(exc) or (
            app.testing and not app.config.get("WNWA_HANDLE_ERRORS")
        ):
            return unexpected(exc)
        log.warning("database unavailable")
        unavailable = DatabaseUnavailable()
        return _page_after_failure(unavailable.status_code, unavailable.message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if app.testing and not app.config.get("WNWA_HANDLE_ERRORS"):
            raise exc
        # Logged by type and code location only: never the message (it may carry input),
        # the path, the query, the user or the client address.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("unhandled %s\n%s", type(exc).__name__, frames)
        return _page_after_failure(500)
