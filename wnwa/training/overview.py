"""What the chief's peer-support page and the officer's training page show, computed here so
templates only display."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from wnwa.errors import NotFound
from wnwa.extensions import db
from wnwa.tenants.models import Department, User
from wnwa.tenants.quota import QuotaStatus, band
from wnwa.tenants.scoping import acting_for
from wnwa.training.certification import (
    CertifiedMember,
    certified_count,
    certified_members,
    is_certified,
)
from wnwa.training.classes import (
    ClassSummary,
    for_department,
    get_class,
    open_classes,
    summarize,
)
from wnwa.training.external import ExternalView, department_submissions
from wnwa.training.models import Seat
from wnwa.training.quota_service import STATE_LABELS, STATE_TONES, department_quota
from wnwa.training.seats import (
    SeatView,
    department_seats,
    officer_seats,
    pipeline_count,
)
from wnwa.training.settings import quota_anchors


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass(frozen=True)
class QuotaCard:
    status: QuotaStatus
    state_label: str
    pipeline: int
    certified_unlisted: int
    next_steps: list[str]

    @property
    def state(self) -> str:
        return self.status.state.value

    @property
    def tone(self) -> str:
        return STATE_TONES[self.status.state]


def _next_steps(
    result: QuotaStatus, pipeline: int, unlisted: int, classes: list[ClassSummary]
) -> list[str]:
    steps = []
    goal = result.shortfall or result.to_target
    if goal == 0:
        return ["You meet your target. Keep certifications current and supporters listed."]
    if unlisted:
        steps.append(
            f"{plural(unlisted, 'certified officer')} not listed in the directory yet: ask "
            "them to list themselves; each counts as soon as they do."
        )
    if pipeline:
        who = (
            "1 officer already holds a seat"
            if pipeline == 1
            else (f"{pipeline} officers already hold seats")
        )
        steps.append(f"{who} in upcoming classes; they count once certified and listed.")
    need = goal - unlisted - pipeline
    what = "minimum" if result.shortfall else "target"
    if need > 0:
        steps.extend(_seat_advice(need, what, classes))
    return steps


def _seat_advice(need: int, what: str, classes: list[ClassSummary]) -> list[str]:
    """Where to reserve `need` seats: in the soonest classes, never more in one class than the
    department can still reserve there (room left, seats per department, seats it holds), and
    plainly when the rest would go on a waiting list."""
    if not classes:
        return [
            f"Reach your {what}: {plural(need, 'more supporter')} needed. No class is open "
            "for registration yet; submit training from another provider for review, or "
            "watch for the next class."
        ]
    steps = []
    left = need
    for summary in classes:
        take = min(left, summary.can_reserve)
        if take <= 0:
            continue
        cls = summary.cls
        steps.append(
            f"Reserve {plural(take, 'seat')} in the {cls.title} starting "
            f"{cls.starts_on.strftime('%B %-d, %Y')} in {cls.location} "
            f"(registration closes {cls.registration_deadline.strftime('%B %-d')})."
        )
        left -= take
        if left == 0:
            break
    if left:
        more = "more " if steps else ""
        steps.append(
            f"{plural(left, more + 'seat')} still needed to reach your {what}: no open class "
            "has room for your department, so names you add now go on a waiting list. Submit "
            "training from another provider for review, or watch for the next class."
        )
    elif len(steps) == 1:
        steps[0] = steps[0][:-1] + f", to reach your {what}."
    else:
        steps.append(f"Together these reach your {what}.")
    return steps


def quota_card(
    department: Department,
    on: date,
    classes: list[ClassSummary] | None = None,
    *,
    roster_sworn: int | None = None,
) -> QuotaCard:
    """The chief's quota card (the tenant of `department` must be bound). `classes` (the open
    classes on `on`) and `roster_sworn` (the active sworn officers on the roster) may be passed
    by a caller that has them."""
    result = department_quota(department, on, roster_sworn=roster_sworn)
    pipeline = pipeline_count(on)
    unlisted = max(0, certified_count(on) - result.counted)
    classes = for_department(open_classes(on)) if classes is None else classes
    steps = _next_steps(result, pipeline, unlisted, classes)
    return QuotaCard(result, STATE_LABELS[result.state], pipeline, unlisted, steps)


@dataclass(frozen=True)
class ChiefOverview:
    card: QuotaCard
    classes: list[ClassSummary]
    seats: list[SeatView]
    requests: list[SeatView]
    supporters: list[CertifiedMember]
    supporters_page: int = 1
    more_supporters: bool = False


SUPPORTERS_PER_PAGE = 25


def chief_overview(department: Department, on: date, supporters_page: int = 1) -> ChiefOverview:
    """The chief's peer-support page; certified members a page at a time, so the page stays
    the same size whatever the department's."""
    supporters_page = max(1, supporters_page)
    supporters = certified_members(
        on,
        limit=SUPPORTERS_PER_PAGE + 1,
        offset=(supporters_page - 1) * SUPPORTERS_PER_PAGE,
    )
    seats = department_seats(on)
    classes = for_department(open_classes(on))
    return ChiefOverview(
        card=quota_card(department, on, classes),
        classes=classes,
        seats=[s for s in seats if s.status != "requested"],
        requests=[s for s in seats if s.status == "requested"],
        supporters=supporters[:SUPPORTERS_PER_PAGE],
        supporters_page=supporters_page,
        more_supporters=len(supporters) > SUPPORTERS_PER_PAGE,
    )


