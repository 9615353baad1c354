"""Department services: creation, roster facts. Explicit arguments, one commit per use case."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from wnwa.errors import Conflict, InvalidInput
from wnwa.extensions import db
from wnwa.tenants.models import Department, User

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80]


def create_department(
    *, name: str, county: str, state: str, sworn: int, joined: date | None = None
) -> Department:
    name, county, state = name.strip(), county.strip(), state.strip().upper()
    problems = []
    if not name:
        problems.append("Give the department's name.")
    if not county:
        problems.append("Give the county.")
    if state not in US_STATES:
        problems.append("Give the state as its two-letter code, e.g. IL.")
    if sworn < 0 or sworn > 100_000:
        problems.append("Sworn strength must be between 0 and 100,000.")
    if problems:
        raise InvalidInput(" ".join(problems))
    slug = slugify(name)
    if db.session.scalar(select(Department.id).where(Department.slug == slug)) is not None:
        raise Conflict(f"A department with the address name {slug!r} already exists.")
    department = Department(
        name=name,
        slug=slug,
        county=county,
        state=state,
        sworn_declared=sworn,
        joined_on=joined or date.today(),
    )
    db.session.add(department)
    db.session.commit()
    return department


def department_by_slug(slug: str) -> Department:
    department = db.session.scalar(select(Department).where(Department.slug == slug))
    if department is None:
        raise InvalidInput(f"No department with the address name {slug!r}.")
    return department


@dataclass(frozen=True)
class RosterCompleteness:
    declared: int
    provisioned: int

    @property
    def missing(self) -> int:
        return max(0, self.declared - self.provisioned)

    @property
    def complete(self) -> bool:
        return self.provisioned >= self.declared


def sworn_count(department: Department) -> int:
    """Active sworn officers on the roster (the tenant must be bound to this department)."""
    return (
        db.session.scalar(
            select(func.count(User.id)).where(User.active.is_(True), User.sworn.is_(True))
        )
        or 0
    )


def roster_completeness(department: Department) -> RosterCompleteness:
    return RosterCompleteness(department.sworn_declared, sworn_count(department))
