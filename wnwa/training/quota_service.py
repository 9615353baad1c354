"""Peer-supporter quota per department: counting (from the directory and the roster), status
on a date, the network-wide report, and the daily reminders.

The maths is the pure `wnwa.tenants.quota`; this module only gathers the inputs:
* sworn strength N: the larger of the declared strength and the active sworn officers on the
  roster (roster growth raises the requirement at once; an incomplete roster does not lower it);
* counted supporters: active, sworn, certified and listed in the directory (the directory's
  `counts_toward_quota`, the one counting rule, for one department or all at once);
* anchors: configuration, overridden by the network admins' settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select

from wnwa import mail
from wnwa.errors import InvalidInput
from wnwa.extensions import db
from wnwa.tenants.models import Department
from wnwa.tenants.quota import QuotaState, QuotaStatus, status
from wnwa.tenants.scoping import TenantViolation, acting_for, bind_tenant, bound_department_id
from wnwa.tenants.services import sworn_count
from wnwa.training.models import QuotaReminder
from wnwa.training.network_counts import (
    chief_emails_by_department,
    counted_by_department,
    roster_sworn_by_department,
)
from wnwa.training.notify import admin_emails
from wnwa.training.settings import quota_anchors
from wnwa.us_states import day_words

GRACE_WARNINGS = (60, 30)


@contextmanager
def bound_to(department_id: int) -> Iterator[None]:
    """Read as `department_id`: binds it if nothing is bound, keeps it if it already is."""
    current = bound_department_id()
    if current == department_id:
        yield
        return
    if current is not None:
        raise TenantViolation("quota of another department requested")
    bind_tenant(department_id)
    try:
        yield
    finally:
        bind_tenant(None)


def counted_supporters(department_id: int, on: date) -> int:
    """Active, sworn, certified (on `on`) and listed supporters of the department."""
    from wnwa.directory.services import listed_supporter_count

    with bound_to(department_id):
        return listed_supporter_count(department_id, on)


def sworn_strength(department: Department, roster_sworn: int | None = None) -> int:
    """N of docs/RULES.md 3.4. `roster_sworn` (the active sworn officers on the roster) may be
    passed by a caller that has just counted them."""
    if roster_sworn is not None:
        return max(department.sworn_declared, roster_sworn)
    with bound_to(department.id):
        return max(department.sworn_declared, sworn_count(department))


def department_quota(
    department: Department, on: date, *, roster_sworn: int | None = None
) -> QuotaStatus:
    """The department's quota standing on `on` (`roster_sworn`: see `sworn_strength`)."""
    return status(
        sworn=sworn_strength(department, roster_sworn),
        counted=counted_supporters(department.id, on),
        joined=department.joined_on,
        on=on,
        anchors=quota_anchors(),
    )


# --- network-wide ------------------------------------------------------------------------------


STATE_LABELS = {
    QuotaState.COMPLIANT: "Compliant",
    QuotaState.IN_GRACE: "In grace period",
    QuotaState.NON_COMPLIANT: "Not compliant",
}
# The colour each state is shown in (app.css: status-ok / status-warn / status-bad).
STATE_TONES = {
    QuotaState.COMPLIANT: "ok",
    QuotaState.IN_GRACE: "warn",
    QuotaState.NON_COMPLIANT: "bad",
}


def describe(result: QuotaStatus) -> str:
    """One line for lists: the state, the shortfall and any grace left."""
    label = STATE_LABELS[result.state]
    if result.state is QuotaState.COMPLIANT:
        return f"{label} ({result.counted} of minimum {result.minimum})"
    short = f"{result.shortfall} short of {result.minimum}"
    if result.state is QuotaState.IN_GRACE:
        return f"{label}: {short}, {result.days_left} days left"
    return f"{label}: {short}"


class QuotaSort(StrEnum):
    STATUS = "status"
    GRACE = "grace"
    NAME = "name"
    SHORTFALL = "shortfall"


