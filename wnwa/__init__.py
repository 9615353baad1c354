"""WeNeverWalkAlone portal: the application factory. Each step is a named register_* call."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from config import Config, config_from_env
from wnwa.capabilities import CAPABILITIES, capability_packages
from wnwa.dbtypes import MAX_STORED_ID


class Portal(Flask):
    """The portal's Flask. Its views and hooks are all plain functions (create_app checks), so
    each runs as it is: Flask's own `ensure_sync` inspects every hook again on every request."""

    def ensure_sync(self, func):
        return func


def _no_coroutines(app: Flask) -> None:
    handlers = list(app.view_functions.values())
    for registry in (
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
        app.url_value_preprocessors,
        app.template_context_processors,
    ):
        for funcs in registry.values():
            handlers += funcs
    handlers += app.teardown_appcontext_funcs
    for by_code in app.error_handler_spec.values():
        for by_class in by_code.values():
            handlers += by_class.values()
    found = [h for h in handlers if inspect.iscoroutinefunction(h)]
    if found:
        raise TypeError(f"async handlers need Flask's ensure_sync: {found}")


class Lazy(Sequence):
    """A list made the first time it is read."""

    __slots__ = ("_items", "_make")

    def __init__(self, make: Callable[[], list]) -> None:
        self._make, self._items = make, None

    def _list(self) -> list:
        if self._items is None:
            self._items = self._make()
        return self._items

    def __getitem__(self, index):
        return self._list()[index]

    def __len__(self) -> int:
        return len(self._list())

    def __iter__(self):
        return iter(self._list())


class StoredId(IntegerConverter):
    """`<int:...>` in a URL: a number a database id can be (64 bits). A longer one names
    nothing of ours: 404, instead of an overflow in the database driver."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_STORED_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(
    config_class: type[Config] | None = None, overrides: dict[str, Any] | None = None
) -> Flask:
    config_class = config_class or config_from_env()
    config_class.validate()
    app = Portal(
        __name__,
        template_folder="../templates",
        instance_relative_config=True,
    )
    app.config.from_object(config_class)
    if overrides:
        app.config.update(overrides)
    register_models()
    register_extensions(app)
    register_sessions(app)
    register_logging(app)
    app.url_map.converters["int"] = StoredId  # before any route is added
    register_blueprints(app)
    register_guards_and_headers(app)
    register_errors(app)
    register_templates(app)
    if os.environ.get("WNWA_SERVER") != "gunicorn":
        # A gunicorn worker never runs a command: it leaves out the command-line modules and
        # Flask-Migrate with Alembic (about 10 MB per worker). gunicorn.conf.py says it serves.
        register_cli(app)
    _no_coroutines(app)
    return app


def register_extensions(app: Flask) -> None:
    from flask_sqlalchemy.session import Session

    from wnwa import shared_state
    from wnwa.crypto import signing_secrets
    from wnwa.database import configure_engine_events, install_read_only_requests
    from wnwa.extensions import csrf, db, limiter, login_manager
    from wnwa.tenants.scoping import install_engine_listeners, install_listeners

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    # No limit applies to every request (no default limits): each limited view checks its own
    # through its decorator, so the limiter's per-request hook would only look and find nothing.
    if limiter.enabled:  # RATELIMIT_ENABLED = False: the limiter registers no hooks at all
        app.before_request_funcs[None].remove(limiter._check_request_limit)
        _limiter_hooks_only_where_limited(app, limiter)
    shared_state.init_app(app)
    login_manager.init_app(app)
    install_listeners(Session)
    install_read_only_requests(app, db.session)
    with app.app_context():
        configure_engine_events(db.engine)
        install_engine_listeners(db.engine)
        # Forms' CSRF tokens are signed with SECRET_KEY and accepted under SECRET_KEY_FALLBACKS
        # too (itsdangerous signs with a list's last key and accepts all): a form opened before
        # a key rotation still submits after it.
        app.config.setdefault("WTF_CSRF_SECRET_KEY", signing_secrets())


def _limiter_hooks_only_where_limited(app: Flask, limiter) -> None:
    """The limiter's after-request hook (sign-in failures counted by `deduct_when`) and its
    teardown act on the state a limited view's decorator made for the request; on every other
    request they would only look and find nothing, so they run only where that state exists."""
    from flask.globals import request_ctx

    after = app.after_request_funcs[None]
    teardown = app.teardown_request_funcs[None]
    (inject,) = [f for f in after if getattr(f, "args", None) == (limiter,)]
    (release,) = [f for f in teardown if getattr(f, "__self__", None) is limiter]

    def limited() -> bool:
        return hasattr(request_ctx, "_limiter_request_context")

    def limiter_after_request(response):
        return inject(response) if limited() else response

    def limiter_teardown_request(exc):
        if limited():
            release(exc)

    after[after.index(inject)] = limiter_after_request
    teardown[teardown.index(release)] = limiter_teardown_request


def register_sessions(app: Flask) -> None:
    from wnwa.auth.services import load_signed_in
    from wnwa.extensions import login_manager
    from wnwa.sessions import EncryptedSessionInterface

    app.session_interface = EncryptedSessionInterface()
    login_manager.session_protection = None  # its IP/user-agent hash is exactly what we avoid
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(load_signed_in)
    # Nobody is remembered beyond the browser session (login_user(remember=False)), so the
    # hook that refreshes a remember-me cookie after each request has nothing to do.
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)


def register_logging(app: Flask) -> None:
    from wnwa.security import configure_logging

    configure_logging(app)


def register_models() -> None:
    """Import every capability's models so the metadata (and Alembic) sees them all."""
    for name in ("mail", "audit", "jobs"):
        importlib.import_module(f"wnwa.{name}")
    for name in CAPABILITIES:
        if importlib.util.find_spec(f"wnwa.{name}.models") is not None:
            importlib.import_module(f"wnwa.{name}.models")


