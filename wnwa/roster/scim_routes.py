"""The /scim/v2 routes: bearer-token authentication, then the SCIM protocol (wnwa.roster.scim,
loaded on the first request). Public to the session guard and exempt from CSRF: the bearer
token is the authentication, and the tenant is bound from it alone."""

from __future__ import annotations

from flask import Blueprint, Response, g, request
from werkzeug.exceptions import HTTPException

from wnwa.auth.guards import public
from wnwa.extensions import csrf
from wnwa.roster.scim_tokens import department_for_secret
from wnwa.roster.scim_urls import URL_PREFIX
from wnwa.tenants.scoping import bind_tenant

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

bp = Blueprint("scim", __name__, url_prefix=URL_PREFIX)
csrf.exempt(bp)


@bp.before_request
def authenticate() -> Response | None:
    scheme, _, secret = (request.headers.get("Authorization") or "").partition(" ")
    department = department_for_secret(secret.strip()) if scheme.lower() == "bearer" else None
    if department is None:
        from wnwa.roster.scim import SERVER

        return SERVER.unauthorized()
    g.scim_department = department
    g.scim_token_hint = secret.strip()[:12]
    bind_tenant(department.id)
    return None


@bp.errorhandler(HTTPException)
def refused(exc: HTTPException) -> Response:
    """A request refused before the protocol ran (a NUL in its JSON, a body too large) is
    answered as SCIM errors are, so the identity provider's log says why."""
    from wnwa.roster.scim import SERVER

    return SERVER._handle_http_exception(exc)  # noqa: SLF001 (scim2-server's own error form)


@bp.route("/", defaults={"path": ""}, methods=METHODS)
@bp.route("/<path:path>", methods=METHODS)
@public
@csrf.exempt
def endpoint(path: str) -> Response:
    from wnwa.roster.scim import SERVER

    return SERVER.serve()
