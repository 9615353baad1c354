"""Seats in training classes: chiefs reserve them for named officers (capacity enforced under
concurrency, waiting list when full, cancel before the deadline), officers may ask for one and
their chief approves, freed places go to the waiting list, missed days earn a later seat."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased

from wnwa import audit, emails
from wnwa.database import one_of
from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db
from wnwa.signals import class_saved, members_departed
from wnwa.tenants.models import Department, User
from wnwa.tenants.names import matches, starts_with, words
from wnwa.tenants.scoping import acting_for
from wnwa.training.certification import certified_user_ids, is_certified
from wnwa.training.classes import lock_class, place_count
from wnwa.training.models import (
    OPEN_SEAT_STATUSES,
    SEAT_CANCELLED,
    SEAT_DECLINED,
    SEAT_INCOMPLETE,
    SEAT_REQUESTED,
    SEAT_RESERVED,
    SEAT_WAITLISTED,
    Seat,
    TrainingClass,
)
from wnwa.training.notify import class_facts, tell_chiefs, tell_officer
from wnwa.us_states import day_words, network_day

BUSY = "Another reservation was being saved at the same moment. Please try again."
LOCK_ATTEMPTS = 12
T = TypeVar("T")


def find_member(reference: str) -> User:
    """An active member of the bound department, by employee/badge number or work email."""
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput("Give the officer's employee/badge number or work email.")
    user = db.session.scalars(
        select(User).where(
            User.active.is_(True),
            or_(User.employee_number == reference, User.email == emails.lookup_form(reference)),
        )
    ).first()
    if user is None:
        raise InvalidInput(
            f"No active member of your department has the employee number or email “{reference}”."
        )
    return user


def _member(user_id: int) -> User:
    user = db.session.scalars(select(User).where(User.id == user_id)).first()
    if user is None:
        raise NotFound("No such member of your department.")
    return user


def serialized(use_case: Callable[[], T]) -> T:
    """Run a use case that locks a class row; if the database reports a lock conflict (SQLite:
    a concurrent writer committed first), roll back and run it again from a fresh snapshot."""
    for attempt in range(LOCK_ATTEMPTS):
        try:
            return use_case()
        except OperationalError:
            db.session.rollback()
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311  # nosec B311
    raise Conflict(BUSY)


def _lock_open_class(class_id: int, on: date) -> TrainingClass:
    cls = lock_class(class_id)
    if cls.completed_on is not None:
        raise Conflict("This class is complete.")
    if on > cls.registration_deadline:
        raise Conflict(
            f"Registration for this class closed on {day_words(cls.registration_deadline)}."
        )
    return cls


def _has_room(cls: TrainingClass, department_id: int) -> bool:
    if place_count(cls.id) >= cls.capacity:
        return False
    limit = cls.seats_per_department
    return limit is None or place_count(cls.id, department_id) < limit


def _next_queue_no(class_id: int) -> int:
    highest = db.session.scalar(
        select(func.max(Seat.queue_no))
        .where(Seat.class_id == class_id)
        # unscoped: the waiting list of a class is shared by every department.
        .execution_options(unscoped=True)
    )
    return (highest or 0) + 1


def _existing(class_id: int, user_id: int) -> Seat | None:
    return db.session.scalars(
        select(Seat).where(Seat.class_id == class_id, Seat.user_id == user_id)
    ).first()


def _place(seat: Seat, cls: TrainingClass) -> Seat:
    """Give `seat` a place if there is room, else put it at the end of the waiting list."""
    with db.session.no_autoflush:  # the seat itself never counts toward the room left
        if _has_room(cls, seat.department_id):
            seat.status, seat.queue_no = SEAT_RESERVED, 0
        else:
            seat.status, seat.queue_no = SEAT_WAITLISTED, _next_queue_no(cls.id)
    db.session.flush()
    return seat


def _seat_for(user: User, cls: TrainingClass) -> Seat:
    """The user's seat row in the class, new or reused (after a cancellation or decline)."""
    seat = _existing(cls.id, user.id)
    if seat is not None and seat.status not in (SEAT_CANCELLED, SEAT_DECLINED):
        raise Conflict(f"{user.display_name} already has a seat in this class ({seat.status}).")
    if seat is None:
        seat = Seat(class_id=cls.id, user_id=user.id, department_id=user.department_id)
        db.session.add(seat)
    seat.requested_by_officer = False
    seat.makeup_for_id = None
    return seat