_STATE_ORDER = {QuotaState.NON_COMPLIANT: 0, QuotaState.IN_GRACE: 1, QuotaState.COMPLIANT: 2}


@dataclass(frozen=True)
class DepartmentQuota:
    department: Department
    status: QuotaStatus

    @property
    def department_id(self) -> int:
        return self.department.id

    @property
    def name(self) -> str:
        return self.department.name

    @property
    def state_code(self) -> str:
        return self.department.state


def _sort_key(sort: QuotaSort):
    if sort is QuotaSort.STATUS:
        return lambda r: (_STATE_ORDER[r.status.state], -r.status.shortfall, r.name)
    if sort is QuotaSort.GRACE:
        # Departments still in grace first, the fewest days left first; then the rest by status.
        return lambda r: (
            r.status.state is not QuotaState.IN_GRACE,
            r.status.days_left if r.status.state is QuotaState.IN_GRACE else 0,
            _STATE_ORDER[r.status.state],
            r.name,
        )
    if sort is QuotaSort.SHORTFALL:
        return lambda r: (-r.status.shortfall, r.name)
    return lambda r: r.name


def parse_sort(value: str | None) -> QuotaSort:
    try:
        return QuotaSort(value or QuotaSort.STATUS)
    except ValueError:
        raise InvalidInput(f"Sort by one of: {', '.join(s.value for s in QuotaSort)}.") from None


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    tone: str
    departments: int


@dataclass(frozen=True)
class QuotaTotals:
    """The network's quota table summed up: departments in each state and the counts."""

    departments: int
    states: list[StateCount]
    sworn: int
    counted: int
    minimum: int
    target: int
    shortfall: int


def quota_totals(rows: list[DepartmentQuota]) -> QuotaTotals:
    return QuotaTotals(
        departments=len(rows),
        states=[
            StateCount(
                state.value,
                STATE_LABELS[state],
                STATE_TONES[state],
                sum(1 for r in rows if r.status.state == state),
            )
            for state in QuotaState
        ],
        sworn=sum(r.status.sworn for r in rows),
        counted=sum(r.status.counted for r in rows),
        minimum=sum(r.status.minimum for r in rows),
        target=sum(r.status.target for r in rows),
        shortfall=sum(r.status.shortfall for r in rows),
    )


def network_quota(
    on: date, sort: QuotaSort = QuotaSort.STATUS, *, roster: dict[int, int] | None = None
) -> list[DepartmentQuota]:
    """Every member department's standing on `on` (departments that left are not listed).
    `roster` (active sworn officers by department) may be passed by a caller that has it."""
    anchors = quota_anchors()
    roster = roster_sworn_by_department() if roster is None else roster
    counted = counted_by_department(on)
    departments = db.session.scalars(
        select(Department).where(Department.status != "left").order_by(Department.name)
    ).all()
    rows = []
    for department in departments:
        result = status(
            sworn=max(department.sworn_declared, roster.get(department.id, 0)),
            counted=counted.get(department.id, 0),
            joined=department.joined_on,
            on=on,
            anchors=anchors,
        )
        rows.append(DepartmentQuota(department, result))
    return sorted(rows, key=_sort_key(sort))


# --- reminders ------------------------------------------------------------------------------

SHORTFALL = "shortfall"
GRACE_OVER = "grace_over"
COMPLIANT = "compliant"


def _grace_kind(days: int) -> str:
    return f"grace_{days}"


@dataclass(frozen=True)
class ReminderRun:
    checked: int
    sent: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.sent.values())


