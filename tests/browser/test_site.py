"""The public site, the staff console and the resource library in a real browser, at phone
and desktop sizes, with axe reporting no serious or critical violations. The `page` fixture
fails any test whose pages request another origin or trip the CSP."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from tests.browser.conftest import axe_violations, screenshot
from wnwa.extensions import db
from wnwa.resources.models import PUBLISHED, Resource
from wnwa.site import facts
from wnwa.site.models import SiteRequest
from wnwa.training import classes
from wnwa.training.classes import ClassInput
from wnwa.us_states import network_day

TODAY = network_day()
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def _fits(page) -> None:
    """Nothing scrolls sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (page.url, width)


def _checked(page, name: str) -> None:
    assert axe_violations(page) == [], page.url
    _fits(page)
    screenshot(page, name)


def _network(live_server) -> None:
    with live_server.app.app_context():
        if db.session.scalar(select(Resource.id).limit(1)):
            return
        factories.department("Site Aurora PD", county="Kane")
        factories.department("Site Joliet PD", county="Will")
        admin = factories.staff("network_admin", email="site.admin.phone@wnwa.example")
        # one account per size: a two-step code is accepted once per account
        factories.staff("network_admin", email="site.admin.desktop@wnwa.example")
        days = [TODAY + timedelta(days=50 + i) for i in range(3)]
        classes.create_class(
            ClassInput(
                title="3-day teammate course",
                location="Lisle Police Training Center",
                days=days,
                capacity=24,
                seats_per_department=None,
                price_cents=45000,
                hours=24,
                registration_deadline=TODAY + timedelta(days=40),
            ),
            actor=admin,
            on=TODAY,
        )
        for title, category, kind in (
            ("Sleeping after nights", "sleep", "guide"),
            ("Money stress first steps", "finances", "guide"),
            ("Copline", "stress", "national_service"),
        ):
            db.session.add(
                Resource(
                    slug=title.lower().replace(" ", "-"),
                    kind=kind,
                    category=category,
                    title=title,
                    summary=f"About {title.lower()}.",
                    body="**Plain** advice.",
                    phone="1-800-267-5463" if kind == "national_service" else "",
                    state=PUBLISHED,
                    publish_on=TODAY - timedelta(days=1),
                )
            )
        db.session.commit()
        factories.officer(factories.department("Site Reader PD"), email="site.reader@pd.example")


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


@pytest.mark.parametrize("size", SIZES)
def test_visitor_reads_the_faq_and_sends_each_request(page, live_server, size):
    _network(live_server)
    page.set_viewport_size(SIZES[size])
    page.goto(live_server.url + "/")
    expect(page.locator("a[href='tel:988']").first).to_be_visible()
    _checked(page, f"site-home-{size}")
    page.goto(live_server.url + "/faq")
    with live_server.app.app_context():
        members = facts.membership()  # the live server is shared with other browser tests
    expect(page.locator("#member-count")).to_contain_text(f"{members.departments} departments")
    expect(page.locator("#member-counties")).to_contain_text("Kane County, IL")
    expect(page.locator("#next-class")).to_contain_text("Lisle Police Training Center")
    expect(page.locator("#next-class")).to_contain_text(
        (TODAY + timedelta(days=50)).strftime("%B %-d, %Y")
    )
    assert page.context.cookies() == []  # reading sets no cookie
    _checked(page, f"site-faq-{size}")

    # the member agencies list: a mistake first, answered in place, then the request
    page.goto(live_server.url + "/member-agencies")
    _checked(page, f"site-member-list-{size}")
    page.get_by_label("Your name").fill(f"Priya Nair {size}")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Department or organization").fill("Kane County Sheriff's Office")
    page.get_by_label("Why you would like the list").fill("We are thinking of joining.")
    page.get_by_role("button", name="Ask for the list").click()
    expect(page.locator("#member-list-area")).to_contain_text("Enter an email address like")
    assert axe_violations(page) == []
    page.get_by_label("Email").fill(f"pnair.{size}@kane.example")
    page.get_by_role("button", name="Ask for the list").click()
    page.wait_for_url("**/sent/member-list")
    expect(page.locator("h1")).to_have_text("Request received")

    page.goto(live_server.url + "/demo")
    _checked(page, f"site-demo-{size}")
    page.get_by_label("Your name").fill(f"Chief Ray Ortega {size}")
    page.get_by_label("Email").fill(f"rortega.{size}@elgin.example")
    page.get_by_label("Department", exact=True).fill("Elgin Police Department")
    page.get_by_label("Sworn officers in your department").fill("186")
    page.get_by_label("Video call").check()
    page.get_by_label("Preferred dates and times").fill("Tuesday mornings")
    page.get_by_role("button", name="Ask for the demo").click()
    page.wait_for_url("**/sent/demo")

    page.goto(live_server.url + "/contact")
    _checked(page, f"site-contact-{size}")
    page.get_by_label("Your name").fill(f"Dana Whitfield {size}")
    page.get_by_label("Email").fill(f"dana.{size}@oakbrook.example")
    page.get_by_label("Your message").fill("What would membership cost for 42 officers?")
    page.get_by_role("button", name="Send the message").click()
    page.wait_for_url("**/sent/contact")

    for url in ("/privacy", "/terms", "/crisis-lines", "/membership"):
        page.goto(live_server.url + url)
        assert axe_violations(page) == [], url
        _fits(page)
    with live_server.app.app_context():
        kinds = {r.kind for r in db.session.scalars(select(SiteRequest)) if size in r.name}
    assert kinds == {"member_list", "demo", "contact"}


