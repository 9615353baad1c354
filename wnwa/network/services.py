"""Network-admin services: the department overview and onboarding.

Network staff work across departments, hence the unscoped reads here; writes to a department's
rows bind that department first (`tenant_context`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from wnwa import audit
from wnwa.auth.services import find_account
from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db
from wnwa.roster.invitations import Invitee, queue_invitation
from wnwa.roster.provisioning import insert_people
from wnwa.roster.roster import clean_person
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import acting_for, tenant_context
from wnwa.tenants.services import (
    HistoryEntry,
    RosterCompleteness,
    add_department,
    change_department,
    check_department,
    roster_completeness,
    roster_history,
)
from wnwa.training.network_counts import roster_sworn_by_department
from wnwa.training.quota_service import department_quota, describe, network_quota


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    sworn_provisioned: int
    quota_status: str | None = None  # None for a department that has left

    @property
    def completeness(self) -> RosterCompleteness:
        return RosterCompleteness(self.department.sworn_declared, self.sworn_provisioned)


def department_overview(on: date) -> list[DepartmentRow]:
    provisioned = roster_sworn_by_department()
    members = [
        DepartmentRow(row.department, provisioned.get(row.department_id, 0), describe(row.status))
        for row in network_quota(on, roster=provisioned)
    ]
    left = db.session.scalars(select(Department).where(Department.status == "left"))
    rows = members + [DepartmentRow(d, provisioned.get(d.id, 0)) for d in left]
    return sorted(rows, key=lambda row: row.department.name)


def get_department(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFound("There is no such department.")
    return department


@dataclass(frozen=True)
class ChiefRow:
    id: int
    name: str
    email: str


@dataclass
class DepartmentDetail:
    department: Department
    completeness: RosterCompleteness
    chiefs: list[ChiefRow]
    history: list[HistoryEntry]
    quota_status: str | None = None


def department_detail(department_id: int, on: date) -> DepartmentDetail:
    department = get_department(department_id)
    with acting_for(department.id):
        chiefs = db.session.scalars(
            select(User).where(User.is_chief.is_(True), User.active).order_by(User.last_name)
        ).all()
        return DepartmentDetail(
            department=department,
            completeness=roster_completeness(department),
            chiefs=[ChiefRow(c.id, c.display_name, c.email) for c in chiefs],
            history=roster_history(department, limit=50),
            quota_status=describe(department_quota(department, on)),
        )


@dataclass(frozen=True)
class FirstChief:
    email: str
    first_name: str
    last_name: str
    employee_number: str = ""


def onboard_department(
    *,
    name: str,
    county: str,
    state: str,
    sworn: int,
    joined: date | None,
    chief: FirstChief,
    actor,
) -> Department:
    """Create a department and its first chief, and invite the chief: one transaction."""
    facts = check_department(name=name, county=county, state=state, sworn=sworn, joined=joined)
    row, problems = clean_person(
        {
            "employee_number": chief.employee_number.strip() or "chief-1",
            "first_name": chief.first_name,
            "last_name": chief.last_name,
            "email": chief.email,
            "rank": "Chief",
            "sworn": "Sworn",
        }
    )
    if row is None:
        raise InvalidInput("First chief: " + " ".join(problems))
    if find_account(row.email) is not None:
        raise Conflict(f"{row.email} already has an account.")
    department = add_department(facts)
    department_id, department_name = department.id, department.name
    with tenant_context(department_id):
        (invitee,) = insert_people(department_id, [row], chief=True)
        queue_invitation(invitee, department_id)
        audit.record(
            actor,
            "department.onboarded",
            department_id=department_id,
            subject=department_name,
            # the chief by employee number, as every roster entry names people
            details={"sworn_declared": facts.sworn, "first_chief_employee": row.employee_number},
        )
        db.session.commit()
    return get_department(department_id)


def edit_department(
    department_id: int,
    *,
    name: str,
    county: str,
    state: str,
    sworn: int,
    joined: date | None,
    status: str,
    actor,
) -> Department:
    department = get_department(department_id)
    facts = check_department(name=name, county=county, state=state, sworn=sworn, joined=joined)
    changed = change_department(department, facts, status)
    if changed:
        audit.record(
            actor,
            "department.edited",
            department_id=department.id,
            subject=department.name,
            details={"fields": changed},
        )
    db.session.commit()
    return department


def reinvite_chief(department_id: int, user_id: int, *, actor) -> str:
    """Send one of a department's chiefs a fresh invitation (same text for everyone)."""
    department = get_department(department_id)
    with tenant_context(department.id):
        chief = db.session.scalars(
            select(User).where(User.id == user_id, User.is_chief.is_(True), User.active)
        ).one_or_none()
        if chief is None:
            raise NotFound("There is no such chief in this department.")
        queue_invitation(
            Invitee(chief.id, chief.email, chief.first_name, chief.password_hash),
            department.id,
        )
        audit.record(
            actor,
            "roster.invitation",
            department_id=department.id,
            subject=f"employee {chief.employee_number}",
        )
        email = chief.email
        db.session.commit()
    return email


# --- the console's counts ---------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentCounts:
    members: int
    onboarding: int
    roster_incomplete: int
    in_grace: int
    non_compliant: int
    without_contract: int


def department_counts(on: date) -> DepartmentCounts:
    """What the console's departments card counts: one quota pass, one roster count."""
    from wnwa.billing.reports import departments_without_contract

    provisioned = roster_sworn_by_department()
    members = network_quota(on, roster=provisioned)
    states = [row.status.state.value for row in members]
    member_ids = {row.department.id for row in members}
    return DepartmentCounts(
        members=len(members),
        onboarding=sum(1 for row in members if row.department.status == "onboarding"),
        roster_incomplete=sum(
            1
            for row in members
            if not RosterCompleteness(
                row.department.sworn_declared, provisioned.get(row.department.id, 0)
            ).complete
        ),
        in_grace=states.count("in_grace"),
        non_compliant=states.count("non_compliant"),
        without_contract=sum(1 for d in departments_without_contract() if d.id in member_ids),
    )


@dataclass(frozen=True)
class TrainingCounts:
    upcoming: int
    external_pending: int


def training_counts(on: date) -> TrainingCounts:
    from wnwa.training import classes, external

    return TrainingCounts(
        upcoming=len(classes.upcoming_classes(on)),
        external_pending=len(external.network_submissions("pending")),
    )
