"""Network-wide facts about accounts that departments' own services need but cannot see.

Sign-in e-mails are unique across the whole network (every department and network staff), so
roster provisioning must know whether an address is already taken elsewhere. Only whether it
is taken is read, never anything else about the other account.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, String, Text, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from wnwa.auth.models import StaffAccount
from wnwa.extensions import db
from wnwa.tenants.models import User

CHUNK = 20_000


def _among(column, values: Sequence[str], postgres: bool) -> ColumnElement[bool]:
    """`column` is one of `values`, sent as ONE parameter: PostgreSQL gets an array (`= ANY`),
    which it can hash or look up in the index; SQLite a JSON array read by `json_each`. A list
    of thousands of separate parameters costs more to build and compile than the lookup."""
    if postgres:
        array = cast(bindparam("wanted", list(values), type_=ARRAY(String)), ARRAY(String))
        return column == any_(array)
    wanted = func.json_each(bindparam("wanted", json.dumps(list(values)), type_=Text))
    return column.in_(select(wanted.table_valued("value").c.value))


def emails_in_use_elsewhere(department_id: int, emails: Collection[str]) -> set[str]:
    """Which of these (normalised) e-mails sign in to an account outside this department."""
    postgres = db.session.connection().dialect.name == "postgresql"
    size = CHUNK
    taken: set[str] = set()
    wanted = sorted(set(emails))
    for start in range(0, len(wanted), size):
        chunk = wanted[start : start + size]
        taken.update(
            db.session.scalars(
                select(User.email)
                .where(_among(User.email, chunk, postgres), User.department_id != department_id)
                .execution_options(unscoped=True)  # unscoped: e-mails are unique network-wide
            )
        )
        taken.update(
            db.session.scalars(
                select(StaffAccount.email).where(_among(StaffAccount.email, chunk, postgres))
            )
        )
    return taken