def register_blueprints(app: Flask) -> None:
    for capability in capability_packages():
        for bp in getattr(capability, "blueprints", list)():
            app.register_blueprint(bp)


def register_guards_and_headers(app: Flask) -> None:
    from wnwa.auth.guards import register_guards
    from wnwa.input_guard import register_input_guard
    from wnwa.security import register_security_headers

    register_input_guard(app)
    register_guards(app)
    register_security_headers(app)


def register_errors(app: Flask) -> None:
    from wnwa.errors import register_error_handlers

    register_error_handlers(app)


def register_templates(app: Flask) -> None:
    from wnwa.history import actor_name
    from wnwa.site.navigation import navigation_for, tabs_for
    from wnwa.site.services import crisis_strip
    from wnwa.us_states import county_label, day_words, local_time

    app.add_template_filter(local_time, "local_time")  # a stored UTC moment in a state's time
    app.add_template_filter(day_words, "day")  # 2025-10-27 -> Oct 27, 2025
    app.add_template_filter(county_label, "county")  # ("Cook", "IL") -> Cook County, IL
    app.add_template_filter(actor_name, "actor")  # "staff 3 <...>" -> "Network staff: Dana Reyes"

    @app.context_processor
    def inject_navigation():
        from flask_login import current_user

        def strip():
            department = getattr(current_user, "department", None)  # loaded with the user
            return crisis_strip(getattr(department, "state", None))

        # Made when the layout reads them: a partial (most htmx answers) never does.
        return {
            "nav": Lazy(lambda: navigation_for(current_user)),
            "tabs": Lazy(lambda: tabs_for(current_user)),
            "crisis_strip": Lazy(strip),
        }


def register_cli(app: Flask) -> None:
    from flask_migrate import Migrate

    from wnwa.cli import register_commands
    from wnwa.extensions import db

    Migrate(app, db, directory=str(app.root_path + "/../migrations"))  # `flask db ...`
    register_commands(app)
    for capability in capability_packages():
        for group in getattr(capability, "cli_groups", list)():
            app.cli.add_command(group)
