"""Training classes: creation and changes by network admins, and what the public sees."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from wnwa import audit
from wnwa.database import locked
from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db
from wnwa.signals import class_saved
from wnwa.training.models import (
    PLACE_HOLDING_STATUSES,
    SEAT_RESERVED,
    SEAT_WAITLISTED,
    Attendance,
    ClassDay,
    Seat,
    TrainingClass,
)
from wnwa.us_states import day_words

MAX_DAYS = 10
MAX_CAPACITY = 1000
MAX_PRICE_CENTS = 10_000_000
MAX_HOURS = 200


@dataclass(frozen=True)
class ClassInput:
    """What an admin enters for a class. `days` keeps blanks (None) where fields were empty."""

    title: str
    location: str
    days: list[date | None]
    capacity: int | None
    seats_per_department: int | None
    price_cents: int | None
    hours: int | None
    registration_deadline: date | None


def day_list(days: list[date]) -> str:
    """A class's days as people write them: "December 31, 2026; January 1 and 2, 2027"."""
    years: dict[int, dict[str, list[str]]] = {}
    for day in sorted(days):
        years.setdefault(day.year, {}).setdefault(f"{day:%B}", []).append(str(day.day))
    parts = []
    for year, months in years.items():
        named = []
        for month, numbers in months.items():
            listed = (
                numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]
            )
            named.append(f"{month} {listed}")
        parts.append(f"{', '.join(named)}, {year}")
    return "; ".join(parts)


def class_problems(data: ClassInput) -> list[str]:
    """Everything wrong with `data`, in words an admin can act on (empty list: fine)."""
    problems = []
    if not data.title.strip():
        problems.append("Give the class a title, e.g. 3-day teammate course.")
    elif len(data.title.strip()) > 200:
        problems.append("Keep the title under 200 characters.")
    if not data.location.strip():
        problems.append("Give the location.")
    elif len(data.location.strip()) > 300:
        problems.append("Keep the location under 300 characters.")
    problems += _day_problems(data.days)
    days = [d for d in data.days if d is not None]
    if data.capacity is None or not 1 <= data.capacity <= MAX_CAPACITY:
        problems.append(f"Capacity must be between 1 and {MAX_CAPACITY} seats.")
    if data.seats_per_department is not None and (
        data.seats_per_department < 1
        or (data.capacity is not None and data.seats_per_department > data.capacity)
    ):
        problems.append("Seats per department must be at least 1 and at most the capacity.")
    if data.price_cents is None or not 0 <= data.price_cents <= MAX_PRICE_CENTS:
        problems.append("Price must be between $0 and $100,000.")
    if data.hours is None or not 1 <= data.hours <= MAX_HOURS:
        problems.append(f"Hours must be between 1 and {MAX_HOURS}.")
    if data.registration_deadline is None:
        problems.append("Give the registration deadline.")
    elif days and data.registration_deadline > days[0]:
        problems.append(
            f"The registration deadline ({day_words(data.registration_deadline)}) must be on "
            f"or before the first day ({day_words(days[0])})."
        )
    return problems


def _day_problems(entered: list[date | None]) -> list[str]:
    days = [d for d in entered if d is not None]
    if not days:
        return ["Give the date of each class day (at least one)."]
    problems = []
    last_filled = max(i for i, d in enumerate(entered) if d is not None)
    if any(d is None for d in entered[:last_filled]):
        problems.append("Fill the class days from day 1 on, without gaps.")
    if len(days) > MAX_DAYS:
        problems.append(f"A class has at most {MAX_DAYS} days.")
    for n, (before, after) in enumerate(zip(days, days[1:], strict=False), start=2):
        if after == before:
            problems.append(f"Day {n} repeats day {n - 1} ({day_words(after)}).")
        elif after < before:
            problems.append(
                f"Class days must be in date order: day {n} ({day_words(after)}) comes "
                f"before day {n - 1} ({day_words(before)})."
            )
    return problems


def _apply(cls: TrainingClass, data: ClassInput, days: list[date]) -> None:
    cls.title = data.title.strip()
    cls.location = data.location.strip()
    cls.capacity = data.capacity or 0
    cls.seats_per_department = data.seats_per_department
    cls.price_cents = data.price_cents or 0
    cls.hours = data.hours or 0
    cls.registration_deadline = data.registration_deadline or days[0]
    cls.starts_on, cls.ends_on = days[0], days[-1]


