"""The one place that decides between a full page and an htmx partial."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, redirect, render_template, request


def is_partial() -> bool:
    """A real htmx request: not boosted and not a history restore (which needs a full page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    page: str, partial: str | None = None, *, http_status: int = 200, **ctx: Any
) -> Response:
    """Render `page`, or `partial` for an htmx request, answering `http_status`. The keyword is
    not `status`, so a template variable of that name (a filter word, a row state) can never
    become the HTTP status."""
    template = partial if partial and is_partial() else page
    return make_response(render_template(template, **ctx), http_status)


def invalid(page: str, partial: str, **ctx: Any) -> Response:
    """An invalid form: 422 with the form partial for htmx, the whole page otherwise."""
    return render(page, partial, http_status=422, **ctx)


def hx_redirect(url: str) -> Response:
    response = make_response("", 204)
    response.headers["HX-Redirect"] = url
    return response


def redirect_to(url: str) -> Response:
    """Redirect after a successful POST: HX-Redirect for htmx (never a 302 that htmx would
    follow and swap into the target), a 303 otherwise."""
    if request.headers.get("HX-Request") == "true":
        return hx_redirect(url)
    return redirect(url, code=303)


def hx_trigger(response: Response, event: str) -> Response:
    existing = response.headers.get("HX-Trigger")
    response.headers["HX-Trigger"] = f"{existing}, {event}" if existing else event
    return response


def add_vary(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response
