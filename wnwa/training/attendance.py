"""Attendance per class day (recorded by the trainer, a network admin) and class completion:
everyone present every day is certified; anyone who missed a day gets a later seat instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from wnwa import audit
from wnwa.errors import Conflict, NotFound
from wnwa.extensions import db
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import acting_for
from wnwa.training.certification import add_certification
from wnwa.training.classes import get_class, lock_class
from wnwa.training.models import (
    SEAT_CANCELLED,
    SEAT_COMPLETED,
    SEAT_INCOMPLETE,
    SEAT_REQUESTED,
    SEAT_RESERVED,
    SEAT_WAITLISTED,
    Attendance,
    ClassDay,
    Seat,
    TrainingClass,
)
from wnwa.training.notify import tell_chiefs, tell_officer, when
from wnwa.training.seats import offer_makeups
from wnwa.training.settings import renewal_date
from wnwa.us_states import day_words


@dataclass(frozen=True)
class AttendeeRow:
    seat_id: int
    name: str
    department: str
    present: bool


@dataclass(frozen=True)
class AttendanceSheet:
    cls: TrainingClass
    day: ClassDay
    day_number: int
    rows: list[AttendeeRow]
    editable: bool
    reason: str

    @property
    def present_count(self) -> int:
        return sum(1 for r in self.rows if r.present)


def _day(cls: TrainingClass, day_id: int) -> tuple[ClassDay, int]:
    for number, day in enumerate(cls.days, start=1):
        if day.id == day_id:
            return day, number
    raise NotFound("No such day in this class.")


def _not_editable_reason(cls: TrainingClass, day: ClassDay, on: date) -> str:
    if cls.completed_on is not None:
        return "This class is complete; attendance can no longer change."
    if day.day > on:
        return f"Attendance for {day_words(day.day)} can be recorded from that day on."
    return ""


def _attendees(cls: TrainingClass):
    return db.session.execute(
        select(Seat, User, Department)
        .join(User, User.id == Seat.user_id)
        .join(Department, Department.id == Seat.department_id)
        .where(
            Seat.class_id == cls.id,
            Seat.status.in_((SEAT_RESERVED, SEAT_COMPLETED, SEAT_INCOMPLETE)),
        )
        .order_by(User.last_name, User.first_name, Seat.id)
        # unscoped: the trainer sees every department's attendees of the class.
        .execution_options(unscoped=True)
    ).all()


def _present_seat_ids(day_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(Attendance.seat_id)
            .where(Attendance.day_id == day_id)
            # unscoped: attendance of every department on this class day.
            .execution_options(unscoped=True)
        )
    )


def _day_attendance(day_id: int) -> list[Attendance]:
    return list(
        db.session.scalars(
            select(Attendance)
            .where(Attendance.day_id == day_id)
            # unscoped: the trainer records every department's attendance on this class day;
            # changes are written under each row's own department.
            .execution_options(unscoped=True)
        )
    )


def _attended_days(seat_ids: list[int]) -> dict[int, set[int]]:
    """The days each seat was present, for all `seat_ids` in one query."""
    attended: dict[int, set[int]] = {}
    if not seat_ids:
        return attended
    rows = db.session.execute(
        select(Attendance.seat_id, Attendance.day_id)
        .where(Attendance.seat_id.in_(seat_ids))
        .execution_options(unscoped=True)  # unscoped: attendance of the class's own seats
    )
    for seat_id, day_id in rows:
        attended.setdefault(seat_id, set()).add(day_id)
    return attended


def attendance_sheet(class_id: int, day_id: int, *, on: date) -> AttendanceSheet:
    cls = get_class(class_id)
    day, number = _day(cls, day_id)
    present = _present_seat_ids(day.id)
    rows = [
        AttendeeRow(seat.id, user.display_name, dept.name, seat.id in present)
        for seat, user, dept in _attendees(cls)
    ]
    reason = _not_editable_reason(cls, day, on)
    return AttendanceSheet(cls, day, number, rows, not reason, reason)


def attendee(class_id: int, day_id: int, seat_id: int, *, on: date) -> AttendeeRow:
    sheet = attendance_sheet(class_id, day_id, on=on)
    for row in sheet.rows:
        if row.seat_id == seat_id:
            return row
    raise NotFound("No such attendee in this class.")


def _seat_in_class(cls: TrainingClass, seat_id: int) -> Seat:
    seat = db.session.scalars(
        select(Seat)
        .where(Seat.id == seat_id, Seat.class_id == cls.id, Seat.status == SEAT_RESERVED)
        # unscoped: the trainer marks attendees of any department; writes bind that department.
        .execution_options(unscoped=True)
    ).first()
    if seat is None:
        raise NotFound("That person has no reserved seat in this class.")
    return seat


def _set(seat: Seat, day: ClassDay, present: bool) -> None:
    with acting_for(seat.department_id):
        found = db.session.scalars(
            select(Attendance).where(Attendance.seat_id == seat.id, Attendance.day_id == day.id)
        ).first()
        if present and found is None:
            db.session.add(
                Attendance(seat_id=seat.id, day_id=day.id, department_id=seat.department_id)
            )
        elif not present and found is not None:
            db.session.delete(found)


def set_attendance(
    class_id: int, day_id: int, seat_id: int, *, present: bool, actor: Any, on: date
) -> None:
    """Mark one attendee present or absent on one day (the checklist's single tick)."""
    cls = lock_class(class_id)
    day, _ = _day(cls, day_id)
    reason = _not_editable_reason(cls, day, on)
    if reason:
        raise Conflict(reason)
    _set(_seat_in_class(cls, seat_id), day, present)
    db.session.commit()


def record_day(
    class_id: int, day_id: int, present_seat_ids: set[int], *, actor: Any, on: date
) -> int:
    """Save the whole day's checklist at once (the form without JavaScript)."""
    cls = lock_class(class_id)
    day, number = _day(cls, day_id)
    reason = _not_editable_reason(cls, day, on)
    if reason:
        raise Conflict(reason)
    seats = [seat for seat, _, _ in _attendees(cls) if seat.status == SEAT_RESERVED]
    known = {s.id for s in seats}
    unknown = present_seat_ids - known
    if unknown:
        raise NotFound("Some of those people have no reserved seat in this class.")
    recorded = {a.seat_id: a for a in _day_attendance(day.id)}
    changes: dict[int, tuple[list[Seat], list[Attendance]]] = {}
    for seat in seats:
        present, found = seat.id in present_seat_ids, recorded.get(seat.id)
        if present == (found is not None):
            continue
        added, removed = changes.setdefault(seat.department_id, ([], []))
        if present:
            added.append(seat)
        else:
            removed.append(found)
    for department_id, (added, removed) in changes.items():
        with acting_for(department_id):
            for seat in added:
                db.session.add(
                    Attendance(seat_id=seat.id, day_id=day.id, department_id=department_id)
                )
            for row in removed:
                db.session.delete(row)
    db.session.flush()
    audit.record(
        actor,
        "training.attendance_recorded",
        subject=f"class {cls.id}",
        details={"day": number, "present": len(present_seat_ids), "seats": len(seats)},
    )
    db.session.commit()
    return len(present_seat_ids)


@dataclass(frozen=True)
class Completion:
    certified: int
    incomplete: int
    makeups: int


def complete_class(class_id: int, *, actor: Any, on: date) -> Completion:
    """Close the class: certify those present every day, seat the others in a later class."""
    cls = lock_class(class_id)
    if cls.completed_on is not None:
        raise Conflict("This class is already complete.")
    if on < cls.ends_on:
        raise Conflict(
            f"The class ends on {day_words(cls.ends_on)}; complete it on or after that day."
        )
    all_days = {d.id for d in cls.days}
    results: dict[int, dict[str, list[str]]] = {}
    certified = incomplete = 0
    attendees = _attendees(cls)
    attended_days = _attended_days([seat.id for seat, _, _ in attendees])
    renews_on = renewal_date(cls.ends_on)
    for seat, user, _ in attendees:
        attended = attended_days.get(seat.id, set())
        outcome = results.setdefault(seat.department_id, {"certified": [], "missed": []})
        with acting_for(seat.department_id):
            if attended >= all_days:
                seat.status = SEAT_COMPLETED
                add_certification(
                    user,
                    source="class",
                    course=cls.title,
                    on=cls.ends_on,
                    renews_on=renews_on,
                    actor=actor,
                )
                tell_officer(
                    user,
                    "certification_granted",
                    course=cls.title,
                    certified_on=when(cls.ends_on),
                    renews_on=when(renews_on) if renews_on else "",
                )
                outcome["certified"].append(user.display_name)
                certified += 1
            else:
                seat.status = SEAT_INCOMPLETE
                outcome["missed"].append(user.display_name)
                incomplete += 1
    _close_waitlist(cls)
    cls.completed_on = on
    db.session.flush()
    makeups = offer_makeups(on)
    for department_id, outcome in results.items():
        _tell_results(cls, department_id, outcome)
    audit.record(
        actor,
        "training.class_completed",
        subject=f"class {cls.id}",
        details={"certified": certified, "incomplete": incomplete, "makeups": len(makeups)},
    )
    db.session.commit()
    return Completion(certified, incomplete, len(makeups))


def _close_waitlist(cls: TrainingClass) -> None:
    leftovers = db.session.scalars(
        select(Seat)
        .where(Seat.class_id == cls.id, Seat.status.in_((SEAT_WAITLISTED, SEAT_REQUESTED)))
        # unscoped: waiting-list places and requests of every department end with the class.
        .execution_options(unscoped=True)
    ).all()
    for seat in leftovers:
        with acting_for(seat.department_id):
            seat.status, seat.queue_no = SEAT_CANCELLED, 0


def _tell_results(cls: TrainingClass, department_id: int, outcome: dict[str, list[str]]) -> None:
    lines = [f"The {cls.title} ({day_words(cls.starts_on)} to {day_words(cls.ends_on)}) is over."]
    if outcome["certified"]:
        lines.append("Certified: " + ", ".join(outcome["certified"]) + ".")
        lines.append("They count toward your quota once they list themselves in the directory.")
    if outcome["missed"]:
        lines.append(
            "Missed a day, so not certified: " + ", ".join(outcome["missed"]) + ". "
            "We offer each a seat in a later class (see your peer-support page)."
        )
    tell_chiefs(department_id, f"Results: {cls.title}", "\n".join(lines))


def attendance_counts(class_id: int) -> dict[int, int]:
    """Present count per day id, for the class page."""
    rows = db.session.execute(
        select(Attendance.day_id, func.count(Attendance.id))
        .join(Seat, Seat.id == Attendance.seat_id)
        .where(Seat.class_id == class_id)
        .group_by(Attendance.day_id)
        .execution_options(unscoped=True)  # unscoped: counts across departments
    )
    return {day_id: n for day_id, n in rows}
