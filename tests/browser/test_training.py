"""Peer-support training in a real browser (phone viewport): the public calculator and class
page, the chief's quota card and seat reservation, the trainer's attendance checklist."""

from __future__ import annotations

from datetime import date, timedelta

import pyotp
from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from tests.browser.conftest import axe_violations, screenshot
from wnwa.extensions import db
from wnwa.tenants.quota import band
from wnwa.tenants.scoping import tenant_context
from wnwa.training import classes, seats
from wnwa.training.classes import ClassInput
from wnwa.training.models import Seat
from wnwa.us_states import network_day

TODAY = network_day()


def _class(admin, start: date, *, title: str, location: str, capacity: int = 12) -> int:
    days = [start + timedelta(days=i) for i in range(3)]
    data = ClassInput(
        title=title,
        location=location,
        days=days,
        capacity=capacity,
        seats_per_department=None,
        price_cents=45000,
        hours=24,
        registration_deadline=min(start, TODAY + timedelta(days=20)) if start > TODAY else start,
    )
    return classes.create_class(data, actor=admin, on=min(TODAY, start - timedelta(days=30))).id


def _sign_in(page, live_server, email: str, mfa: bool) -> None:
    page.goto(live_server.url + "/login")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_label("Password").press("Enter")
    if mfa:
        page.wait_for_url("**/login/code")
        page.get_by_label("Six-digit code").fill(pyotp.TOTP(factories.TOTP_SECRET).now())
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("networkidle")


def test_public_calculator_and_next_class(page, live_server):
    with live_server.app.app_context():
        admin = factories.staff("network_admin")
        _class(
            admin,
            TODAY + timedelta(days=45),
            title="3-day teammate course",
            location="Bloomington Police Academy",
        )
    page.goto(live_server.url + "/membership")
    assert axe_violations(page) == []
    page.get_by_label("Your department's sworn strength").fill("250")
    result = page.locator("#quota-result")
    result.get_by_text("contributes").wait_for()
    expected = band(250)
    assert (
        f"A department of 250 sworn officers contributes {expected.minimum} to "
        f"{expected.target} peer supporters." in result.inner_text()
    )
    screenshot(page, "training-membership-calculator")
    page.get_by_label("Your department's sworn strength").fill("0")
    page.locator("#quota-result .error").wait_for()
    assert axe_violations(page) == []
    page.goto(live_server.url + "/training")
    assert "Bloomington Police Academy" in page.content()
    assert axe_violations(page) == []
    screenshot(page, "training-public")


def test_chief_sees_quota_and_reserves_a_seat(page, live_server):
    with live_server.app.app_context():
        admin = factories.staff("network_admin")
        dept = factories.department(
            "Browser Heights PD", sworn=120, joined=TODAY - timedelta(days=200)
        )
        chief = factories.officer(
            dept,
            chief=True,
            email="chief@browserheights.example",
            first_name="Casey",
            last_name="Chief",
        )
        officer = factories.officer(dept, first_name="Jordan", last_name="Reyes")
        number = officer.employee_number
        cls_id = _class(
            admin,
            TODAY + timedelta(days=30),
            title="3-day teammate course",
            location="Schaumburg Training Center",
            capacity=2,
        )
        chief_email = chief.email
    _sign_in(page, live_server, chief_email, mfa=True)
    page.goto(live_server.url + "/department/peer-support/")
    card = page.locator("#quota-card")
    assert "In grace period" in card.inner_text()
    assert "What to do next" in card.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "training-chief-overview")
    form = page.locator(f"#class-{cls_id}")
    form.get_by_label("Officer (employee/badge number or work email)").fill("nobody")
    form.get_by_role("button", name="Reserve a seat").click()
    page.locator(f"#class-{cls_id} [role=alert]").wait_for()
    assert "No active member" in page.locator(f"#class-{cls_id}").inner_text()
    assert axe_violations(page) == []
    field = page.locator(f"#class-{cls_id}").get_by_label(
        "Officer (employee/badge number or work email)"
    )
    field.fill(number)
    field.press("Enter")
    page.wait_for_load_state("networkidle")
    seats_table = page.locator("section[aria-labelledby=our-seats] table")
    seats_table.get_by_text("Jordan Reyes").wait_for()
    assert "reserved" in seats_table.inner_text()
    screenshot(page, "training-chief-reserved")
    page.goto(live_server.url + "/department/peer-support/external")
    assert axe_violations(page) == []
    screenshot(page, "training-chief-external")


