"""The portal's Flask runs its handlers as they are, and refuses an async one at start-up
(it would otherwise be returned un-awaited)."""

from __future__ import annotations

import pytest

from wnwa import Portal, _no_coroutines


def test_plain_handlers_run_as_they_are(app):
    assert isinstance(app, Portal)
    _no_coroutines(app)  # the whole portal as built: nothing async
    handler = app.view_functions["site.healthz"]
    assert app.ensure_sync(handler) is handler


@pytest.mark.parametrize("where", ["view", "before_request", "errorhandler"])
def test_an_async_handler_is_refused_at_start_up(where):
    portal = Portal(__name__)

    async def handler(*args):
        return "ok"

    if where == "view":
        portal.add_url_rule("/x", "x", handler)
    elif where == "before_request":
        portal.before_request(handler)
    else:
        portal.register_error_handler(404, handler)
    with pytest.raises(TypeError, match="async handlers"):
        _no_coroutines(portal)
