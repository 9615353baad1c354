"""Department services: creation, roster facts, roster history. Explicit arguments, one commit
per use case; helpers only flush."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from wnwa import audit, history
from wnwa.errors import Conflict, InvalidInput
from wnwa.extensions import db
from wnwa.history import HistoryEntry
from wnwa.tenants.models import DEPARTMENT_STATUSES, Department, User
from wnwa.us_states import STATE_NAMES, county_name, day_words, network_day

US_STATES = frozenset(STATE_NAMES)


def slugify(name: str) -> str:
    """The department's address name: "Cañon City PD" -> "canon-city-pd" (accents dropped)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:80]


@dataclass(frozen=True)
class DepartmentFacts:
    name: str
    county: str
    state: str
    sworn: int
    joined: date


EARLIEST_JOINED = date(2000, 1, 1)  # no member joined before the network began


def check_department(
    *, name: str, county: str, state: str, sworn: int, joined: date | None = None
) -> DepartmentFacts:
    """Validated, normalised department facts, or InvalidInput naming every problem."""
    name, county, state = name.strip(), county_name(county), state.strip().upper()
    problems = []
    if not name:
        problems.append("Give the department's name.")
    if not county:
        problems.append("Give the county.")
    if state not in US_STATES:
        problems.append("Give the state as its two-letter code, e.g. IL.")
    if sworn < 0 or sworn > 100_000:
        problems.append("Sworn strength must be between 0 and 100,000.")
    today = network_day()
    latest = today + timedelta(days=366)
    if joined is not None and not EARLIEST_JOINED <= joined <= latest:
        # the quota's grace year counts from this day: a typo must not give decades of it
        problems.append(
            f"The joining date must be between {day_words(EARLIEST_JOINED)} and "
            f"{day_words(latest)} (a year ahead at most)."
        )
    if problems:
        raise InvalidInput(" ".join(problems))
    return DepartmentFacts(name, county, state, sworn, joined or today)


def add_department(facts: DepartmentFacts) -> Department:
    """Create the department row (flush only)."""
    slug = slugify(facts.name)
    if not slug:
        raise InvalidInput(
            "The department's name needs at least one letter from A to Z or a digit: its "
            "address name is made from them."
        )
    if db.session.scalar(select(Department.id).where(Department.slug == slug)) is not None:
        raise Conflict(f"A department with the address name {slug!r} already exists.")
    department = Department(
        name=facts.name,
        slug=slug,
        county=facts.county,
        state=facts.state,
        sworn_declared=facts.sworn,
        joined_on=facts.joined,
    )
    db.session.add(department)
    db.session.flush()
    return department


def create_department(
    *, name: str, county: str, state: str, sworn: int, joined: date | None = None
) -> Department:
    facts = check_department(name=name, county=county, state=state, sworn=sworn, joined=joined)
    department = add_department(facts)
    db.session.commit()
    return department


def change_department(department: Department, facts: DepartmentFacts, status: str) -> list[str]:
    """Apply new facts to a department (flush only); returns the names of changed fields.

    The address name (slug) stays as it was: the CLI and links use it.
    """
    if status not in DEPARTMENT_STATUSES:
        raise InvalidInput(f"Status must be one of {', '.join(DEPARTMENT_STATUSES)}.")
    new = {
        "name": facts.name,
        "county": facts.county,
        "state": facts.state,
        "sworn_declared": facts.sworn,
        "joined_on": facts.joined,
        "status": status,
    }
    changed = [key for key, value in new.items() if getattr(department, key) != value]
    for key in changed:
        setattr(department, key, new[key])
    db.session.flush()
    return changed


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

    @property
    def over(self) -> int:
        """Sworn officers on the roster beyond the declared strength (it has grown)."""
        return max(0, self.provisioned - self.declared)

    @property
    def percent(self) -> int:
        if not self.declared:
            return 100
        return min(100, self.provisioned * 100 // self.declared)


def sworn_count(department: Department) -> int:
    """Active sworn officers on the roster (the tenant must be bound to this department),
    counted from ix_user_account_roster_count alone."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.active.is_(True), User.sworn.is_(True))
        )
        or 0
    )


def roster_completeness(department: Department) -> RosterCompleteness:
    return RosterCompleteness(department.sworn_declared, sworn_count(department))


def raise_declared_strength(department: Department, *, actor: Any) -> int:
    """The chief's answer to a roster larger than the declared strength: declare the number of
    active sworn officers on the roster. Only ever raises it (the network lowers it); returns
    the new figure."""
    count = sworn_count(department)
    before = department.sworn_declared
    if count <= before:
        raise Conflict(
            f"The roster has {count:,} sworn officers, not more than the {before:,} declared: "
            "there is nothing to update."
        )
    department.sworn_declared = count
    audit.record(
        actor,
        "department.edited",
        department_id=department.id,
        subject=department.name,
        details={"fields": ["sworn_declared"], "sworn_declared": [before, count]},
    )
    db.session.commit()
    return count


def roster_history(department: Department, limit: int = 200) -> list[HistoryEntry]:
    """Who changed what in this department (admin actions only: roster, billing, training),
    newest first, in plain language (`wnwa.history`)."""
    return history.describe(audit.entries_for(department.id, limit))