def _tell_placed(user: User, seat: Seat, cls: TrainingClass) -> None:
    """Tell the officer where a reservation or an approved request put them."""
    template = "seat_approved" if seat.status == SEAT_RESERVED else "seat_waitlisted"
    tell_officer(
        user,
        template,
        requested=seat.requested_by_officer,
        makeup=seat.makeup_for_id is not None,
        **class_facts(cls),
    )


def _record(actor: Any, action: str, seat: Seat, cls: TrainingClass) -> None:
    audit.record(
        actor,
        action,
        department_id=seat.department_id,
        subject=f"seat {seat.id}",
        details={"class": cls.id, "user": seat.user_id, "status": seat.status},
    )


def placement_message(seat: Seat) -> str:
    """What just happened to a reservation, in words: a seat, or a waiting-list place and why
    (the class is full, or the department holds all the seats it may have in the class)."""
    cls = seat.training_class
    name = _member(seat.user_id).display_name
    when = cls.starts_on.strftime("%B %-d, %Y")
    if seat.status == SEAT_RESERVED:
        return f"Seat reserved for {name} in the {cls.title} starting {when}."
    if seat.status != SEAT_WAITLISTED:
        return f"{name}: {seat.status}."
    if place_count(cls.id) >= cls.capacity:
        why = "the class is full"
    else:
        why = (
            f"your department already holds the {cls.seats_per_department} seats it may have "
            "in this class"
        )
    return (
        f"{name} is on the waiting list for the {cls.title} starting {when}, not in a seat: "
        f"{why}. If a seat frees up, {name} gets it in waiting-list order and you are told."
    )


# --- chiefs --------------------------------------------------------------------------------


def reserve_seat(
    department: Department, *, class_id: int, officer: str, actor: Any, on: date
) -> Seat:
    """Reserve a seat (or a waiting-list place) for a named officer of the department."""

    def use_case() -> Seat:
        cls = _lock_open_class(class_id, on)
        member = find_member(officer)
        seat = _place(_seat_for(member, cls), cls)
        _record(actor, "training.seat_reserved", seat, cls)
        _tell_placed(member, seat, cls)
        db.session.commit()
        return seat

    return serialized(use_case)


def approve_request(department: Department, seat_id: int, *, actor: Any, on: date) -> Seat:

    def use_case() -> Seat:
        seat, cls = _pending_request(seat_id, lock=lambda class_id: _lock_open_class(class_id, on))
        seat = _place(seat, cls)
        _record(actor, "training.request_approved", seat, cls)
        _tell_placed(_member(seat.user_id), seat, cls)
        db.session.commit()
        return seat

    return serialized(use_case)


def decline_request(department: Department, seat_id: int, *, actor: Any) -> Seat:

    def use_case() -> Seat:
        seat, cls = _pending_request(seat_id, lock=lock_class)
        seat.status = SEAT_DECLINED
        db.session.flush()
        _record(actor, "training.request_declined", seat, cls)
        tell_officer(_member(seat.user_id), "seat_declined", **class_facts(cls))
        db.session.commit()
        return seat

    return serialized(use_case)


def _pending_request(
    seat_id: int, *, lock: Callable[[int], TrainingClass]
) -> tuple[Seat, TrainingClass]:
    """An officer's request still waiting for its answer, read again under its class's lock:
    two answers given at once (a double click, two chiefs) take turns, and the second finds
    the request already handled."""
    seat = _department_seat(seat_id)
    cls = lock(seat.class_id)
    db.session.refresh(seat)  # its status as of the lock
    if seat.status != SEAT_REQUESTED:
        raise Conflict("That request was already handled.")
    return seat, cls


def cancel_seat(department: Department, seat_id: int, *, actor: Any, on: date) -> Seat:
    """Cancel a seat, a waiting-list place or a request, up to the registration deadline."""

    def use_case() -> Seat:
        seat = _department_seat(seat_id)
        cls = seat.training_class
        if seat.status in OPEN_SEAT_STATUSES and on > cls.registration_deadline:
            raise Conflict(
                f"The registration deadline ({day_words(cls.registration_deadline)}) has "
                "passed; contact the network to cancel."
            )
        return _cancel(seat, actor=actor, on=on)

    return serialized(use_case)


