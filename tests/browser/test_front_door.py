"""The officer's front door in Chromium, on a phone (390x844) and a desktop (1280x800): sign-in
lands on peer search, the crisis strip stays on screen, result rows are compact with Call/Text
buttons of at least 44x44 px, "Show more" appends in place with the total count, the phone has
a tab bar and the desktop plain links (no Menu). And no main page of any role scrolls sideways
at 360 px. axe reports no serious or critical violation, in light and dark colour schemes."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import axe_violations, screenshot, settled_boxes
from tests.directory.conftest import make_supporter
from wnwa.directory.services import set_availability
from wnwa.extensions import db, utcnow
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 360, "height": 740}
_network: dict[str, object] = {}


def _front_door_network(live_server) -> dict[str, object]:
    """One officer's department and 31 supporters elsewhere, 3 of them available now."""
    if _network:
        return _network
    with live_server.app.app_context():
        home = factories.department("Frontdoor Police Department", county="Kane", state="IL")
        away = factories.department("Harbor Police Department", county="Cook", state="IL")
        factories.officer(home, email="front.door@frontdoor.example")
        factories.officer(home, email="front.chief@frontdoor.example", chief=True, mfa=True)
        factories.officer(home, email="front.finance@frontdoor.example", finance=True, mfa=True)
        factories.staff("network_admin", email="front.admin@wnwa.example")
        factories.staff("network_finance", email="front.finance@wnwa.example")
        ids = []
        for n in range(31):
            user = make_supporter(
                away,
                first_name=f"Peer{n:02d}",
                last_name="Harbor",
                topics="grief family",
                languages="en es" if n % 3 == 0 else "en",
                accepts_texts=n % 2 == 0,
            )
            ids.append(user.id)
        with tenant_context(away.id):
            for user_id in ids[:3]:
                member = db.session.scalars(select_user(user_id)).one()
                set_availability(member, "now", hours=8, now=utcnow())
    _network["ids"] = ids
    return _network


def select_user(user_id: int):
    from sqlalchemy import select

    return select(User).where(User.id == user_id)


def _sign_in(page, live_server, email: str, *, mfa: bool = False) -> None:
    page.goto(live_server.url + "/login")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_label("Password").press("Enter")
    if mfa:
        page.wait_for_url("**/login/code")
        page.get_by_label("Six-digit code").fill(pyotp.TOTP(factories.TOTP_SECRET).now())
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("networkidle")


def _assert_no_sideways_scroll(page, where: str) -> None:
    width = page.evaluate("document.documentElement.clientWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        culprits = page.evaluate(
            """w => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w + 0.5)
                .filter(e => !e.closest('.table-wrap') || e.classList.contains('table-wrap'))
                .slice(0, 5)
                .map(e => e.tagName + '.' + e.className + ' '
                     + Math.round(e.getBoundingClientRect().right))""",
            width,
        )
        raise AssertionError(
            f"{where} is {scroll - width}px wider than the {width}px screen: {culprits}"
        )


def test_officer_lands_on_search_and_calls_with_one_thumb_on_a_phone(page, live_server):
    _front_door_network(live_server)
    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, "front.door@frontdoor.example")
    assert page.url.endswith("/directory/")  # sign-in lands on peer search

    strip = page.get_by_role("complementary", name="Crisis lines")
    assert strip.get_by_role("link", name="Call 988").get_attribute("href") == "tel:988"
    assert strip.get_by_role("link", name="Text 988").get_attribute("href") == "sms:988"
    assert strip.locator("a").nth(2).get_attribute("href").startswith("tel:+1")

    results = page.locator("#results")
    expect(results.locator("li.supporter").first).to_be_visible()
    # other browser tests share the live server: narrow the search to this test's department
    page.get_by_label("Search by name, department, county or topic").fill("harbor")
    page.get_by_label("Search by name, department, county or topic").press("Enter")
    expect(results.get_by_role("status")).to_contain_text("31 peer supporters")
    expect(results.get_by_role("status")).to_contain_text("3 available now, listed first")
    rows = results.locator("li.supporter")
    assert rows.count() == 25
    assert all("is-now" in (rows.nth(i).get_attribute("class") or "") for i in range(3))
    first = rows.first
    assert (
        "Harbor Police Department" in first.inner_text() and "Cook County, IL" in first.inner_text()
    )
    assert "Available now, until" in first.inner_text()
    assert "Grief and loss" in first.inner_text()
    for box in settled_boxes(results.locator("a.call-btn")) + settled_boxes(
        results.locator("a.text-btn")
    ):
        assert box["width"] >= 44 and box["height"] >= 44, box
    calls = results.locator("a.call-btn")
    assert all(calls.nth(i).get_attribute("href").startswith("tel:+1312555") for i in range(25))
    assert results.locator("a.text-btn").first.get_attribute("href").startswith("sms:+1312555")
    # compact: 25 rows on a phone in well under the 5,400 px they used to take
    (listed,) = settled_boxes(results.locator("ol.supporters"))
    list_height = listed["height"]
    assert list_height < 3600, list_height

    # the tab bar, not a Menu; the header's tab links are hidden on a phone
    tabs = page.get_by_role("navigation", name="Sections")
    expect(tabs).to_be_visible()
    assert [t.strip() for t in tabs.locator("a").all_inner_texts()][:1] == ["Search"]
    assert "Crisis" in tabs.inner_text() and "Me" in tabs.inner_text()
    for box in settled_boxes(tabs.locator("a")):
        assert box["height"] >= 44
    assert page.locator("summary", has_text="Menu").count() == 0
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    _assert_no_sideways_scroll(page, "search on a phone")
    screenshot(page, "front-door-phone")
    assert axe_violations(page) == []

    # Show more: the next rows arrive in place, no page load, focus on the first new one
    page.evaluate("window.__sameDocument = true")
    url = page.url
    page.get_by_role("button", name="Show 6 more").click()
    expect(rows).to_have_count(31)
    assert page.evaluate("window.__sameDocument") is True and page.url == url
    # focus moves once htmx has settled the new rows, which can come a moment after they count
    # (a locator's wait, not wait_for_function: the page's CSP refuses the latter's eval)
    expect(page.locator(".supporter:focus")).to_have_count(1)
    assert page.locator("#more-results").count() == 0  # nothing left to show
    # the crisis strip is still on screen after scrolling to the bottom
    page.mouse.wheel(0, 20000)
    expect(strip).to_be_in_viewport()
    expect(tabs).to_be_in_viewport()

    tabs.get_by_role("link", name="Me").click()
    page.wait_for_url("**/me")
    assert "Frontdoor Police Department" in page.inner_text("main")
    assert axe_violations(page) == []
    page.get_by_role("main").get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url + "/")


