"""SCIM 2.0 at /scim/v2: a department's identity provider pushes its roster.

The protocol (routing, validation, PATCH, filters, errors) is scim2-server's, read from and
written to Flask by scim2-flask's server class. This module supplies what is ours:

* the User schema we publish: exactly the attributes we keep (userName, name, emails, title
  as rank, active, externalId, and the enterprise extension's employeeNumber), so a client can
  rely on what it writes coming back; `displayName` and `userType` (Sworn/Civilian, set by the
  chief) are read-only;
* a storage that calls the roster provisioning services (wnwa.roster.sync, built on
  wnwa.roster.provisioning), so SCIM follows the same rules as the CSV import (same
  validation, same departure rule, same invitations, same lock, audited);
* bearer-token authentication (in `scim_routes`): the tenant comes from the token only.

This module is imported on the first SCIM request, so that other processes (the CLI, the
mail worker) do not pay for loading the SCIM libraries.

A person who left the roster and is not linked to the identity provider is invisible to SCIM;
`DELETE` is a departure that also drops the link (nothing is hard-deleted).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from flask import Response, g, request
from pydantic import EmailStr, Field
from scim2_flask import ScimServer
from scim2_models import (
    URN,
    AnyExtension,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Extension,
    External,
    Filter,
    InvalidFilterException,
    InvalidValueException,
    Meta,
    Mutability,
    NotFoundException,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    SCIMException,
    ScimPolicy,
    ScimProvider,
    SearchRequest,
    ServiceProviderConfig,
    Sort,
    UnauthorizedException,
    Uniqueness,
    UniquenessException,
)
from scim2_models.path import CompareOperator, Comparison
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.service import ScimService
from scim2_server.storage import ScimStorage, SearchPage
from sqlalchemy import func, or_, select
from werkzeug.exceptions import HTTPException

from wnwa import emails
from wnwa.errors import Conflict, DomainError, NotFound
from wnwa.extensions import db
from wnwa.roster import provisioning, sync
from wnwa.roster.scim_urls import URL_PREFIX
from wnwa.tenants.models import Department, ScimIdentity
from wnwa.tenants.models import User as Account

MAX_RESULTS = 1000


# --- the published schema ---------------------------------------------------------------------


class Name(ComplexAttribute):
    family_name: Annotated[str | None, Required.true] = None
    given_name: Annotated[str | None, Required.true] = None


class Email(ComplexAttribute):
    value: Annotated[EmailStr | None, Required.true] = None
    type: str | None = Field(None, examples=["work"])
    primary: bool | None = Field(None, examples=["true"])  # the one address kept is primary


class User(Resource[AnyExtension]):
    """A member of the department, as the identity provider sees them."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    name: Annotated[Name | None, Required.true] = None
    display_name: Annotated[str | None, Mutability.read_only] = None
    title: str | None = None
    user_type: Annotated[str | None, Mutability.read_only] = Field(
        None, examples=["Sworn", "Civilian"]
    )
    active: Annotated[bool | None, Required.true] = None
    emails: Annotated[list[Email] | None, Required.true] = None


class EnterpriseUser(Extension):
    __schema__ = URN("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")

    employee_number: Annotated[str | None, Required.true] = None


BEARER = AuthenticationScheme(
    type=AuthenticationScheme.Type.oauthbearertoken,
    name="Bearer token",
    description="A department token created by the chief on the SCIM page.",
    spec_uri=Reference[External]("https://datatracker.ietf.org/doc/html/rfc6750"),
    primary=True,
)

USER_TYPE = ResourceType.from_resource(User[EnterpriseUser])
for _extension in USER_TYPE.schema_extensions or []:
    _extension.required = True

PROVIDER = ScimProvider(
    models=[User, EnterpriseUser],
    resource_types=[USER_TYPE],
    config=ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[BEARER],
    ),
    # Okta and Microsoft Entra send attributes we do not keep, `remove` operations with a
    # value, and `emails[type eq "work"].value` for an entry that does not exist yet.
    policy=ScimPolicy(
        unknown=ScimPolicy.Unknown.ignore,
        remove_value_as_filter=ScimPolicy.RemoveValue.apply,
        unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
    ),
)
UserModel = PROVIDER.model_for("User")