def admin_cancel_seat(class_id: int, seat_id: int, *, actor: Any, on: date) -> Seat:
    """Network admins may cancel any open seat of class `class_id` at any time."""

    def use_case() -> Seat:
        seat = db.session.scalars(
            select(Seat)
            .where(Seat.id == seat_id, Seat.class_id == class_id)
            .execution_options(unscoped=True)  # unscoped: an admin acts on any department's seat
        ).first()
        if seat is None:
            raise NotFound("No such seat in this class.")
        with acting_for(seat.department_id):
            return _cancel(seat, actor=actor, on=on)

    return serialized(use_case)


def _cancel(seat: Seat, *, actor: Any, on: date) -> Seat:
    cls = lock_class(seat.class_id)
    db.session.refresh(seat)  # its status as of the lock
    if seat.status not in OPEN_SEAT_STATUSES:
        raise Conflict(f"That seat cannot be cancelled: it is {seat.status}.")
    _free(seat, cls, actor=actor, on=on)
    db.session.commit()
    return seat


def _free(seat: Seat, cls: TrainingClass, *, actor: Any, on: date) -> None:
    """Cancel an open seat of a locked class and give a freed place to the waitlist (flush)."""
    held_place = seat.status == SEAT_RESERVED
    seat.status, seat.queue_no = SEAT_CANCELLED, 0
    db.session.flush()
    _record(actor, "training.seat_cancelled", seat, cls)
    if held_place:
        promote_waitlist(cls, on=on)


@members_departed.connect
def _free_seats_of(_sender: object, *, user_ids: list[int]) -> None:
    """People who left the roster keep no seat, waitlist place or request (flush only): the
    places go to whoever waits, and nobody is seated or certified after leaving."""
    on = network_day()
    seats = db.session.scalars(
        select(Seat)
        .where(one_of(Seat.user_id, user_ids), Seat.status.in_(OPEN_SEAT_STATUSES))
        .order_by(Seat.class_id, Seat.id)
    ).all()
    for seat in seats:
        cls = lock_class(seat.class_id)
        db.session.refresh(seat)
        if seat.status in OPEN_SEAT_STATUSES:
            _free(seat, cls, actor="system", on=on)


def _department_seat(seat_id: int) -> Seat:
    seat = db.session.scalars(select(Seat).where(Seat.id == seat_id)).first()
    if seat is None:
        raise NotFound("No such seat in your department.")
    return seat


# --- officers --------------------------------------------------------------------------------


def request_seat(user: User, *, class_id: int, on: date) -> Seat:
    """An officer asks for a seat; their chief sees the request and approves or declines it.

    This is the one officer action that writes: an explicit request someone must answer.
    Nothing else about the officer's visit is recorded.
    """

    def use_case() -> Seat:
        # the class's lock makes a double-submitted request wait for the first, then find it
        cls = lock_class(class_id)
        if cls.completed_on is not None or on > cls.registration_deadline:
            raise Conflict("Registration for this class is closed.")
        seat = _existing(cls.id, user.id)
        if seat is not None and seat.status not in (SEAT_CANCELLED, SEAT_DECLINED):
            raise Conflict(f"You already have a seat or a request in this class ({seat.status}).")
        if seat is None:
            seat = Seat(class_id=cls.id, user_id=user.id, department_id=user.department_id)
            db.session.add(seat)
        seat.status, seat.queue_no = SEAT_REQUESTED, 0
        seat.requested_by_officer, seat.makeup_for_id = True, None
        db.session.flush()
        tell_chiefs(
            user.department_id,
            "A member of your department asked for a peer-support training seat",
            f"Someone asked for a seat in the {cls.title} starting {day_words(cls.starts_on)}. "
            "Approve or decline the request on your peer-support page.",
        )
        db.session.commit()
        return seat

    return serialized(use_case)


def withdraw_request(user: User, seat_id: int) -> None:
    """An officer takes back a request the chief has not answered yet (nothing is kept)."""
    seat = db.session.scalars(
        select(Seat).where(Seat.id == seat_id, Seat.user_id == user.id)
    ).first()
    if seat is None:
        raise NotFound("No such request.")
    if seat.status != SEAT_REQUESTED:
        raise Conflict("Your chief already answered this request.")
    db.session.delete(seat)
    db.session.commit()


