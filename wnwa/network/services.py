"""Network-wide views for network staff. The only place outside auth that reads across
departments, hence the unscoped queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from wnwa.extensions import db
from wnwa.tenants.models import Department, User


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    sworn_provisioned: int


def department_overview() -> list[DepartmentRow]:
    counts = (
        select(User.department_id, func.count(User.id).label("n"))
        .where(User.active.is_(True), User.sworn.is_(True))
        .group_by(User.department_id)
        .execution_options(unscoped=True)  # unscoped: network staff see every department
    )
    provisioned = {row.department_id: row.n for row in db.session.execute(counts)}
    departments = db.session.scalars(select(Department).order_by(Department.name))
    return [DepartmentRow(d, provisioned.get(d.id, 0)) for d in departments]
