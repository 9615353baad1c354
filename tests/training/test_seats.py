"""Seats: reservations for named officers, the waiting list, seats per department, cancelling
before the deadline, officers' own requests, and tenant isolation of seat ids."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.training.conftest import attach
from wnwa.audit import AuditEntry
from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context
from wnwa.training import seats
from wnwa.training.models import Seat
from wnwa.us_states import network_day

START = date(2026, 9, 14)
ON = date(2026, 8, 1)


def test_reserve_by_employee_number_or_email(make, tr):
    dept = make.department()
    cls = tr.new_class(START, on=ON)
    a, b = make.officer(dept), make.officer(dept, email="second.officer@dept.example")
    b_id = b.id
    first = tr.reserve(dept, cls.id, a, ON)
    with tenant_context(dept.id):
        second = seats.reserve_seat(
            dept, class_id=cls.id, officer=" Second.Officer@Dept.example ", actor="chief", on=ON
        )
        assert second.user_id == b_id
    assert tr.seat_status(first) == "reserved"
    assert (
        "training.seat_reserved"
        in db.session.scalars(
            select(AuditEntry.action).execution_options(unscoped=True)  # the whole trail
        ).all()
    )


def test_unknown_officer_is_a_clear_error(make, tr):
    dept, other = make.department(), make.department()
    cls = tr.new_class(START, on=ON)
    stranger = make.officer(other)
    gone = make.officer(dept, active=False)
    for reference, message in (
        ("", "Give the officer's employee/badge number or work email."),
        ("E99999", "No active member of your department has the employee number or email"),
        (stranger.employee_number, "No active member"),
        (gone.employee_number, "No active member"),
    ):
        with tenant_context(dept.id), pytest.raises(InvalidInput, match=message):
            seats.reserve_seat(dept, class_id=cls.id, officer=reference, actor="c", on=ON)


def test_full_class_puts_names_on_the_waiting_list_in_order(make, tr):
    dept = make.department()
    cls = tr.new_class(START, capacity=2, on=ON)
    ids = [tr.reserve(dept, cls.id, make.officer(dept), ON) for _ in range(4)]
    assert [tr.seat_status(i) for i in ids] == ["reserved", "reserved", "waitlisted", "waitlisted"]
    with tenant_context(dept.id):
        queue = db.session.scalars(
            select(Seat.queue_no).where(Seat.id.in_(ids[2:])).order_by(Seat.id)
        ).all()
    assert queue[0] < queue[1]


def test_seats_per_department_limit_waitlists_the_extra(make, tr):
    a, b = make.department(), make.department()
    cls = tr.new_class(START, capacity=5, seats_per_department=1, on=ON)
    first = tr.reserve(a, cls.id, make.officer(a), ON)
    extra = tr.reserve(a, cls.id, make.officer(a), ON)
    other = tr.reserve(b, cls.id, make.officer(b), ON)
    assert [tr.seat_status(i) for i in (first, extra, other)] == [
        "reserved",
        "waitlisted",
        "reserved",
    ]


def test_one_seat_per_officer_per_class(make, tr):
    dept = make.department()
    cls = tr.new_class(START, on=ON)
    user = make.officer(dept)
    tr.reserve(dept, cls.id, user, ON)
    with pytest.raises(Conflict, match="already has a seat in this class"):
        tr.reserve(dept, cls.id, user, ON)


def test_reservations_close_after_the_deadline(make, tr):
    dept = make.department()
    cls = tr.new_class(START, on=ON, deadline=START - timedelta(days=5))
    user = make.officer(dept)
    with pytest.raises(Conflict, match="Registration for this class closed on Sep 9, 2026"):
        tr.reserve(dept, cls.id, user, START - timedelta(days=4))
    assert tr.reserve(dept, cls.id, user, START - timedelta(days=5))


def test_unknown_class_is_not_found(make, tr):
    dept = make.department()
    with pytest.raises(NotFound):
        tr.reserve(dept, 999_999, make.officer(dept), ON)


def test_cancel_before_deadline_promotes_the_waiting_list_and_tells_its_chief(make, tr):
    a, b = make.department(), make.department()
    make.officer(b, chief=True, email="chief.b@bravo.example")
    cls = tr.new_class(START, capacity=1, on=ON)
    held = tr.reserve(a, cls.id, make.officer(a), ON)
    waiting = tr.reserve(b, cls.id, make.officer(b, first_name="Wanda"), ON)
    with tenant_context(a.id):
        seats.cancel_seat(a, held, actor="chief a", on=ON)
    assert tr.seat_status(held) == "cancelled"
    assert tr.seat_status(waiting) == "reserved"
    mails = db.session.scalars(select(MailJob).where(MailJob.to == "chief.b@bravo.example")).all()
    assert len(mails) == 1 and "Wanda" in mails[0].body and "waiting list" in mails[0].body


def test_cancel_after_deadline_is_refused(make, tr):
    dept = make.department()
    cls = tr.new_class(START, on=ON)
    held = tr.reserve(dept, cls.id, make.officer(dept), ON)
    with tenant_context(dept.id), pytest.raises(Conflict, match="deadline .* has passed"):
        seats.cancel_seat(dept, held, actor="chief", on=START)
    assert tr.seat_status(held) == "reserved"


def test_network_admin_may_cancel_after_the_deadline(make, tr):
    dept = make.department()
    cls = tr.new_class(START, capacity=1, on=ON)
    held = tr.reserve(dept, cls.id, make.officer(dept), ON)
    waiting = tr.reserve(dept, cls.id, make.officer(dept), ON)
    seats.admin_cancel_seat(cls.id, held, actor=tr.admin, on=START - timedelta(days=1))
    assert (tr.seat_status(held), tr.seat_status(waiting)) == ("cancelled", "reserved")


def test_a_network_admin_cancels_a_seat_only_in_the_class_named(make, tr):
    dept = make.department()
    cls, other = tr.new_class(START, on=ON), tr.new_class(START, on=ON)
    held = tr.reserve(dept, cls.id, make.officer(dept), ON)
    for wrong in (other.id, 987654):
        with pytest.raises(NotFound, match="No such seat in this class"):
            seats.admin_cancel_seat(wrong, held, actor=tr.admin, on=ON)
    assert tr.seat_status(held) == "reserved"


def test_a_place_freed_once_the_class_has_begun_goes_to_nobody(make, tr):
    """Certification needs every day: promoting someone on the class's last day would only
    make them "incomplete"."""
    dept = make.department()
    cls = tr.new_class(START, capacity=1, on=ON)
    held = tr.reserve(dept, cls.id, make.officer(dept), ON)
    waiting = tr.reserve(dept, cls.id, make.officer(dept, email="waiting@dept.example"), ON)
    seats.admin_cancel_seat(cls.id, held, actor=tr.admin, on=START)
    assert (tr.seat_status(held), tr.seat_status(waiting)) == ("cancelled", "waitlisted")
    promoted = db.session.scalars(
        select(MailJob).where(
            MailJob.to == "waiting@dept.example", MailJob.template == "seat_promoted"
        )
    ).all()
    assert promoted == []


def test_cancelled_seat_can_be_reserved_again(make, tr):
    dept = make.department()
    cls = tr.new_class(START, on=ON)
    user = make.officer(dept)
    held = tr.reserve(dept, cls.id, user, ON)
    with tenant_context(dept.id):
        seats.cancel_seat(dept, held, actor="chief", on=ON)
    attach(user)
    again = tr.reserve(dept, cls.id, user, ON)
    assert again == held and tr.seat_status(again) == "reserved"


def test_chief_cannot_touch_another_departments_seat(make, tr):
    a, b = make.department(), make.department()
    cls = tr.new_class(START, on=ON)
    theirs = tr.reserve(b, cls.id, make.officer(b), ON)
    with tenant_context(a.id):
        for action in (
            lambda: seats.cancel_seat(a, theirs, actor="a", on=ON),
            lambda: seats.approve_request(a, theirs, actor="a", on=ON),
            lambda: seats.decline_request(a, theirs, actor="a"),
        ):
            with pytest.raises(NotFound):
                action()
    assert tr.seat_status(theirs) == "reserved"


def test_officer_request_then_chief_approves(make, tr):
    dept = make.department()
    make.officer(dept, chief=True, email="chief@dept.example")
    cls = tr.new_class(START, capacity=1, on=ON)
    officer = make.officer(dept)
    attach(officer)
    with tenant_context(dept.id):
        seat = seats.request_seat(officer, class_id=cls.id, on=ON)
        seat_id = seat.id
        assert (seat.status, seat.requested_by_officer) == ("requested", True)
        with pytest.raises(Conflict, match="already have a seat or a request"):
            seats.request_seat(officer, class_id=cls.id, on=ON)
    assert db.session.scalars(select(MailJob.to)).all() == ["chief@dept.example"]
    assert db.session.scalars(
        select(AuditEntry.action).execution_options(unscoped=True)  # the whole trail
    ).all() == ["training.class_created"]
    with tenant_context(dept.id):
        seats.approve_request(dept, seat_id, actor="chief", on=ON)
        with pytest.raises(Conflict, match="already handled"):
            seats.approve_request(dept, seat_id, actor="chief", on=ON)
    assert tr.seat_status(seat_id) == "reserved"


def test_requests_do_not_hold_places(make, tr):
    dept = make.department()
    cls = tr.new_class(START, capacity=1, on=ON)
    asker = make.officer(dept)
    attach(asker)
    with tenant_context(dept.id):
        request_id = seats.request_seat(asker, class_id=cls.id, on=ON).id
    taken = tr.reserve(dept, cls.id, make.officer(dept), ON)
    assert tr.seat_status(taken) == "reserved"
    with tenant_context(dept.id):
        seats.approve_request(dept, request_id, actor="chief", on=ON)
    assert tr.seat_status(request_id) == "waitlisted"


def test_chief_declines_and_officer_may_ask_again(make, tr):
    dept = make.department()
    cls = tr.new_class(START, on=ON)
    officer = make.officer(dept)
    attach(officer)
    with tenant_context(dept.id):
        seat_id = seats.request_seat(officer, class_id=cls.id, on=ON).id
        seats.decline_request(dept, seat_id, actor="chief")
    assert tr.seat_status(seat_id) == "declined"
    attach(officer)
    with tenant_context(dept.id):
        assert seats.request_seat(officer, class_id=cls.id, on=ON).id == seat_id
    assert tr.seat_status(seat_id) == "requested"


def test_officer_withdraws_a_pending_request_leaving_nothing(make, tr):
    dept = make.department()
    cls = tr.new_class(START, on=ON)
    officer, other = make.officer(dept), make.officer(dept)
    attach(officer, other)
    with tenant_context(dept.id):
        seat_id = seats.request_seat(officer, class_id=cls.id, on=ON).id
        with pytest.raises(NotFound):
            seats.withdraw_request(other, seat_id)
        seats.withdraw_request(officer, seat_id)
        assert db.session.scalars(select(Seat)).all() == []


def test_officer_cannot_withdraw_an_answered_request(make, tr):
    dept = make.department()
    cls = tr.new_class(START, on=ON)
    officer = make.officer(dept)
    attach(officer)
    with tenant_context(dept.id):
        seat_id = seats.request_seat(officer, class_id=cls.id, on=ON).id
        seats.approve_request(dept, seat_id, actor="chief", on=ON)
        with pytest.raises(Conflict, match="already answered"):
            seats.withdraw_request(officer, seat_id)


def test_officer_request_after_deadline_is_refused(make, tr):
    dept = make.department()
    cls = tr.new_class(START, on=ON)
    officer = make.officer(dept)
    attach(officer)
    with tenant_context(dept.id), pytest.raises(Conflict, match="closed"):
        seats.request_seat(officer, class_id=cls.id, on=START)


def test_department_seats_lists_only_the_bound_department(make, tr):
    a, b = make.department(), make.department()
    cls = tr.new_class(START, on=ON)
    tr.reserve(a, cls.id, make.officer(a, first_name="Ann"), ON)
    tr.reserve(b, cls.id, make.officer(b, first_name="Bert"), ON)
    with tenant_context(a.id):
        shown = seats.department_seats(ON)
    assert [s.name.split()[0] for s in shown] == ["Ann"]
    assert shown[0].can_cancel is True


def test_someone_who_leaves_the_roster_gives_up_their_seat_and_requests(make, tr):
    """Their place goes to whoever waits; nobody is seated, emailed or certified after leaving."""
    from wnwa.roster.people import depart_person

    today = network_day()  # a departure happens today
    a, b = make.department(), make.department()
    cls = tr.new_class(today + timedelta(days=45), capacity=1, on=today)
    other = tr.new_class(today + timedelta(days=75), capacity=1, on=today)
    leaving = make.officer(a)
    held = tr.reserve(a, cls.id, leaving, today)
    queued = tr.reserve(a, other.id, make.officer(a), today)
    waiting_later = tr.reserve(a, other.id, leaving, today)
    waiting = tr.reserve(b, cls.id, make.officer(b, email="next.in.line@bravo.example"), today)
    with tenant_context(a.id):
        depart_person(a, leaving.id, actor="chief a")
    assert tr.seat_status(held) == "cancelled"
    assert tr.seat_status(waiting_later) == "cancelled"
    assert tr.seat_status(queued) == "reserved"
    assert tr.seat_status(waiting) == "reserved"
    told = db.session.scalars(
        select(MailJob.template).where(MailJob.to == "next.in.line@bravo.example")
    ).all()
    assert "seat_promoted" in told


def test_a_seat_message_queued_before_the_officer_left_is_not_sent(make, tr, ctx):
    """Reserved, then gone from the roster before the mail went out: the message about a seat
    they no longer hold reaches nobody (nor a corrected address's old mailbox)."""
    from wnwa import mail
    from wnwa.roster.people import depart_person

    today = network_day()
    dept = make.department()
    cls = tr.new_class(today + timedelta(days=45), on=today)
    leaving = make.officer(dept, email="leaving.soon@dept.example")
    tr.reserve(dept, cls.id, leaving, today)
    queued = db.session.scalars(select(MailJob).where(MailJob.to == leaving.email)).all()
    assert [job.template for job in queued] == ["seat_approved"]
    with tenant_context(dept.id):
        depart_person(dept, leaving.id, actor="chief")
    db.session.commit()
    for job in queued:
        assert mail.render_stored(job.template, job.context, job.to) is None
    staying = make.officer(dept, email="old.address@dept.example")
    tr.reserve(dept, cls.id, staying, today)
    [job] = db.session.scalars(select(MailJob).where(MailJob.to == "old.address@dept.example"))
    assert mail.render_stored(job.template, job.context, job.to) is not None
    with tenant_context(dept.id):
        db.session.get(User, staying.id).email = "new.address@dept.example"
        db.session.commit()
    assert mail.render_stored(job.template, job.context, job.to) is None