# --- the waiting list and make-up seats (network-wide, flush only) --------------------------


def promote_waitlist(cls: TrainingClass, *, on: date) -> list[Seat]:
    """Give freed places to the waiting list in order (respecting seats per department). Not
    once the class has begun: certification needs every day, so a place freed on or after the
    first day helps nobody on the waiting list."""
    if cls.completed_on is not None or on >= cls.starts_on:
        return []
    promoted: list[Seat] = []
    while place_count(cls.id) < cls.capacity:
        waiting = db.session.scalars(
            select(Seat)
            .where(Seat.class_id == cls.id, Seat.status == SEAT_WAITLISTED)
            .order_by(Seat.queue_no, Seat.id)
            # unscoped: the waiting list spans departments; each write binds the seat's department.
            .execution_options(unscoped=True)
        ).all()
        limit = cls.seats_per_department
        chosen = next(
            (s for s in waiting if limit is None or place_count(cls.id, s.department_id) < limit),
            None,
        )
        if chosen is None:
            break
        with acting_for(chosen.department_id):
            chosen.status, chosen.queue_no = SEAT_RESERVED, 0
            db.session.flush()
            member = _member(chosen.user_id)
            name = member.display_name
            tell_officer(member, "seat_promoted", **class_facts(cls))
            tell_chiefs(
                chosen.department_id,
                f"A seat opened: {cls.title} starting {day_words(cls.starts_on)}",
                f"{name} moved from the waiting list to a reserved seat in the {cls.title} "
                f"starting {day_words(cls.starts_on)} in {cls.location}.",
            )
        promoted.append(chosen)
    return promoted


def _makeup_classes(after: date, on: date) -> list[TrainingClass]:
    return list(
        db.session.scalars(
            select(TrainingClass)
            .where(
                TrainingClass.completed_on.is_(None),
                TrainingClass.registration_deadline >= on,
                TrainingClass.starts_on > after,
            )
            .order_by(TrainingClass.starts_on, TrainingClass.id)
        )
    )


def offer_makeups(on: date) -> list[Seat]:
    """Seat everyone who missed a day of a class in a later class (room first, else the
    earliest waiting list). Those with no later class open wait for the next one created."""
    later = aliased(Seat)
    missed = db.session.scalars(
        select(Seat)
        .where(
            Seat.status == SEAT_INCOMPLETE,
            ~exists().where(later.makeup_for_id == Seat.id),
        )
        .order_by(Seat.id)
        # unscoped: make-up seats are a network-wide duty; each write binds the seat's department.
        .execution_options(unscoped=True)
    ).all()
    offered = []
    for original in missed:
        with acting_for(original.department_id):
            seat = _offer_makeup(original, on)
        if seat is not None:
            offered.append(seat)
    return offered


def _offer_makeup(original: Seat, on: date) -> Seat | None:
    user = _member(original.user_id)
    if not user.active or is_certified(user.id, on):
        return None
    candidates = []
    for cls in _makeup_classes(original.training_class.ends_on, on):
        seat = _existing(cls.id, user.id)
        if seat is not None and seat.status in OPEN_SEAT_STATUSES:
            seat.makeup_for_id = original.id  # the chief already arranged a later seat
            db.session.flush()
            return None
        if seat is None or seat.status in (SEAT_CANCELLED, SEAT_DECLINED):
            candidates.append(cls)
    if not candidates:
        return None
    chosen = next((c for c in candidates if _has_room(lock_class(c.id), user.department_id)), None)
    cls = chosen or candidates[0]
    seat = _seat_for(user, cls)
    seat.makeup_for_id = original.id
    _place(seat, cls)
    _tell_placed(user, seat, cls)
    where = "a reserved seat" if seat.status == SEAT_RESERVED else "a waiting-list place"
    tell_chiefs(
        user.department_id,
        f"Make-up seat for {user.display_name}: {cls.title} starting {day_words(cls.starts_on)}",
        f"{user.display_name} missed a day of the {original.training_class.title} and so was "
        f"not certified. We have given them {where} in the {cls.title} starting "
        f"{day_words(cls.starts_on)} in {cls.location}. Cancel it on your peer-support page "
        f"by {day_words(cls.registration_deadline)} if they cannot attend.",
    )
    return seat