# --- mapping between our rows and SCIM resources ---------------------------------------------


def _version(payload: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    return f'W/"{digest}"'


def to_resource(user: Account, identity: ScimIdentity | None) -> Resource[Any]:
    payload = {
        "user_name": identity.user_name if identity else user.email,
        "external_id": identity.external_id if identity else None,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "title": user.rank or None,
        "sworn": user.sworn,
        "active": user.active,
        "email": user.email,
        "employee_number": user.employee_number,
    }
    resource = UserModel(
        id=str(user.id),
        external_id=payload["external_id"],
        user_name=payload["user_name"],
        name=Name(given_name=user.first_name, family_name=user.last_name),
        display_name=user.display_name,
        title=payload["title"],
        user_type=provisioning.sworn_label(user.sworn),
        active=user.active,
        emails=[Email(value=user.email, type="work", primary=True)],
    )
    resource[EnterpriseUser] = EnterpriseUser(employee_number=user.employee_number)
    resource.meta = Meta(resource_type="User", version=_version(payload))
    return resource


def _primary_email(resource: Resource[Any]) -> str:
    """The sign-in address among those sent: the primary work one, else the one marked
    primary (RFC 7643 4.1.2), else the work one, else the first; else the userName."""
    listed = [e for e in (resource.emails or []) if e.value]

    def work(e: Email) -> bool:
        return str(e.type or "").lower() == "work"

    for wanted in (
        lambda e: e.primary and work(e),
        lambda e: e.primary,
        work,
        lambda e: True,
    ):
        chosen = [e for e in listed if wanted(e)]
        if chosen:
            return str(chosen[0].value)
    return str(resource.user_name or "")


def from_resource(resource: Resource[Any]) -> sync.PersonInput:
    extension = resource[EnterpriseUser]
    name = resource.name or Name()
    return sync.PersonInput(
        employee_number=(extension.employee_number if extension else None) or "",
        first_name=name.given_name or "",
        last_name=name.family_name or "",
        email=_primary_email(resource),
        rank=resource.title or "",
        active=resource.active is not False,
        user_name=resource.user_name or "",
        external_id=resource.external_id,
    )


# --- the storage -----------------------------------------------------------------------------


def _department() -> Department:
    department = g.get("scim_department")
    if department is None:
        raise UnauthorizedException()
    return department


def _user_id(resource_id: str | None) -> int:
    if not resource_id or not resource_id.isdecimal() or len(resource_id) > 18:
        raise NotFoundException(detail=f"User {resource_id!r} not found")
    return int(resource_id)


_SIMPLE = {
    "urn:ietf:params:scim:schemas:core:2.0:user:username": "user_name",
    "urn:ietf:params:scim:schemas:core:2.0:user:externalid": "external_id",
    "urn:ietf:params:scim:schemas:core:2.0:user:id": "id",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber": "number",
}


def _simple_equality(search_request: SearchRequest[Any]) -> tuple[str, str] | None:
    """(attribute, value) for `userName eq "x"` and the like, which SQL answers directly."""
    scim_filter = search_request.filter
    if scim_filter is None or scim_filter.model is None:
        return None
    node = scim_filter.ast
    if not isinstance(node, Comparison) or node.op != CompareOperator.eq:
        return None
    if not isinstance(node.value, str):
        return None
    binding = scim_filter.resolve_comparison(node.attr_path, strict=False)
    if binding is None:
        return None
    attribute = _SIMPLE.get(str(binding.urn).casefold())
    return (attribute, node.value) if attribute else None


def _visible():
    """People SCIM can see: on the roster, or linked to the identity provider."""
    return (
        select(Account, ScimIdentity)
        .outerjoin(ScimIdentity, ScimIdentity.user_id == Account.id)
        .where(or_(Account.active.is_(True), ScimIdentity.id.is_not(None)))
    )


def _equality_condition(attribute: str, value: str):
    if attribute == "user_name":
        return or_(
            func.lower(ScimIdentity.user_name) == value.lower(),
            (ScimIdentity.id.is_(None)) & (Account.email == emails.lookup_form(value)),
        )
    if attribute == "external_id":
        return ScimIdentity.external_id == value
    if attribute == "number":
        return Account.employee_number == value
    return Account.id == (int(value) if value.isdecimal() and len(value) < 19 else -1)


class RosterStorage(ScimStorage):
    """SCIM Users backed by the department's roster (the bound tenant)."""

    @contextmanager
    def operation(self) -> Iterator[None]:
        try:
            yield
        except NotFound as exc:
            db.session.rollback()
            raise NotFoundException(detail=exc.message) from None
        except Conflict as exc:
            db.session.rollback()
            raise UniquenessException(detail=exc.message) from None
        except DomainError as exc:
            db.session.rollback()
            raise InvalidValueException(detail=exc.message) from None

    def get(self, resource_type, resource_id, *, response_parameters=None):
        row = db.session.execute(
            _visible().where(Account.id == _user_id(resource_id))
        ).one_or_none()
        if row is None:
            raise NotFoundException(detail=f"User {resource_id!r} not found")
        return to_resource(*row)

    def search(self, resource_types, search_request, *, position=None):
        statement = _visible().order_by(Account.id)
        simple = _simple_equality(search_request)
        if simple is not None:
            statement = statement.where(_equality_condition(*simple))
        elif search_request.filter is not None:
            return self._search_in_python(statement, search_request)
        total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        start = min(search_request.start_index_0 or 0, total)  # past the end: an empty page
        if search_request.count is not None:
            statement = statement.limit(search_request.count)
        rows = db.session.execute(statement.offset(start)).all()
        return SearchPage(total, [to_resource(*row) for row in rows])

    @staticmethod
    def _search_in_python(statement, search_request) -> SearchPage:
        try:
            found = [
                resource
                for resource in (to_resource(*row) for row in db.session.execute(statement))
                if search_request.filter.match(resource)
            ]
        except (TypeError, ValueError) as exc:
            raise InvalidFilterException(detail=str(exc)) from None
        start = search_request.start_index_0 or 0
        stop = None if search_request.count is None else start + search_request.count
        return SearchPage(len(found), found[start:stop])

    def create(self, resource_type, resource):
        user_id = sync.provision_person(_department(), from_resource(resource), actor=_actor())
        return self.get(resource_type, str(user_id))

    def update(self, resource_type, resource, *, expected_version=None):
        sync.update_provisioned_person(
            _department(), _user_id(resource.id), from_resource(resource), actor=_actor()
        )
        return self.get(resource_type, resource.id)

    def delete(self, resource_type, resource_id, *, expected_version=None):
        sync.deprovision_person(_department(), _user_id(resource_id), actor=_actor())


def _actor() -> str:
    return f"scim token {g.get('scim_token_hint', '')}"


# --- serving a request ------------------------------------------------------------------------


class DepartmentScimServer(ScimServer):
    """scim2-flask's request reading and error responses; the routes are ours (scim_routes)."""

    def get_subject(self) -> Any:
        return g.get("scim_department")

    def read_request(self) -> ScimRequest:
        scim_request = ScimRequest(
            method=request.method,
            base_url=request.host_url.rstrip("/") + URL_PREFIX,
            path=request.path.removeprefix(URL_PREFIX) or "/",
            query=request.args.to_dict(),
            headers=list(request.headers.items()),
            subject=self.get_subject(),
        )
        scim_request.body = self.read_body(scim_request)
        return scim_request

    def serve(self) -> Response:
        try:
            return self._to_response(self.handler.handle(self.read_request()))
        except SCIMException as exception:
            return self._handle_scim_exception(exception)
        except HTTPException as exception:
            return self._handle_http_exception(exception)

    def unauthorized(self) -> Response:
        detail = "A valid department bearer token is required."
        return self._handle_scim_exception(UnauthorizedException(detail=detail))


def _build_server() -> DepartmentScimServer:
    storage = RosterStorage()
    server = DepartmentScimServer(storage, PROVIDER, url_prefix=URL_PREFIX, name="scim")
    server.service = ScimService(PROVIDER)
    server.handler = ScimHandler(server.service, storage)
    return server


SERVER = _build_server()
