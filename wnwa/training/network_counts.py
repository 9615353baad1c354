"""Network-wide counts behind the quota report: one grouped query each instead of one per
department (about 18,000 departments at US scale)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from wnwa.directory.models import SupporterProfile
from wnwa.directory.services import counts_toward_quota
from wnwa.extensions import db
from wnwa.tenants.models import User


def roster_sworn_by_department() -> dict[int, int]:
    """Active sworn officers on each department's roster."""
    rows = db.session.execute(
        select(User.department_id, func.count(User.id))
        .where(User.active.is_(True), User.sworn.is_(True))
        .group_by(User.department_id)
        .execution_options(unscoped=True)  # unscoped: the network report counts every roster
    )
    return {department_id: n for department_id, n in rows}


def counted_by_department(on: date) -> dict[int, int]:
    """`listed_supporter_count` for every department at once (the network report), by the
    directory's one counting rule."""
    rows = db.session.execute(
        select(SupporterProfile.department_id, func.count(SupporterProfile.id))
        .join(User, User.id == SupporterProfile.user_id)
        .where(*counts_toward_quota(on))
        .group_by(SupporterProfile.department_id)
        .execution_options(unscoped=True)  # unscoped: the network report counts every department
    )
    return {department_id: n for department_id, n in rows}


def chief_emails_by_department(department_ids: list[int]) -> dict[int, list[str]]:
    """Work emails of the active chiefs of these departments (for quota reminders)."""
    found: dict[int, list[str]] = {}
    ids = sorted(set(department_ids))
    for start in range(0, len(ids), 2000):
        rows = db.session.execute(
            select(User.department_id, User.email)
            .where(
                User.department_id.in_(ids[start : start + 2000]),
                User.is_chief.is_(True),
                User.active.is_(True),
            )
            .order_by(User.department_id, User.email)
            .execution_options(unscoped=True)  # unscoped: reminders go to many departments' chiefs
        )
        for department_id, email in rows:
            found.setdefault(department_id, []).append(email)
    return found