# --- what chiefs and officers see -------------------------------------------------------------


@dataclass(frozen=True)
class SeatView:
    seat_id: int
    class_id: int
    user_id: int
    name: str
    status: str
    makeup: bool
    class_title: str
    starts_on: date
    location: str
    deadline: date
    can_cancel: bool


def _views(rows, on: date) -> list[SeatView]:
    return [
        SeatView(
            seat_id=seat.id,
            class_id=seat.class_id,
            user_id=user.id,
            name=user.display_name,
            status=seat.status,
            makeup=seat.makeup_for_id is not None,
            class_title=seat.training_class.title,
            starts_on=seat.training_class.starts_on,
            location=seat.training_class.location,
            deadline=seat.training_class.registration_deadline,
            can_cancel=seat.status in OPEN_SEAT_STATUSES
            and on <= seat.training_class.registration_deadline,
        )
        for seat, user in rows
    ]


def department_seats(on: date) -> list[SeatView]:
    """Open seats, waiting-list places and requests of the bound department in classes that
    are not complete, by class date then name."""
    rows = db.session.execute(
        select(Seat, User)
        .join(User, User.id == Seat.user_id)
        .join(TrainingClass, TrainingClass.id == Seat.class_id)
        .where(TrainingClass.completed_on.is_(None), Seat.status.in_(OPEN_SEAT_STATUSES))
        .order_by(TrainingClass.starts_on, Seat.queue_no, User.last_name, User.first_name)
    ).all()
    return _views(rows, on)


def officer_seats(user: User, on: date) -> list[SeatView]:
    rows = db.session.execute(
        select(Seat, User)
        .join(User, User.id == Seat.user_id)
        .join(TrainingClass, TrainingClass.id == Seat.class_id)
        .where(
            Seat.user_id == user.id,
            TrainingClass.completed_on.is_(None),
            Seat.status.in_((*OPEN_SEAT_STATUSES, SEAT_DECLINED)),
        )
        .order_by(TrainingClass.starts_on)
    ).all()
    return _views(rows, on)


def pipeline_count(on: date) -> int:
    """Members of the bound department holding a reserved seat in a class not yet complete who
    are not certified yet: the supporters the quota gains when those classes end (one already
    certified, on a leader course say, counts already or is advised to list)."""
    return (
        db.session.scalar(
            select(func.count(func.distinct(Seat.user_id)))
            .join(TrainingClass, TrainingClass.id == Seat.class_id)
            .join(User, User.id == Seat.user_id)
            .where(
                Seat.status == SEAT_RESERVED,
                TrainingClass.completed_on.is_(None),
                User.active.is_(True),
                User.sworn.is_(True),
                Seat.user_id.not_in(certified_user_ids(on)),
            )
        )
        or 0
    )


MEMBER_SUGGESTIONS = 10


def member_suggestions(typed: str, limit: int = MEMBER_SUGGESTIONS) -> list[User]:
    """The seat picker's type-ahead: at most `limit` active members of the bound department
    matched by the roster's rule (wnwa.tenants.names: every word starts their last name,
    first name or employee number; two characters typed at least), in name order.

    The longest word is looked up in each of the three key indexes, in that index's order, at
    most `limit` entries each, so a suggestion costs the same whatever the department's size."""
    typed_words = words(typed)
    if len("".join(typed_words)) < 2:
        return []
    lead = max(typed_words, key=len)
    others = matches(User, [w for w in typed_words if w is not lead])
    found: dict[int, User] = {}
    for order in (
        (User.last_key, User.first_key, User.id),
        (User.first_key, User.last_key, User.id),
        (User.number_key, User.id),
    ):
        found.update(
            (u.id, u)
            for u in db.session.scalars(
                select(User)
                .where(starts_with(order[0], lead), User.active.is_(True), *others)
                .order_by(*order)
                .limit(limit)
            )
        )
    ranked = sorted(found.values(), key=lambda u: (u.last_key, u.first_key, u.id))
    return ranked[:limit]


@class_saved.connect
def _fill_seats(cls: TrainingClass, *, on: date, created: bool) -> None:
    """A new class offers make-up seats; a changed one (perhaps larger) promotes its waitlist."""
    if created:
        offer_makeups(on)
    else:
        promote_waitlist(cls, on=on)
