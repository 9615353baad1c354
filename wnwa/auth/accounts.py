"""Network-wide facts about accounts that departments' own services need but cannot see.

Sign-in e-mails are unique across the whole network (every department and network staff), so
roster provisioning must know whether an address is already taken elsewhere. Only whether it
is taken is read, never anything else about the other account.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from wnwa.auth.models import StaffAccount
from wnwa.database import one_of
from wnwa.extensions import db
from wnwa.tenants.models import User

CHUNK = 20_000


def emails_in_use_elsewhere(department_id: int, emails: Collection[str]) -> set[str]:
    """Which of these (normalised) e-mails sign in to an account outside this department."""
    size = CHUNK
    taken: set[str] = set()
    wanted = sorted(set(emails))
    for start in range(0, len(wanted), size):
        chunk = wanted[start : start + size]
        taken.update(
            db.session.scalars(
                select(User.email)
                .where(one_of(User.email, chunk), User.department_id != department_id)
                .execution_options(unscoped=True)  # unscoped: e-mails are unique network-wide
            )
        )
        taken.update(
            db.session.scalars(select(StaffAccount.email).where(one_of(StaffAccount.email, chunk)))
        )
    return taken
