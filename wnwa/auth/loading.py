"""The signed-in account of a request, read by one statement built once per process.

Every signed-in request loads its account before its view runs (Flask-Login's user loader).
Through an ORM query (a statement built per request, the tenant criteria added to it, the
joined department, two instances made by the loading machinery) that load cost a signed-in
page more CPU than the rest of Flask's work around its view. Here the row, with its
department, is read by a Core statement built once per process, and the instances are made
from it and attached to the session as persistent (SQLAlchemy's `make_transient_to_detached`):
to the views they are what the query would have returned. They change only when a view changes
them, flush like any other instance, expire at commit and load what they lack when asked.

Tenant scoping: the statement names the department the session identity names along with the
account's id, and the caller binds that tenant first, so on PostgreSQL the statement runs under
that department's claim (row-level security) like every other of the request.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from wnwa.auth.models import StaffAccount
from wnwa.tenants.models import Department, User


def _columns(model) -> list:
    """(attribute, column) of every column the model maps, in the mapper's order."""
    return [(prop.key, prop.columns[0]) for prop in inspect(model).column_attrs]


@cache
def _user_statement():
    user, department = _columns(User), _columns(Department)
    return (
        (
            select(*(c for _, c in user), *(c for _, c in department))
            .join_from(User, Department, User.department_id == Department.id)
            .where(User.id == bindparam("id"), User.department_id == bindparam("department_id"))
        ),
        [k for k, _ in user],
        [k for k, _ in department],
    )


@cache
def _staff_statement():
    staff = _columns(StaffAccount)
    return (
        select(*(c for _, c in staff)).where(StaffAccount.id == bindparam("id")),
        [k for k, _ in staff],
    )


def _attach(session: Session, model, keys: list[str], values):
    """The persistent instance of `model` with these column values: the one the session holds
    already, else a new one made from them, as a query would have loaded it."""
    identity = session.identity_key(model, values[keys.index("id")])
    held = session.identity_map.get(identity)
    if held is not None:
        return held
    instance = inspect(model).class_manager.new_instance()
    instance.__dict__.update(zip(keys, values, strict=True))
    make_transient_to_detached(instance)  # loaded and unchanged, with its identity
    session.add(instance)
    return instance


def user(session: Session, user_id: int, department_id: int) -> User | None:
    """Member `user_id` of department `department_id`, with the department, or None."""
    statement, user_keys, department_keys = _user_statement()
    row = (
        session.connection()
        .execute(statement, {"id": user_id, "department_id": department_id})
        .one_or_none()
    )
    if row is None:
        return None
    split = len(user_keys)
    department = _attach(session, Department, department_keys, row[split:])
    account = _attach(session, User, user_keys, row[:split])
    if "department" not in account.__dict__:
        set_committed_value(account, "department", department)
    return account


def staff(session: Session, staff_id: int) -> StaffAccount | None:
    """Network staff account `staff_id`, or None."""
    statement, keys = _staff_statement()
    row = session.connection().execute(statement, {"id": staff_id}).one_or_none()
    return None if row is None else _attach(session, StaffAccount, keys, row)
