"""One person at a time, as a department's identity provider (SCIM) pushes them.

The same rules as the roster import (wnwa.roster.provisioning), whose building blocks this
uses: the CSV validation of every field, matching and uniqueness, fresh credentials, the
departure rule (deactivate and unlist at once, roles end, credentials replaced; nothing
hard-deleted), the return rule (a plain officer, invited again), the rule that a department
keeps a chief, invitations through the mail queue, the department lock, and an audit entry for
every change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from wnwa import audit
from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db
from wnwa.roster.invitations import queue_invitations
from wnwa.roster.provisioning import (
    PERSON_FIELDS,
    check_chief_remains,
    check_person_free,
    depart_people,
    insert_people,
    lock_department,
    reinstate_people,
    sworn_label,
)
from wnwa.roster.roster import RosterRow, clean_person
from wnwa.tenants.models import Department, ScimIdentity, User


@dataclass(frozen=True)
class PersonInput:
    """One person as an identity provider describes them."""

    employee_number: str
    first_name: str
    last_name: str
    email: str
    rank: str
    active: bool
    user_name: str
    external_id: str | None = None


def _clean(data: PersonInput, sworn: bool) -> RosterRow:
    row, problems = clean_person(
        {
            "employee_number": data.employee_number,
            "first_name": data.first_name,
            "last_name": data.last_name,
            "email": data.email,
            "rank": data.rank,
            "sworn": sworn_label(sworn),
        }
    )
    if row is None:
        raise InvalidInput(" ".join(problems))
    if not data.user_name.strip():
        raise InvalidInput("userName is required.")
    if len(data.user_name) > 254 or len(data.external_id or "") > 254:
        raise InvalidInput("userName and externalId hold at most 254 characters.")
    return row


def _identity(user_id: int) -> ScimIdentity | None:
    return db.session.scalars(
        select(ScimIdentity).where(ScimIdentity.user_id == user_id)
    ).one_or_none()


def _check_identity_free(data: PersonInput, user_id: int | None) -> None:
    name = data.user_name.strip().lower()
    holder = db.session.scalar(
        select(ScimIdentity.user_id).where(func.lower(ScimIdentity.user_name) == name)
    )
    if holder is None:
        unlinked = db.session.scalar(
            select(User.id)
            .outerjoin(ScimIdentity, ScimIdentity.user_id == User.id)
            .where(User.email == name, User.active.is_(True), ScimIdentity.id.is_(None))
        )
        holder = unlinked
    if holder is not None and holder != user_id:
        raise Conflict(f"userName {data.user_name!r} already belongs to another person.")
    if data.external_id:
        holder = db.session.scalar(
            select(ScimIdentity.user_id).where(ScimIdentity.external_id == data.external_id)
        )
        if holder is not None and holder != user_id:
            raise Conflict(f"externalId {data.external_id!r} already belongs to another person.")


def _link(user_id: int, data: PersonInput) -> None:
    identity = _identity(user_id)
    if identity is None:
        identity = ScimIdentity(user_id=user_id, user_name="")
        db.session.add(identity)
    identity.user_name = data.user_name.strip()
    identity.external_id = data.external_id or None
    db.session.flush()


def _scim_audit(department: Department, actor, operation: str, number: str, **details) -> None:
    audit.record(
        actor,
        "roster.scim",
        department_id=department.id,
        subject=f"employee {number}",
        details={"operation": operation, **details},
    )


def _returning(row: RosterRow) -> int | None:
    """A person who left and is not linked to the identity provider, coming back."""
    return db.session.scalar(
        select(User.id)
        .outerjoin(ScimIdentity, ScimIdentity.user_id == User.id)
        .where(
            or_(User.employee_number == row.employee_number, User.email == row.email),
            User.active.is_(False),
            ScimIdentity.id.is_(None),
        )
        .limit(1)
    )


def provision_person(department: Department, data: PersonInput, *, actor) -> int:
    """SCIM create: add a person (or bring back one who left), link them, invite them."""
    lock_department(department.id)
    row = _clean(data, sworn=True)
    returning = _returning(row)
    _check_identity_free(data, returning)
    check_person_free(department.id, row, returning)
    if returning is not None:
        return _update_person(department, returning, data, actor=actor, operation="return")
    (invitee,) = insert_people(department.id, [row])
    if data.active:
        queue_invitations([invitee], department.id)
    else:
        depart_people([invitee.id])
    _link(invitee.id, data)
    _scim_audit(department, actor, "create", row.employee_number, active=data.active)
    db.session.commit()
    return invitee.id


def _visible_person(user_id: int) -> User:
    user = db.session.scalars(select(User).where(User.id == user_id)).one_or_none()
    if user is None or not (user.active or _identity(user_id) is not None):
        raise NotFound(f"User {user_id} not found.")
    return user


def _update_person(
    department: Department, user_id: int, data: PersonInput, *, actor, operation: str
) -> int:
    user = db.session.scalars(select(User).where(User.id == user_id)).one()
    if user.active and not data.active:
        check_chief_remains([user.id])
    row = _clean(data, sworn=user.sworn)
    _check_identity_free(data, user.id)
    check_person_free(department.id, row, user.id)
    changed = [name for name in PERSON_FIELDS if getattr(user, name) != getattr(row, name)]
    for name in changed:
        setattr(user, name, getattr(row, name))
    db.session.flush()
    if user.active and not data.active:
        depart_people([user.id])
        changed.append("active")
    elif not user.active and data.active:
        queue_invitations(reinstate_people([user.id]), department.id)
        changed.append("active")
    _link(user.id, data)
    if changed or operation != "update":
        _scim_audit(
            department, actor, operation, row.employee_number, fields=changed, active=data.active
        )
    db.session.commit()
    return user.id


def update_provisioned_person(
    department: Department, user_id: int, data: PersonInput, *, actor
) -> int:
    """SCIM PUT/PATCH: the whole new state of a person; active=false is a departure."""
    lock_department(department.id)
    _visible_person(user_id)
    return _update_person(department, user_id, data, actor=actor, operation="update")


def deprovision_person(department: Department, user_id: int, *, actor) -> None:
    """SCIM DELETE: a departure that also unlinks the person from the identity provider."""
    lock_department(department.id)
    user = _visible_person(user_id)
    check_chief_remains([user.id])
    depart_people([user.id])
    identity = _identity(user.id)
    if identity is not None:
        db.session.delete(identity)
    _scim_audit(department, actor, "delete", user.employee_number)
    db.session.commit()
