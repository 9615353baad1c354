"""Attendance per day, completion: every day attended certifies; a missed day means no
certificate and a seat in a later class; certificates make officers listable and move the
department toward compliance."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.training.conftest import attach, months_before
from wnwa.directory.services import ProfileInput, save_profile
from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.tenants.quota import QuotaState
from wnwa.tenants.scoping import tenant_context
from wnwa.training import attendance, settings
from wnwa.training.certification import is_certified
from wnwa.training.models import Attendance, Certification, Seat
from wnwa.training.quota_service import department_quota

START = date(2026, 9, 14)
ON = date(2026, 8, 1)
END = START + timedelta(days=2)


def _class_with(tr, make, dept, n_people, **kwargs):
    cls = tr.new_class(START, on=ON, **kwargs)
    people = [make.officer(dept) for _ in range(n_people)]
    seat_ids = [tr.reserve(dept, cls.id, p, ON) for p in people]
    return cls, people, seat_ids


def _tick(cls, seat_ids, days, admin):
    for day in days:
        for seat_id in seat_ids:
            attendance.set_attendance(
                cls.id, day.id, seat_id, present=True, actor=admin, on=day.day
            )


def test_attendance_toggles_per_day(make, tr):
    dept = make.department()
    cls, _, (seat_id,) = _class_with(tr, make, dept, 1)
    day1 = cls.days[0]
    attendance.set_attendance(cls.id, day1.id, seat_id, present=True, actor=tr.admin, on=START)
    attendance.set_attendance(cls.id, day1.id, seat_id, present=True, actor=tr.admin, on=START)
    assert attendance.attendee(cls.id, day1.id, seat_id, on=START).present is True
    with tenant_context(dept.id):
        assert db.session.scalars(select(Attendance)).all()[0].day_id == day1.id
    attendance.set_attendance(cls.id, day1.id, seat_id, present=False, actor=tr.admin, on=START)
    assert attendance.attendee(cls.id, day1.id, seat_id, on=START).present is False


def test_attendance_cannot_be_recorded_before_the_day(make, tr):
    dept = make.department()
    cls, _, (seat_id,) = _class_with(tr, make, dept, 1)
    with pytest.raises(Conflict, match="can be recorded from that day on"):
        attendance.set_attendance(
            cls.id, cls.days[1].id, seat_id, present=True, actor=tr.admin, on=START
        )
    sheet = attendance.attendance_sheet(cls.id, cls.days[1].id, on=START)
    assert sheet.editable is False and "Sep 15, 2026" in sheet.reason


def test_attendance_only_for_reserved_seats_of_this_class(make, tr):
    dept = make.department()
    cls, _, _ = _class_with(tr, make, dept, 1, capacity=1)
    waiting = tr.reserve(dept, cls.id, make.officer(dept), ON)
    other = tr.new_class(START + timedelta(days=30), on=ON)
    elsewhere = tr.reserve(dept, other.id, make.officer(dept), ON)
    for seat_id in (waiting, elsewhere, 999_999):
        with pytest.raises(NotFound):
            attendance.set_attendance(
                cls.id, cls.days[0].id, seat_id, present=True, actor=tr.admin, on=START
            )
    with pytest.raises(NotFound, match="No such day"):
        attendance.set_attendance(
            cls.id, other.days[0].id, waiting, present=True, actor=tr.admin, on=START
        )


def test_record_day_saves_the_whole_checklist(make, tr):
    dept = make.department()
    cls, _, seat_ids = _class_with(tr, make, dept, 3)
    day = cls.days[0]
    assert (
        attendance.record_day(cls.id, day.id, {seat_ids[0], seat_ids[2]}, actor=tr.admin, on=START)
        == 2
    )
    sheet = attendance.attendance_sheet(cls.id, day.id, on=START)
    assert {r.seat_id: r.present for r in sheet.rows} == {
        seat_ids[0]: True,
        seat_ids[1]: False,
        seat_ids[2]: True,
    }
    attendance.record_day(cls.id, day.id, {seat_ids[1]}, actor=tr.admin, on=START)
    sheet = attendance.attendance_sheet(cls.id, day.id, on=START)
    assert [r.seat_id for r in sheet.rows if r.present] == [seat_ids[1]]
    with pytest.raises(NotFound):
        attendance.record_day(cls.id, day.id, {999_999}, actor=tr.admin, on=START)


class _Statements:
    """SELECTs reading attendance while the block runs."""

    def __enter__(self):
        from sqlalchemy import event

        self.selects = []
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(db.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "training_attendance" in statement:
            self.selects.append(statement)


def test_record_day_and_completion_read_attendance_once_for_every_department(make, tr):
    one, two = make.department(), make.department()
    cls = tr.new_class(START, on=ON)
    a1, a2, b1, b2 = [
        tr.reserve(dept, cls.id, make.officer(dept), ON) for dept in (one, one, two, two)
    ]
    day = cls.days[0]
    with _Statements() as seen:
        attendance.record_day(cls.id, day.id, {a1, a2, b1}, actor=tr.admin, on=START)
    assert len(seen.selects) == 1, seen.selects
    kept = db.session.scalar(
        select(Attendance.id)
        .where(Attendance.seat_id == a1)
        .execution_options(unscoped=True)  # unscoped: the test checks the row survives
    )
    with _Statements() as seen:
        attendance.record_day(cls.id, day.id, {a1, b2}, actor=tr.admin, on=START)
    assert len(seen.selects) == 1, seen.selects
    rows = db.session.execute(
        select(Attendance.seat_id, Attendance.id, Attendance.department_id)
        .where(Attendance.day_id == day.id)
        .execution_options(unscoped=True)  # unscoped: the test checks every department
    ).all()
    assert {(seat, dept) for seat, _, dept in rows} == {(a1, one.id), (b2, two.id)}
    assert {seat: row_id for seat, row_id, _ in rows}[a1] == kept
    _tick(cls, [a1, b2], cls.days[1:], tr.admin)
    with _Statements() as seen:
        done = attendance.complete_class(cls.id, actor=tr.admin, on=END)
    assert (done.certified, done.incomplete) == (2, 2)
    assert len(seen.selects) == 1, seen.selects
    assert [tr.seat_status(s) for s in (a1, a2, b1, b2)] == [
        "completed",
        "incomplete",
        "incomplete",
        "completed",
    ]


def test_complete_before_the_last_day_is_refused(make, tr):
    dept = make.department()
    cls, _, _ = _class_with(tr, make, dept, 1)
    with pytest.raises(Conflict, match="complete it on or after that day"):
        attendance.complete_class(cls.id, actor=tr.admin, on=END - timedelta(days=1))


def test_completion_certifies_full_attendance_and_offers_makeups(make, tr):
    dept = make.department(sworn=10, joined=months_before(END, 13))
    make.officer(dept, chief=True, email="chief@c.example")
    later = tr.new_class(START + timedelta(days=60), on=ON, title="3-day teammate (autumn)")
    cls, people, seat_ids = _class_with(tr, make, dept, 2)
    full, partial = seat_ids
    _tick(cls, [full], cls.days, tr.admin)
    _tick(cls, [partial], cls.days[:2], tr.admin)
    full_id, partial_id = people[0].id, people[1].id
    with tenant_context(dept.id):
        assert department_quota(dept, END).state is QuotaState.NON_COMPLIANT
    done = attendance.complete_class(cls.id, actor=tr.admin, on=END)
    assert (done.certified, done.incomplete, done.makeups) == (1, 1, 1)
    assert (tr.seat_status(full), tr.seat_status(partial)) == ("completed", "incomplete")
    with tenant_context(dept.id):
        assert is_certified(full_id, END) and not is_certified(partial_id, END)
        cert = db.session.scalars(select(Certification)).one()
        assert (cert.source, cert.course, cert.certified_on, cert.renews_on) == (
            "class",
            "3-day teammate course",
            END,
            None,
        )
        makeup = db.session.scalars(
            select(Seat).where(Seat.class_id == later.id, Seat.user_id == partial_id)
        ).one()
        assert (makeup.status, makeup.makeup_for_id) == ("reserved", partial)
    jobs = db.session.scalars(select(MailJob)).all()
    bodies = " ".join(job.body for job in jobs)
    assert "Missed a day" in bodies and "Make-up" not in bodies
    subjects = [job.subject for job in jobs]
    assert any(s.startswith("Make-up seat for") for s in subjects)
    # the officer hears of it too, from the network
    told = [j.body for j in jobs if j.template == "seat_approved"]
    assert sum("the network reserved a make-up seat for you" in body for body in told) == 1
    with pytest.raises(Conflict, match="already complete"):
        attendance.complete_class(cls.id, actor=tr.admin, on=END)


def test_certificate_makes_officer_listable_and_department_compliant(make, tr):
    dept = make.department(sworn=10, joined=months_before(END, 13))
    cls, people, seat_ids = _class_with(tr, make, dept, 1)
    user = people[0]
    attach(user)
    user_id = user.id
    with tenant_context(dept.id), pytest.raises(InvalidInput, match="certification"):
        save_profile(user, ProfileInput(display_name="Pat", phone="312-555-0142"), today=END)
    _tick(cls, seat_ids, cls.days, tr.admin)
    attendance.complete_class(cls.id, actor=tr.admin, on=END)
    with tenant_context(dept.id):
        assert department_quota(dept, END).counted == 0  # certified, not listed yet
        member = db.session.scalars(select(type(user)).where(type(user).id == user_id)).one()
        save_profile(member, ProfileInput(display_name="Pat", phone="312-555-0142"), today=END)
        result = department_quota(dept, END)
    assert (result.counted, result.state) == (1, QuotaState.COMPLIANT)


def test_renewal_date_comes_from_settings(make, tr):
    settings.update_settings(
        small_min=0.07,
        small_target=0.10,
        large_min=0.02,
        large_target=0.03,
        renewal_months=24,
        actor=tr.admin,
    )
    dept = make.department()
    cls, _, seat_ids = _class_with(tr, make, dept, 1)
    _tick(cls, seat_ids, cls.days, tr.admin)
    attendance.complete_class(cls.id, actor=tr.admin, on=END)
    with tenant_context(dept.id):
        cert = db.session.scalars(select(Certification)).one()
    assert cert.renews_on == date(2028, 9, 16)


def test_renewal_date_from_configuration(app, ctx):
    app.config["CERTIFICATION_RENEWAL_MONTHS"] = 12
    try:
        assert settings.renewal_date(date(2024, 2, 29)) == date(2025, 2, 28)
        assert settings.renewal_date(date(2026, 1, 31)) == date(2027, 1, 31)
    finally:
        app.config.pop("CERTIFICATION_RENEWAL_MONTHS")
    assert settings.renewal_date(date(2026, 1, 31)) is None


def test_makeup_waits_for_the_next_class_created(make, tr):
    dept = make.department()
    cls, people, seat_ids = _class_with(tr, make, dept, 1)
    _tick(cls, seat_ids, cls.days[:1], tr.admin)
    done = attendance.complete_class(cls.id, actor=tr.admin, on=END)
    assert done.makeups == 0  # no later class yet
    person_id = people[0].id
    full = tr.new_class(START + timedelta(days=60), on=END, capacity=1)
    assert full  # creating a class offers the pending make-up seat
    with tenant_context(dept.id):
        seat = db.session.scalars(
            select(Seat).where(Seat.user_id == person_id, Seat.class_id == full.id)
        ).one()
        assert (seat.status, seat.makeup_for_id) == ("reserved", seat_ids[0])


def test_leftover_waiting_list_is_closed_with_the_class(make, tr):
    dept = make.department()
    cls, _, _ = _class_with(tr, make, dept, 1, capacity=1)
    waiting = tr.reserve(dept, cls.id, make.officer(dept), ON)
    attendance.complete_class(cls.id, actor=tr.admin, on=END)
    assert tr.seat_status(waiting) == "cancelled"


def test_completed_class_attendance_is_frozen(make, tr):
    dept = make.department()
    cls, _, seat_ids = _class_with(tr, make, dept, 1)
    attendance.complete_class(cls.id, actor=tr.admin, on=END)
    with pytest.raises(Conflict, match="complete"):
        attendance.set_attendance(
            cls.id, cls.days[0].id, seat_ids[0], present=True, actor=tr.admin, on=END
        )


def test_makeup_goes_to_a_later_class_with_room_else_the_first_waiting_list(make, tr):
    dept = make.department()
    full = tr.new_class(START + timedelta(days=30), on=ON, capacity=1)
    tr.reserve(dept, full.id, make.officer(dept), ON)
    roomy = tr.new_class(START + timedelta(days=60), on=ON, capacity=5)
    cls, people, seat_ids = _class_with(tr, make, dept, 2)
    a_id, b_id = people[0].id, people[1].id
    attendance.complete_class(cls.id, actor=tr.admin, on=END)  # nobody attended
    with tenant_context(dept.id):
        placed = db.session.execute(
            select(Seat.user_id, Seat.class_id, Seat.status).where(Seat.makeup_for_id.in_(seat_ids))
        ).all()
    assert sorted(placed) == [(a_id, roomy.id, "reserved"), (b_id, roomy.id, "reserved")]


def test_makeup_is_waitlisted_when_no_later_class_has_room(make, tr):
    dept = make.department()
    full = tr.new_class(START + timedelta(days=30), on=ON, capacity=1)
    tr.reserve(dept, full.id, make.officer(dept), ON)
    cls, people, seat_ids = _class_with(tr, make, dept, 1)
    person_id = people[0].id
    attendance.complete_class(cls.id, actor=tr.admin, on=END)
    with tenant_context(dept.id):
        seat = db.session.scalars(
            select(Seat).where(Seat.user_id == person_id, Seat.class_id == full.id)
        ).one()
    assert (seat.status, seat.makeup_for_id) == ("waitlisted", seat_ids[0])
