"""The figures the public pages quote, read from the data so they are never out of date:
member departments and their counties, the next training class, the quota at two sizes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from wnwa.extensions import db
from wnwa.tenants.models import Department
from wnwa.training import classes, overview
from wnwa.us_states import county_label


@dataclass(frozen=True)
class Membership:
    departments: int
    counties: list[str]  # "Cook County, IL", sorted
    states: list[str]


@dataclass(frozen=True)
class NetworkFacts:
    membership: Membership
    next_class: classes.ClassSummary | None
    small: overview.Calculation  # a department of 50 sworn officers
    large: overview.Calculation  # a department of 13,000
    shares: overview.Shares


def membership() -> Membership:
    """Member departments (every department that has not left) and their counties."""
    current = Department.status != "left"
    count = db.session.scalar(select(func.count(Department.id)).where(current)) or 0
    places = db.session.execute(
        select(Department.county, Department.state).where(current).distinct()
    ).all()
    counties = sorted(county_label(county, state) for county, state in places)
    states = sorted({state for _, state in places})
    return Membership(count, counties, states)


def network_facts(on: date) -> NetworkFacts:
    return NetworkFacts(
        membership=membership(),
        next_class=classes.next_class(on),
        small=overview.calculate(50),
        large=overview.calculate(13_000),
        shares=overview.shares(),
    )


def member_agencies() -> list[tuple[str, str, str]]:
    """(name, county, state) of every member department: what an approved request receives."""
    rows = db.session.execute(
        select(Department.name, Department.county, Department.state)
        .where(Department.status != "left")
        .order_by(Department.state, Department.county, Department.name)
    ).all()
    return [(r.name, r.county, r.state) for r in rows]