def test_officer_front_door_on_a_desktop_has_plain_links(page, live_server):
    _front_door_network(live_server)
    page.set_viewport_size(DESKTOP)
    _sign_in(page, live_server, "front.door@frontdoor.example")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav).to_be_visible()
    for label in ("Search", "Crisis", "Me"):
        expect(main_nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    assert main_nav.get_by_role("link", name="Search").get_attribute("aria-current") == "page"
    expect(page.get_by_role("navigation", name="Sections")).to_be_hidden()
    assert page.locator("summary", has_text="Menu").count() == 0
    box = page.get_by_label("Search by name, department, county or topic")
    assert box.bounding_box()["height"] >= 48  # one large search box
    box.press_sequentially("peer05", delay=40)
    expect(page.locator("#results li.supporter")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("1 peer supporter")
    _assert_no_sideways_scroll(page, "search on a desktop")
    screenshot(page, "front-door-desktop")
    assert axe_violations(page) == []


@pytest.mark.parametrize("scheme", ["dark"])
def test_front_door_in_dark_mode_keeps_its_contrast(browser, live_server, scheme):
    _front_door_network(live_server)
    context = browser.new_context(viewport=PHONE, color_scheme=scheme)
    page = context.new_page()
    try:
        _sign_in(page, live_server, "front.door@frontdoor.example")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background != "rgb(255, 255, 255)"  # dark from prefers-color-scheme
        assert axe_violations(page) == []
        page.goto(live_server.url + "/crisis-lines")
        assert axe_violations(page) == []
    finally:
        context.close()


# Every main page, by role: none may be wider than a 360 px screen.
MAIN_PAGES = {
    None: ["/", "/crisis-lines", "/privacy", "/login", "/membership", "/training"],
    "front.door@frontdoor.example": [
        "/directory/",
        "@profile",
        "/me",
        "/directory/me",
        "/my-training/",
    ],
    "front.chief@frontdoor.example": [
        "/department/",
        "/department/roster",
        "/department/roster/import",
        "/department/roster/history",
        "/department/scim",
        "/department/peer-support/",
        "/department/peer-support/external",
        "/billing/",
    ],
    "front.admin@wnwa.example": [
        "/network/",
        "/network/departments/new",
        "/network/quota",
        "/network/quota/settings",
        "/network/training/",
        "/network/training/new",
        "/network/training/external",
    ],
    "front.finance@wnwa.example": [
        "/billing/network/",
        "/billing/network/tiers",
    ],
}


@pytest.mark.parametrize("who", list(MAIN_PAGES), ids=lambda w: (w or "visitor").split("@")[0])
def test_no_main_page_scrolls_sideways_at_360_px(page, live_server, who):
    _front_door_network(live_server)
    page.set_viewport_size(NARROW)
    if who:
        _sign_in(page, live_server, who, mfa=not who.startswith("front.door"))
    for path in MAIN_PAGES[who]:
        if path == "@profile":
            page.goto(live_server.url + "/directory/")
            path = page.locator("#results li.supporter h2 a").first.get_attribute("href")
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        _assert_no_sideways_scroll(page, path)


def test_tab_bar_labels_fit_at_360_px(page, live_server):
    _front_door_network(live_server)
    page.set_viewport_size(NARROW)
    _sign_in(page, live_server, "front.door@frontdoor.example")
    tabs = page.get_by_role("navigation", name="Sections").locator("a")
    for i in range(tabs.count()):
        box = tabs.nth(i).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
        # the label itself, not the link: a label cut short with an ellipsis overflows its span
        overflow = tabs.nth(i).evaluate(
            "a => [a, a.querySelector('span')].some(e => e.scrollWidth > e.clientWidth)"
        )
        assert not overflow, tabs.nth(i).inner_text()
    page.goto(live_server.url + "/directory/")
    spare = page.evaluate(
        """() => { const e = document.querySelector('#q'), s = getComputedStyle(e);
                   const c = document.createElement('canvas').getContext('2d'); c.font = s.font;
                   return e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)
                          - c.measureText(e.placeholder).width; }"""
    )
    assert spare >= 0  # the search box's hint is read whole