def create_class(data: ClassInput, *, actor: Any, on: date) -> TrainingClass:
    problems = class_problems(data)
    if data.registration_deadline is not None and data.registration_deadline < on:
        problems.append("The registration deadline has already passed.")
    if problems:
        raise ClassInvalid(problems)
    days = [d for d in data.days if d is not None]
    cls = TrainingClass()
    _apply(cls, data, days)
    cls.days = [ClassDay(day=d) for d in days]
    db.session.add(cls)
    db.session.flush()
    audit.record(actor, "training.class_created", subject=f"class {cls.id}", details=_facts(cls))
    class_saved.send(cls, on=on, created=True)
    db.session.commit()
    return cls


def update_class(class_id: int, data: ClassInput, *, actor: Any, on: date) -> TrainingClass:
    cls = lock_class(class_id)
    if cls.completed_on is not None:
        raise Conflict("This class is complete; it can no longer be changed.")
    problems = class_problems(data)
    held = place_count(cls.id)
    if data.capacity is not None and data.capacity < held:
        problems.append(
            f"Capacity {data.capacity} is below the {held} seats already reserved; "
            "cancel seats first or keep the capacity at least that high."
        )
    most = _most_seats_of_one_department(cls.id)
    if data.seats_per_department is not None and data.seats_per_department < most:
        problems.append(
            f"One department already holds {most} seats; seats per department cannot be lower."
        )
    days = [d for d in data.days if d is not None]
    if days != [d.day for d in cls.days] and _has_attendance(cls.id):
        problems.append("Attendance is already recorded, so the class days can no longer change.")
    if problems:
        raise ClassInvalid(problems)
    _apply(cls, data, days)
    kept = {d.day: d for d in cls.days}
    cls.days = [kept.get(day) or ClassDay(day=day) for day in days]
    db.session.flush()
    audit.record(actor, "training.class_changed", subject=f"class {cls.id}", details=_facts(cls))
    class_saved.send(cls, on=on, created=False)
    db.session.commit()
    return cls


class ClassInvalid(InvalidInput):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


def _facts(cls: TrainingClass) -> dict[str, Any]:
    return {
        "title": cls.title,
        "location": cls.location,
        "days": [d.day.isoformat() for d in cls.days],
        "capacity": cls.capacity,
        "seats_per_department": cls.seats_per_department,
        "price_cents": cls.price_cents,
        "registration_deadline": cls.registration_deadline.isoformat(),
    }


# --- reading ---------------------------------------------------------------------------------


def get_class(class_id: int) -> TrainingClass:
    cls = db.session.scalars(select(TrainingClass).where(TrainingClass.id == class_id)).first()
    if cls is None:
        raise NotFound("No such training class.")
    return cls


def lock_class(class_id: int) -> TrainingClass:
    """Load the class and hold its row lock until the transaction ends, so that seat counts
    read afterwards cannot change under us (`wnwa.database.locked`)."""
    cls = locked(TrainingClass, class_id, TrainingClass.capacity)
    if cls is None:
        raise NotFound("No such training class.")
    return cls


def place_count(class_id: int, department_id: int | None = None) -> int:
    """Seats holding a place in the class (all departments, or one)."""
    stmt = select(func.count(Seat.id)).where(
        Seat.class_id == class_id, Seat.status.in_(PLACE_HOLDING_STATUSES)
    )
    if department_id is not None:
        stmt = stmt.where(Seat.department_id == department_id)
    # unscoped: capacity is shared by every department; only a count leaves this function.
    return db.session.scalar(stmt.execution_options(unscoped=True)) or 0


def waitlist_count(class_id: int) -> int:
    stmt = select(func.count(Seat.id)).where(
        Seat.class_id == class_id, Seat.status == SEAT_WAITLISTED
    )
    # unscoped: the waiting list is shared by every department; only a count leaves here.
    return db.session.scalar(stmt.execution_options(unscoped=True)) or 0


def _most_seats_of_one_department(class_id: int) -> int:
    counts = (
        select(func.count(Seat.id).label("n"))
        .where(Seat.class_id == class_id, Seat.status == SEAT_RESERVED)
        .group_by(Seat.department_id)
        .execution_options(unscoped=True)  # unscoped: network admin checks every department
    )
    return max(db.session.scalars(counts).all(), default=0)


def _has_attendance(class_id: int) -> bool:
    found = db.session.scalar(
        select(Attendance.id)
        .join(Seat, Seat.id == Attendance.seat_id)
        .where(Seat.class_id == class_id)
        .limit(1)
        .execution_options(unscoped=True)  # unscoped: network admin checks every department
    )
    return found is not None


