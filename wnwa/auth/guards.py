"""Access rules that a view cannot forget.

Every endpoint needs a signed-in account unless its view is marked `@public`; a blueprint adds
its role rule once with `require_roles`. The tenant is bound from the signed-in account here,
never from a URL, form or header.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Flask, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from wnwa.htmx import hx_redirect
from wnwa.tenants.scoping import bind_tenant

F = TypeVar("F", bound=Callable)


def public(view: F) -> F:
    """Mark a view as open to anonymous visitors."""
    view.wnwa_public = True  # type: ignore[attr-defined]
    return view


def is_public_endpoint(app: Flask, endpoint: str | None) -> bool:
    if endpoint is None or endpoint == "static":
        return True
    view = app.view_functions.get(endpoint)
    return view is None or getattr(view, "wnwa_public", False)


AFTER_SIGN_IN = "after_sign_in"  # the page a signed-out visitor asked for (a link in an email)


def _sign_in_first():
    url = url_for("auth.login")
    if request.headers.get("HX-Request") == "true":
        return hx_redirect(url)
    if request.method == "GET" and page_after_sign_in(request.path):
        # The page goes in the sign-in address, not the cookie: a link clicked in webmail is a
        # cross-site visit, and the (SameSite=Strict) cookie set here would not reach /login.
        # Its path only: a query string (search words) never goes into an address or history.
        url = url_for("auth.login", next=request.path)
    return redirect(url, code=303 if request.method != "GET" else 302)


def page_after_sign_in(path: object) -> str | None:
    """The remembered page, if it is one of ours (a path on this site, never another site)."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        return None
    if len(path) > 300 or "?" in path or "#" in path:
        return None
    return None if "\\" in path or any(ord(ch) < 32 for ch in path) else path


def require_roles(bp: Blueprint, *roles: str) -> None:
    """Every view of `bp` needs a signed-in account holding one of `roles`."""
    allowed = frozenset(roles)
    bp.wnwa_roles = allowed  # type: ignore[attr-defined]  # read by the route-walking tests

    @bp.before_request
    def _check_role():
        if not current_user.is_authenticated:
            return _sign_in_first()
        if not (current_user.roles & allowed):
            abort(403)
        return None


def register_guards(app: Flask) -> None:
    @app.before_request
    def _authenticate_and_bind():
        if request.endpoint == "static":
            return None
        if "_user_id" not in session and is_public_endpoint(current_app, request.endpoint):
            return None  # an anonymous visit to an open page: no account to load, no tenant
        if current_user.is_authenticated and current_user.department_id is not None:
            bind_tenant(current_user.department_id)
        if is_public_endpoint(current_app, request.endpoint):
            return None
        if not current_user.is_authenticated:
            return _sign_in_first()
        return None