def test_trainer_ticks_attendance_on_a_phone(page, live_server):
    with live_server.app.app_context():
        admin = factories.staff("network_admin", email="trainer@wnwa.example")
        dept = factories.department("Checklist PD")
        names = [("Avery", "Stone"), ("Blake", "Rivera"), ("Casey", "Nguyen")]
        numbers = [
            factories.officer(dept, first_name=first, last_name=last).employee_number
            for first, last in names
        ]
        start = TODAY - timedelta(days=2)
        cls_id = _class(admin, start, title="3-day teammate course", location="Joliet")
        with tenant_context(dept.id):
            for number in numbers:
                seats.reserve_seat(
                    dept,
                    class_id=cls_id,
                    officer=number,
                    actor="chief",
                    on=start - timedelta(days=20),
                )
        cls = classes.get_class(cls_id)
        day_ids = [d.id for d in cls.days]
        dept_id = dept.id
    _sign_in(page, live_server, "trainer@wnwa.example", mfa=True)
    page.goto(f"{live_server.url}/network/training/{cls_id}/days/{day_ids[0]}")
    assert axe_violations(page) == []
    for name in ("Avery Stone", "Casey Nguyen"):
        box = page.get_by_role("checkbox", name=name)
        box.check()
    expect(page.locator(".att-status .present")).to_have_count(2)
    screenshot(page, "training-attendance-day1")
    page.get_by_role("checkbox", name="Casey Nguyen").uncheck()
    expect(page.locator(".att-status .present")).to_have_count(1)
    page.reload()
    assert page.get_by_role("checkbox", name="Avery Stone").is_checked()
    assert not page.get_by_role("checkbox", name="Casey Nguyen").is_checked()
    for day_id in day_ids[1:]:
        page.goto(f"{live_server.url}/network/training/{cls_id}/days/{day_id}")
        page.get_by_role("checkbox", name="Avery Stone").check()
        expect(page.locator(".att-status .present")).to_have_count(1)
    page.goto(f"{live_server.url}/network/training/{cls_id}")
    assert axe_violations(page) == []
    viewport = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 800})  # the seats table scrolls in its box
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size(viewport)
    page.get_by_role("button", name="Complete the class and issue certificates").click()
    page.get_by_text("1 certified, 2 missed a day").wait_for()
    screenshot(page, "training-class-complete")
    with live_server.app.app_context(), tenant_context(dept_id):
        statuses = sorted(db.session.scalars(select(Seat.status).where(Seat.class_id == cls_id)))
    assert statuses == ["completed", "incomplete", "incomplete"]


def test_admin_pages_are_accessible(page, live_server):
    with live_server.app.app_context():
        factories.staff("network_admin", email="quota.admin@wnwa.example")
        factories.department("Axe PD", sworn=80, joined=TODAY - timedelta(days=400))
    _sign_in(page, live_server, "quota.admin@wnwa.example", mfa=True)
    for path, name in (
        ("/network/quota", "training-admin-quota"),
        ("/network/quota/settings", "training-admin-settings"),
        ("/network/training/", "training-admin-classes"),
        ("/network/training/new", "training-admin-class-form"),
        ("/network/training/external", "training-admin-external"),
    ):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path
        screenshot(page, name)
    page.goto(live_server.url + "/network/training/new")
    page.get_by_label("Title").fill("4-day leader course")
    page.get_by_label("Location").fill("Springfield")
    page.get_by_label("Day 1", exact=True).fill((TODAY + timedelta(days=41)).isoformat())
    page.get_by_label("Day 2", exact=True).fill((TODAY + timedelta(days=40)).isoformat())
    page.get_by_label("Registration deadline").fill((TODAY + timedelta(days=30)).isoformat())
    page.get_by_label("Capacity (seats)").fill("20")
    page.get_by_label("Hours of instruction").fill("32")
    page.get_by_label("Price per seat (US$)").fill("650")
    page.get_by_role("button", name="Save class").click()
    page.get_by_text("Class days must be in date order").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "training-admin-class-form-error")


def test_officer_asks_the_chief_for_a_seat(page, live_server):
    with live_server.app.app_context():
        admin = factories.staff("network_admin")
        dept = factories.department("Request Grove PD")
        email = factories.officer(dept, email="officer@requestgrove.example").email
        _class(
            admin,
            TODAY + timedelta(days=60),
            title="4-day leader course",
            location="Elgin Community College",
        )
    _sign_in(page, live_server, email, mfa=False)
    page.goto(live_server.url + "/my-training/")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Ask my chief for a seat in the 4-day leader course").click()
    page.get_by_text("asked, waiting for your chief").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "training-officer")
