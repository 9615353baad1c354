"""The officer hears about their own seat and certification, and the chief about quota status
changes: each message has a plain-text and an HTML part, delivered to a real SMTP server on
loopback."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.training.conftest import attach, months_before
from tests.training.test_attendance import END, _class_with, _tick
from tests.training.test_external import _submit
from tests.training.test_seats import ON, START
from wnwa.extensions import db
from wnwa.mail import drain
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context
from wnwa.training import attendance, external, seats
from wnwa.training.quota_service import send_reminders


def parts(message) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "988" in text and "988" in html  # the shared layout's footer
    return text, html


def only(smtp_server, address: str):
    drain()
    (message,) = smtp_server.to(address)
    return message


def test_an_approved_request_and_a_declined_one_reach_the_officer(make, tr, smtp_server):
    dept = make.department()
    cls = tr.new_class(START, capacity=5, on=ON, title="3-day teammate course")
    yes = make.officer(dept, first_name="Yolanda", email="yolanda@dept.example")
    no = make.officer(dept, first_name="Nate", email="nate@dept.example")
    attach(yes, no)
    with tenant_context(dept.id):
        asked = [seats.request_seat(o, class_id=cls.id, on=ON).id for o in (yes, no)]
        seats.approve_request(dept, asked[0], actor="chief", on=ON)
        seats.decline_request(dept, asked[1], actor="chief")
    approved = only(smtp_server, "yolanda@dept.example")
    assert approved["Subject"] == "Your seat in the 3-day teammate course is confirmed"
    text, html = parts(approved)
    assert "Hello Yolanda," in text and "Your chief approved your request" in text
    assert "September 14, 2026" in text and "/my-training" in html
    declined = only(smtp_server, "nate@dept.example")
    assert "was declined" in declined["Subject"]
    text, html = parts(declined)
    assert "Your chief declined your request" in text and "3-day teammate course" in html


def test_a_chief_who_takes_a_seat_is_not_told_to_ask_the_chief(make, tr, smtp_server):
    dept = make.department()
    cls = tr.new_class(START, capacity=5, on=ON, title="3-day teammate course")
    chief = make.officer(dept, chief=True, first_name="Morgan", email="morgan@dept.example")
    officer = make.officer(dept, first_name="Olive", email="olive@dept.example")
    attach(chief, officer)
    with tenant_context(dept.id):
        for member in (chief, officer):
            seats.reserve_seat(
                dept, class_id=cls.id, officer=member.employee_number, actor="chief", on=ON
            )
    text, html = parts(only(smtp_server, "morgan@dept.example"))
    assert "tell your chief" not in text and "tell your chief" not in html
    assert "cancel the seat on the peer-support page" in text
    text, _ = parts(only(smtp_server, "olive@dept.example"))
    assert "tell your chief as soon as you can" in text


def test_a_full_class_waitlists_the_officer_and_a_freed_seat_promotes_them(make, tr, smtp_server):
    a, b = make.department(), make.department()
    cls = tr.new_class(START, capacity=1, on=ON, title="Peer support basic")
    holder = tr.reserve(a, cls.id, make.officer(a), ON)
    waiting = make.officer(b, first_name="Wanda", email="wanda@bravo.example")
    tr.reserve(b, cls.id, waiting, ON)
    listed = only(smtp_server, "wanda@bravo.example")
    assert listed["Subject"] == "You are on the waiting list for the Peer support basic"
    text, html = parts(listed)
    assert "you are on the waiting list" in text and "waiting list" in html
    smtp_server.messages.clear()
    with tenant_context(a.id):
        seats.cancel_seat(a, holder, actor="chief a", on=ON)
    promoted = only(smtp_server, "wanda@bravo.example")
    assert (
        promoted["Subject"]
        == "A seat opened for you: Peer support basic starting September 14, 2026"
    )
    text, _ = parts(promoted)
    assert "you moved from the waiting list to a reserved seat" in text


def test_completing_a_class_tells_each_certified_officer(make, tr, smtp_server):
    dept = make.department(sworn=10, joined=months_before(END, 13))
    cls, people, seat_ids = _class_with(tr, make, dept, 2)
    _tick(cls, [seat_ids[0]], cls.days, tr.admin)
    _tick(cls, [seat_ids[1]], cls.days[:2], tr.admin)
    certified, missed = people[0].email, people[1].email
    drain()  # the seat reservations' messages
    smtp_server.messages.clear()
    attendance.complete_class(cls.id, actor=tr.admin, on=END)
    drain()
    subject = "You are certified as a peer supporter"
    (message,) = [m for m in smtp_server.messages if m["Subject"] == subject]
    assert message["To"] == certified
    text, html = parts(message)
    assert "certified on September 16, 2026" in text and "/directory/me" in html
    assert all(m["To"] != missed for m in smtp_server.messages if m["Subject"] == subject)


def test_external_training_decisions_reach_the_officer(make, tr, smtp_server):
    dept = make.department()
    good = make.officer(dept, email="good@dept.example")
    weak = make.officer(dept, email="weak@dept.example")
    good_id, weak_id = _submit(dept, good), _submit(dept, weak)
    external.accept_external(good_id, actor=tr.admin, on=ON)
    external.decline_external(weak_id, reason="Only 8 hours <b>in all</b>.", actor=tr.admin, on=ON)
    accepted = only(smtp_server, "good@dept.example")
    assert accepted["Subject"] == "Your external training was accepted"
    text, _ = parts(accepted)
    assert "Peer support basic certificate from Illinois Law Enforcement Peer Support" in text
    declined = only(smtp_server, "weak@dept.example")
    assert declined["Subject"] == "Your external training was not accepted"
    text, html = parts(declined)
    assert "Only 8 hours <b>in all</b>." in text
    assert "Only 8 hours &lt;b&gt;in all&lt;/b&gt;." in html  # escaped in the HTML part


def test_the_chief_hears_when_the_quota_status_changes_and_changes_back(make, tr, smtp_server):
    dept = make.department("Elm Grove PD", sworn=10, joined=months_before(ON, 13))
    make.officer(dept, chief=True, email="chief@elmgrove.example")
    supporter_id = tr.supporter(dept, ON).id
    assert send_reminders(ON).total == 0
    with tenant_context(dept.id):
        db.session.execute(update(User).where(User.id == supporter_id).values(active=False))
        db.session.commit()
    assert send_reminders(ON + timedelta(days=1)).sent == {"shortfall": 1}
    short = only(smtp_server, "chief@elmgrove.example")
    assert short["Subject"] == "Elm Grove PD: 1 peer supporter short of the minimum"
    text, html = parts(short)
    assert "It is 1 short of the minimum" in text and "/department/peer-support" in html
    smtp_server.messages.clear()
    with tenant_context(dept.id):
        db.session.execute(update(User).where(User.id == supporter_id).values(active=True))
        db.session.commit()
    assert send_reminders(ON + timedelta(days=2)).sent == {"compliant": 1}
    again = only(smtp_server, "chief@elmgrove.example")
    assert again["Subject"] == "Elm Grove PD: peer-support quota met again"
    text, _ = parts(again)
    assert "It meets the minimum again" in text