@pytest.mark.parametrize("size", SIZES)
def test_network_admin_answers_requests_in_the_console(page, live_server, size):
    _network(live_server)
    with live_server.app.app_context():
        request = SiteRequest(
            kind="member_list",
            name=f"Console Requester {size}",
            email=f"console.{size}@example.org",
            organisation="Batavia Police Department",
            message="Considering membership.",
        )
        db.session.add(request)
        db.session.commit()
        request_id = request.id
    page.set_viewport_size(SIZES[size])
    _sign_in(page, live_server, f"site.admin.{size}@wnwa.example", mfa=True)
    page.goto(live_server.url + "/network/")
    expect(page.locator("#console-cards")).to_contain_text("Requests from the public site")
    _checked(page, f"console-{size}")
    page.get_by_role("link", name="Member agencies list requests").click()
    _checked(page, f"console-requests-{size}")
    page.get_by_role("link", name=f"Console Requester {size}").click()
    page.wait_for_url(f"**/network/requests/{request_id}")
    _checked(page, f"console-request-{size}")
    page.get_by_label("A note above the list (optional)").fill("Welcome aboard.")
    page.get_by_role("button", name="Approve and email the list").click()
    expect(page.locator("#request-status")).to_contain_text("Approved, list sent")
    page.get_by_label("Reply", exact=True).fill("Happy to talk on the phone too.")
    page.get_by_role("button", name="Send the reply").click()
    # a follow-up to a decided request: it goes out, and the decision stays
    expect(page.locator("main")).to_contain_text("Happy to talk on the phone too.")
    expect(page.locator("#request-status")).to_contain_text("Approved, list sent")


@pytest.mark.parametrize("size", SIZES)
def test_officer_finds_a_resource_by_search_and_by_category(page, live_server, size):
    _network(live_server)
    page.set_viewport_size(SIZES[size])
    _sign_in(page, live_server, "site.reader@pd.example", mfa=False)
    page.goto(live_server.url + "/resources/")
    _checked(page, f"resources-{size}")
    if size == "phone":  # the narrowest phones: the search box a line of its own
        page.set_viewport_size({"width": 360, "height": 800})
        _fits(page)
        assert page.get_by_label("Search the resources").bounding_box()["width"] >= 300
        assert page.get_by_label("Kind").bounding_box()["width"] >= 150
        page.set_viewport_size(SIZES[size])
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Search the resources").press_sequentially("money", delay=40)
    results = page.locator("#results")
    expect(results).to_contain_text("Money stress first steps")
    expect(results).not_to_contain_text("Sleeping after nights")
    assert page.evaluate("window.__sameDocument") is True  # updated in place
    page.goto(live_server.url + "/resources/")
    page.get_by_role("link", name="Sleep and shift work").click()
    expect(page.locator("#results")).to_contain_text("Sleeping after nights")
    expect(page.locator("#results")).not_to_contain_text("Copline")
    page.get_by_role("link", name="Sleeping after nights").click()
    expect(page.locator("article h1")).to_have_text("Sleeping after nights")
    _checked(page, f"resource-{size}")
    page.goto(live_server.url + "/news/")
    assert axe_violations(page) == []
    _fits(page)


def test_a_message_typed_into_an_expired_form_stays_in_the_form(page, live_server):
    """The visitor's session is gone when they press Send (the browser dropped its cookie):
    the refusal shows above the form, and every word typed is still in it."""
    page.goto(live_server.url + "/contact")
    page.get_by_label("Your name").fill("Dana Whitfield")
    page.get_by_label("Email").fill("dana.expired@oakbrook.example")
    message = "A long message about our 42 officers, written over a whole evening."
    page.get_by_label("Your message").fill(message)
    page.context.clear_cookies()
    page.get_by_role("button", name="Send the message").click()
    expect(page.locator("#alerts")).to_contain_text("form expired")
    expect(page.get_by_label("Your message")).to_have_value(message)
    expect(page.get_by_label("Email")).to_have_value("dana.expired@oakbrook.example")
    _checked(page, "site-contact-expired")
    with live_server.app.app_context():
        assert not db.session.scalars(
            select(SiteRequest).where(SiteRequest.email == "dana.expired@oakbrook.example")
        ).all()