class _Ledger:
    """The reminders already sent, read once per run (no query per department)."""

    def __init__(self) -> None:
        rows = db.session.scalars(
            select(QuotaReminder)
            .where((QuotaReminder.kind != SHORTFALL) | QuotaReminder.closed_on.is_(None))
            # unscoped: the daily run reads every department's reminders once.
            .execution_options(unscoped=True)
        ).all()
        self.sent = {(r.department_id, r.kind, r.period) for r in rows if r.kind != SHORTFALL}
        self.open = {r.department_id: r for r in rows if r.kind == SHORTFALL}

    def has(self, department_id: int, kind: str, period: str) -> bool:
        return (department_id, kind, period) in self.sent

    def open_episode(self, department_id: int, on: date) -> bool:
        """Open a shortfall episode; False if one already began (and closed) today."""
        today = db.session.scalars(
            select(QuotaReminder).where(
                QuotaReminder.department_id == department_id,
                QuotaReminder.kind == SHORTFALL,
                QuotaReminder.period == on.isoformat(),
            )
        ).first()
        if today is not None:
            today.closed_on = None
            self.open[department_id] = today
            return False
        self.mark(department_id, SHORTFALL, on.isoformat(), on)
        return True

    def mark(self, department_id: int, kind: str, period: str, on: date) -> None:
        row = QuotaReminder(department_id=department_id, kind=kind, period=period, sent_on=on)
        db.session.add(row)
        if kind == SHORTFALL:
            self.open[department_id] = row
        else:
            self.sent.add((department_id, kind, period))


def _send(
    department: Department, result: QuotaStatus, kind: str, to: list[str], admins: list[str]
) -> None:
    """The quota status message (templates/mail/quota_status.*) to each address; network
    admins' copies link to the department's page in the network console."""
    context = {
        "kind": kind,
        "department_name": department.name,
        "state": result.state.value,
        "counted": result.counted,
        "minimum": result.minimum,
        "target": result.target,
        "sworn": result.sworn,
        "shortfall": result.shortfall,
        "grace_ends": day_words(result.grace_ends),
        "days_left": result.days_left,
    }
    for address in to:
        page = f"/network/quota/{department.id}" if address in admins else ""
        mail.queue(address, "quota_status", page=page, **context)


def _remind(ledger: _Ledger, department: Department, result: QuotaStatus, on: date) -> str | None:
    """Which reminder is due now, if any (at most one per department and run); marks it and
    any it makes redundant as sent."""
    dept_id, period = department.id, result.grace_ends.isoformat()
    if result.shortfall == 0:
        episode = ledger.open.pop(dept_id, None)
        if episode is None:
            return None
        episode.closed_on = on
        # the status changed back: say so once (not for a shortfall that began the same day)
        return COMPLIANT if episode.sent_on < on else None
    pending = [
        days
        for days in GRACE_WARNINGS
        if result.state is QuotaState.IN_GRACE
        and result.days_left <= days
        and not ledger.has(dept_id, _grace_kind(days), period)
    ]
    over = result.state is QuotaState.NON_COMPLIANT and not ledger.has(dept_id, GRACE_OVER, period)
    due = None
    if dept_id not in ledger.open:
        due = SHORTFALL if ledger.open_episode(dept_id, on) else None
    elif pending:
        due = _grace_kind(min(pending))
    elif over:
        due = GRACE_OVER
    for days in pending:
        ledger.mark(dept_id, _grace_kind(days), period, on)
    if over:
        ledger.mark(dept_id, GRACE_OVER, period, on)
    return due


def send_reminders(on: date) -> ReminderRun:
    """The daily run: email each due reminder once (idempotent for the same day and after)."""
    sent: dict[str, int] = {}
    rows = network_quota(on)
    ledger = _Ledger()
    due = []
    for row in rows:
        # Each department's reminders are written as that department (row-level security).
        with acting_for(row.department.id):
            kind = _remind(ledger, row.department, row.status, on)
        if kind is not None:
            due.append((row, kind))
            sent[kind] = sent.get(kind, 0) + 1
    chiefs = chief_emails_by_department([row.department_id for row, _ in due])
    admins = admin_emails()
    for row, kind in due:
        own = chiefs.get(row.department_id, [])
        to = own + [a for a in admins if a not in own]
        _send(row.department, row.status, kind, to, admins)
    db.session.commit()
    return ReminderRun(checked=len(rows), sent=sent)
