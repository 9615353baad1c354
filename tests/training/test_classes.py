"""Training classes: validation with clear messages, changes, and what the public sees."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.training.conftest import class_input
from wnwa.audit import AuditEntry
from wnwa.errors import Conflict
from wnwa.extensions import db
from wnwa.training import classes
from wnwa.training.classes import ClassInvalid, class_problems
from wnwa.training.models import ClassDay, TrainingClass

START = date(2026, 9, 14)
ON = date(2026, 8, 1)
DAYS = [START, START + timedelta(days=1), START + timedelta(days=2)]


def test_valid_class_has_no_problems():
    assert class_problems(class_input(DAYS)) == []


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (
            [DAYS[1], DAYS[0], DAYS[2]],
            "Class days must be in date order: day 2 (Sep 14, 2026) comes before day 1 "
            "(Sep 15, 2026).",
        ),
        ([DAYS[0], DAYS[0]], "Day 2 repeats day 1 (Sep 14, 2026)."),
        ([DAYS[0], None, DAYS[2]], "Fill the class days from day 1 on, without gaps."),
        ([None, None], "Give the date of each class day (at least one)."),
    ],
)
def test_day_problems(days, message):
    data = replace(class_input(DAYS, deadline=START - timedelta(days=1)), days=days)
    assert message in class_problems(data)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "Give the class a title"),
        ({"location": ""}, "Give the location."),
        ({"capacity": 0}, "Capacity must be between 1 and 1000 seats."),
        ({"capacity": None}, "Capacity must be between 1 and 1000 seats."),
        ({"seats_per_department": 30}, "Seats per department must be at least 1 and at most"),
        ({"price_cents": -1}, "Price must be between $0 and $100,000."),
        ({"hours": 0}, "Hours must be between 1 and 200."),
        ({"deadline": START + timedelta(days=1)}, "must be on or before the first day"),
    ],
)
def test_field_problems(changes, message):
    problems = class_problems(class_input(DAYS, **changes))
    assert any(message in p for p in problems), problems


def test_missing_deadline_is_reported():
    data = replace(class_input(DAYS), registration_deadline=None)
    assert "Give the registration deadline." in class_problems(data)


def test_create_class_stores_days_in_order_and_audits(tr, ctx):
    cls = classes.create_class(class_input(DAYS), actor=tr.admin, on=ON)
    stored = db.session.scalars(select(TrainingClass).where(TrainingClass.id == cls.id)).one()
    assert [d.day for d in stored.days] == DAYS
    assert (stored.starts_on, stored.ends_on) == (DAYS[0], DAYS[-1])
    assert stored.capacity == 20 and stored.price_cents == 45000
    actions = db.session.scalars(
        select(AuditEntry.action).execution_options(unscoped=True)  # the whole trail
    ).all()
    assert "training.class_created" in actions


def test_create_class_with_problems_writes_nothing(tr, ctx):
    with pytest.raises(ClassInvalid) as error:
        classes.create_class(class_input(list(reversed(DAYS))), actor=tr.admin, on=ON)
    assert any("date order" in p for p in error.value.problems)
    assert db.session.scalars(select(TrainingClass)).all() == []


def test_create_class_after_its_deadline_is_refused(tr, ctx):
    with pytest.raises(ClassInvalid, match="already passed"):
        classes.create_class(class_input(DAYS), actor=tr.admin, on=START)


def test_capacity_below_reservations_is_refused(make, tr):
    dept = make.department()
    cls = tr.new_class(START, capacity=3, on=ON)
    for _ in range(3):
        tr.reserve(dept, cls.id, make.officer(dept), ON)
    with pytest.raises(ClassInvalid) as error:
        classes.update_class(cls.id, class_input(DAYS, capacity=2), actor=tr.admin, on=ON)
    assert (
        "Capacity 2 is below the 3 seats already reserved; cancel seats first or keep the "
        "capacity at least that high." in error.value.problems
    )
    assert classes.get_class(cls.id).capacity == 3


def test_seats_per_department_below_holdings_is_refused(make, tr):
    dept = make.department()
    cls = tr.new_class(START, capacity=10, on=ON)
    for _ in range(2):
        tr.reserve(dept, cls.id, make.officer(dept), ON)
    with pytest.raises(ClassInvalid, match="already holds 2 seats"):
        classes.update_class(
            cls.id, class_input(DAYS, capacity=10, seats_per_department=1), actor=tr.admin, on=ON
        )


def test_update_class_changes_days_keeping_the_kept_ones(tr):
    cls = tr.new_class(START, on=ON)
    kept_id = cls.days[1].id
    new_days = [DAYS[1], DAYS[2], DAYS[2] + timedelta(days=1)]
    classes.update_class(cls.id, class_input(new_days, title="4-day leader"), actor=tr.admin, on=ON)
    stored = classes.get_class(cls.id)
    assert [d.day for d in stored.days] == new_days
    assert stored.days[0].id == kept_id
    assert stored.title == "4-day leader" and stored.starts_on == DAYS[1]
    assert db.session.scalars(select(ClassDay.day).where(ClassDay.class_id == cls.id)).all()


def test_raising_capacity_promotes_the_waiting_list(make, tr):
    dept = make.department()
    cls = tr.new_class(START, capacity=1, on=ON)
    tr.reserve(dept, cls.id, make.officer(dept), ON)
    waiting = tr.reserve(dept, cls.id, make.officer(dept), ON)
    assert tr.seat_status(waiting) == "waitlisted"
    classes.update_class(cls.id, class_input(DAYS, capacity=2), actor=tr.admin, on=ON)
    assert tr.seat_status(waiting) == "reserved"


def test_completed_class_cannot_change(make, tr):
    cls = tr.new_class(START, on=ON)
    cls.completed_on = DAYS[-1]
    db.session.commit()
    with pytest.raises(Conflict, match="complete"):
        classes.update_class(cls.id, class_input(DAYS), actor=tr.admin, on=ON)


def test_next_class_is_the_soonest_not_yet_started(tr, ctx):
    later = tr.new_class(START + timedelta(days=60), on=ON, location="Springfield")
    sooner = tr.new_class(START, on=ON, location="Naperville")
    tr.new_class(ON - timedelta(days=20), on=ON - timedelta(days=60), location="Past")
    shown = classes.next_class(ON)
    assert shown.cls.id == sooner.id
    assert shown.cls.location == "Naperville"
    assert classes.next_class(START + timedelta(days=1)).cls.id == later.id
    assert classes.next_class(START + timedelta(days=61)) is None


def test_open_classes_close_after_the_deadline(tr, ctx):
    cls = tr.new_class(START, on=ON, deadline=START - timedelta(days=3))
    assert [c.cls.id for c in classes.open_classes(START - timedelta(days=3))] == [cls.id]
    assert classes.open_classes(START - timedelta(days=2)) == []


def test_class_summaries_count_every_department_in_one_query(make, tr, ctx):
    from sqlalchemy import event

    one, two = make.department(), make.department()
    full = tr.new_class(START, capacity=2, on=ON)
    roomy = tr.new_class(START + timedelta(days=7), capacity=5, on=ON)
    empty = tr.new_class(START + timedelta(days=14), on=ON)
    closed = tr.new_class(START, on=ON - timedelta(days=10), deadline=ON - timedelta(days=1))
    for dept in (one, two):
        tr.reserve(dept, full.id, make.officer(dept), ON)
        tr.reserve(dept, full.id, make.officer(dept), ON)  # the second pair waits
        tr.reserve(dept, roomy.id, make.officer(dept), ON)
    tr.reserve(one, closed.id, make.officer(one), ON - timedelta(days=2))

    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        shown = classes.open_classes(ON)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert [(s.cls.id, s.seats_left, s.waitlisted) for s in shown] == [
        (full.id, 0, 2),
        (roomy.id, 3, 0),
        (empty.id, 20, 0),
    ]
    assert len([s for s in statements if "training_seat" in s]) == 1, statements
    assert [(s.cls.id, s.waitlisted) for s in classes.upcoming_classes(ON)][:2] == [
        (full.id, 2),
        (closed.id, 0),
    ]
    assert classes.summarize(closed, ON).seats_left == 19


def test_price_label():
    assert classes.price_label(0) == "Free"
    assert classes.price_label(45000) == "$450"
    assert classes.price_label(123456) == "$1,234.56"


def test_demo_classes_are_seeded_once(ctx):
    from wnwa.training.demo import DEMO_CLASSES, seed_training

    assert seed_training(ON) == len(DEMO_CLASSES)
    assert seed_training(ON) == 0
    shown = classes.next_class(ON)
    assert shown.cls.location == "Naperville Police Training Center"
    assert [len(c.cls.days) for c in classes.upcoming_classes(ON)] == [3, 4, 3]