@dataclass(frozen=True)
class ClassSummary:
    cls: TrainingClass
    seats_left: int
    waitlisted: int
    registration_open: bool
    # For one department (filled by `for_department`): places it holds in the class, and how
    # many more it can reserve before names go on the waiting list (the room left in the class,
    # capped by the seats per department). None when the summary is not for a department.
    department_held: int | None = None
    department_room: int | None = None

    @property
    def can_reserve(self) -> int:
        """Seats a reservation can still take now: the department's room when known."""
        return self.seats_left if self.department_room is None else self.department_room

    @property
    def price_label(self) -> str:
        return price_label(self.cls.price_cents)


def price_label(cents: int) -> str:
    if cents == 0:
        return "Free"
    dollars, rest = divmod(cents, 100)
    return f"${dollars:,}" + (f".{rest:02d}" if rest else "")


def _seat_counts(class_ids: list[int]) -> dict[tuple[int, str], int]:
    """Place-holding and waitlisted seats per (class, status), for all `class_ids` at once."""
    if not class_ids:
        return {}
    rows = db.session.execute(
        select(Seat.class_id, Seat.status, func.count(Seat.id))
        .where(
            Seat.class_id.in_(class_ids),
            Seat.status.in_((*PLACE_HOLDING_STATUSES, SEAT_WAITLISTED)),
        )
        .group_by(Seat.class_id, Seat.status)
        # unscoped: capacity and waiting list are shared by every department; only counts leave.
        .execution_options(unscoped=True)
    ).all()
    return {(class_id, status): n for class_id, status, n in rows}


def summarize_all(classes: list[TrainingClass], on: date) -> list[ClassSummary]:
    """Summaries of `classes` (in the same order), counting seats in one query."""
    counts = _seat_counts([c.id for c in classes])
    summaries = []
    for cls in classes:
        places = sum(counts.get((cls.id, status), 0) for status in PLACE_HOLDING_STATUSES)
        summaries.append(
            ClassSummary(
                cls=cls,
                seats_left=max(0, cls.capacity - places),
                waitlisted=counts.get((cls.id, SEAT_WAITLISTED), 0),
                registration_open=cls.completed_on is None and on <= cls.registration_deadline,
            )
        )
    return summaries


def for_department(summaries: list[ClassSummary]) -> list[ClassSummary]:
    """`summaries` with the bound department's places and room in each class (one query)."""
    class_ids = [s.cls.id for s in summaries]
    held: dict[int, int] = {}
    if class_ids:
        held = dict(
            db.session.execute(
                select(Seat.class_id, func.count(Seat.id))
                .where(Seat.class_id.in_(class_ids), Seat.status.in_(PLACE_HOLDING_STATUSES))
                .group_by(Seat.class_id)
            ).all()
        )
    result = []
    for summary in summaries:
        mine = held.get(summary.cls.id, 0)
        room = summary.seats_left
        if summary.cls.seats_per_department is not None:
            room = min(room, max(0, summary.cls.seats_per_department - mine))
        result.append(replace(summary, department_held=mine, department_room=room))
    return result


def summarize(cls: TrainingClass, on: date) -> ClassSummary:
    return summarize_all([cls], on)[0]


def _upcoming(on: date) -> Select[tuple[TrainingClass]]:
    """The query for upcoming_classes (open_classes narrows it)."""
    return (
        select(TrainingClass)
        .where(TrainingClass.completed_on.is_(None), TrainingClass.ends_on >= on)
        .order_by(TrainingClass.starts_on, TrainingClass.id)
    )


def upcoming_classes(on: date) -> list[ClassSummary]:
    """Classes not yet complete whose last day is today or later, soonest first."""
    return summarize_all(list(db.session.scalars(_upcoming(on))), on)


def open_classes(on: date) -> list[ClassSummary]:
    """Classes still taking registrations, soonest first."""
    stmt = _upcoming(on).where(TrainingClass.registration_deadline >= on)
    return summarize_all(list(db.session.scalars(stmt)), on)


def next_class(on: date) -> ClassSummary | None:
    """The next class starting today or later (what the public FAQ shows)."""
    cls = db.session.scalars(
        select(TrainingClass)
        .where(TrainingClass.completed_on.is_(None), TrainingClass.starts_on >= on)
        .order_by(TrainingClass.starts_on, TrainingClass.id)
        .limit(1)
    ).first()
    return summarize(cls, on) if cls is not None else None


def all_classes(on: date) -> list[ClassSummary]:
    classes = db.session.scalars(
        select(TrainingClass).order_by(TrainingClass.starts_on.desc(), TrainingClass.id.desc())
    ).all()
    return summarize_all(list(classes), on)