def chief_external() -> list[ExternalView]:
    """The bound department's external-training submissions."""
    return department_submissions()


@dataclass(frozen=True)
class OfficerTraining:
    certified: bool
    classes: list[ClassSummary]
    seats: list[SeatView]
    asked_class_ids: frozenset[int]


def officer_training(user: User, on: date) -> OfficerTraining:
    seats = officer_seats(user, on)
    return OfficerTraining(
        certified=is_certified(user.id, on),
        classes=open_classes(on),
        seats=seats,
        asked_class_ids=frozenset(s.class_id for s in seats if s.status != "declined"),
    )


@dataclass(frozen=True)
class Calculation:
    sworn: int
    minimum: int
    target: int


def calculate(sworn: int) -> Calculation:
    result = band(sworn, quota_anchors())
    return Calculation(sworn, result.minimum, result.target)


@dataclass(frozen=True)
class Shares:
    """The quota's shares as the public pages word them, from the settings in force."""

    small: str  # "7 to 10%"
    large: str  # "2 to 3%"
    small_size: int  # sworn officers where the small share applies (and below)
    large_size: int  # where the large share is reached (and the curve goes on falling)


def shares() -> Shares:
    anchors = quota_anchors()
    return Shares(
        small=_share(anchors.small_min, anchors.small_target),
        large=_share(anchors.large_min, anchors.large_target),
        small_size=anchors.small_size,
        large_size=anchors.large_size,
    )


def _share(low: float, high: float) -> str:
    first, second = _percent(low), _percent(high)
    return f"{first}%" if first == second else f"{first} to {second}%"


def _percent(share: float) -> str:
    return f"{share * 100:.1f}".rstrip("0").rstrip(".")


def count_words(minimum: int, target: int) -> str:
    """ "4 to 5", or "3" when both are the same; thousands separated."""
    if minimum == target:
        return f"{minimum:,}"
    return f"{minimum:,} to {target:,}"


@dataclass(frozen=True)
class NetworkDepartment:
    department: Department
    status: QuotaStatus
    state_label: str
    supporters: list[CertifiedMember]


def network_department(department_id: int, on: date) -> NetworkDepartment:
    """A network admin's view of one department's quota and certified members."""
    department = db.session.scalars(
        select(Department).where(Department.id == department_id)
    ).first()
    if department is None:
        raise NotFound("No such department.")
    with acting_for(department.id):
        result = department_quota(department, on)
        supporters = certified_members(on)
    return NetworkDepartment(department, result, STATE_LABELS[result.state], supporters)


@dataclass(frozen=True)
class AdminSeat:
    seat_id: int
    name: str
    department: str
    status: str
    queue_no: int
    makeup: bool


@dataclass(frozen=True)
class AdminDay:
    id: int
    number: int
    day: date
    present: int


@dataclass(frozen=True)
class AdminClass:
    summary: ClassSummary
    seats: list[AdminSeat]
    waitlist: list[AdminSeat]
    days: list[AdminDay]
    can_complete: bool
    certified: int
    incomplete: int


def admin_class(class_id: int, on: date) -> AdminClass:
    from wnwa.training.attendance import attendance_counts

    cls = get_class(class_id)
    rows = db.session.execute(
        select(Seat, User, Department)
        .join(User, User.id == Seat.user_id)
        .join(Department, Department.id == Seat.department_id)
        .where(Seat.class_id == cls.id, Seat.status.notin_(("cancelled", "declined", "requested")))
        .order_by(Department.name, User.last_name, User.first_name)
        # unscoped: the network admin sees every department's seats in the class.
        .execution_options(unscoped=True)
    ).all()
    seats = [
        AdminSeat(s.id, u.display_name, d.name, s.status, s.queue_no, s.makeup_for_id is not None)
        for s, u, d in rows
    ]
    counts = attendance_counts(cls.id)
    days = [AdminDay(d.id, n, d.day, counts.get(d.id, 0)) for n, d in enumerate(cls.days, 1)]
    return AdminClass(
        summary=summarize(cls, on),
        seats=[s for s in seats if s.status != "waitlisted"],
        waitlist=sorted((s for s in seats if s.status == "waitlisted"), key=lambda s: s.queue_no),
        days=days,
        can_complete=cls.completed_on is None and on >= cls.ends_on,
        certified=sum(1 for s in seats if s.status == "completed"),
        incomplete=sum(1 for s in seats if s.status == "incomplete"),
    )
