"""Live search in Chromium: type, see results change without a page load, call by tel: link."""

from __future__ import annotations

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import axe_violations, screenshot
from tests.directory.conftest import make_supporter


def _network(live_server) -> str:
    with live_server.app.app_context():
        home = factories.department("Livetown Police Department", county="Kane", state="IL")
        other = factories.department("Riverside Police Department", county="Cook", state="IL")
        far = factories.department("El Paso Police Department", county="El Paso", state="TX")
        factories.officer(home, email="live.search@livetown.example")
        make_supporter(home, display_name="Hidden Colleague", topics="grief")
        make_supporter(
            other,
            display_name="Grace Whitfield",
            topics="grief family",
            bio="Widowed in 2020. Happy to talk, any shift.",
            accepts_texts=True,
        )
        make_supporter(
            far,
            display_name="Marco Delgado",
            topics="substance military",
            languages="en es",
            bio="Sober since 2016, Army veteran.",
        )
        return "live.search@livetown.example"


def test_live_search_updates_results_and_calls_by_tel(page, live_server):
    email = _network(live_server)
    page.goto(live_server.url + "/login")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/directory/")
    page.goto(live_server.url + "/directory/")
    results = page.locator("#results")
    assert "Grace Whitfield" in results.inner_text()
    assert "Hidden Colleague" not in results.inner_text()
    page.evaluate("window.__sameDocument = true")
    history_before = page.evaluate("history.length")
    full_loads: list[str] = []
    page.on("framenavigated", lambda frame: full_loads.append(frame.url))
    box = page.get_by_label("Search by name, department, county or topic")
    box.press_sequentially("sober", delay=60)
    expect(results).to_contain_text("Marco Delgado")
    expect(results).not_to_contain_text("Grace Whitfield")
    assert page.evaluate("window.__sameDocument") is True  # no full page load
    assert "sober" not in page.url  # live searches stay out of the browser history
    assert page.evaluate("history.length") == history_before
    tel = page.locator("#results a.call-btn").first
    assert tel.get_attribute("href").startswith("tel:+1312555")
    screenshot(page, "directory-live-search")
    assert axe_violations(page) == []

    box.fill("")
    expect(results).to_contain_text("Grace Whitfield")  # the emptied box's search has answered
    page.get_by_text("Include my own department").click()
    expect(results).to_contain_text("Hidden Colleague")
    assert page.evaluate("window.__sameDocument") is True
    # A name opens the supporter's details in place: no new page, so nothing in the history
    # (or the title) of a shared computer says whom the officer looked at.
    title, history_before = page.title(), page.evaluate("history.length")
    name = page.locator("#results a[data-details]", has_text="Grace Whitfield")
    name.click()
    details = page.locator("#" + name.get_attribute("aria-controls"))
    expect(details).to_contain_text("Widowed in 2020")
    expect(name).to_have_attribute("aria-expanded", "true")
    assert page.evaluate("window.__sameDocument") is True
    assert (page.title(), page.evaluate("history.length")) == (title, history_before)
    assert "/directory/" == page.url.removeprefix(live_server.url)
    screenshot(page, "directory-details-in-place")
    assert axe_violations(page) == []
    name.click()  # the name again closes them
    expect(details).to_be_empty()
    expect(name).to_have_attribute("aria-expanded", "false")
    name.click()
    expect(details).to_contain_text("Widowed in 2020")
    details.get_by_role("button", name="Hide details").click()
    expect(details).to_be_empty()
    expect(name).to_be_focused()

    # Without JavaScript the name is a plain link to the supporter's page, titled plainly.
    page.goto(live_server.url + name.get_attribute("href"))
    assert page.title() == "Peer supporter · WeNeverWalkAlone"
    assert "Widowed in 2020" in page.content()
    assert page.locator("main a.call").get_attribute("href").startswith("tel:+1312555")
    assert page.locator("main a", has_text="Text").get_attribute("href").startswith("sms:+1312555")
    screenshot(page, "directory-profile")
    assert axe_violations(page) == []


def test_my_listing_page_is_accessible(page, live_server):
    with live_server.app.app_context():
        dept = factories.department("Listing Police Department")
        me = make_supporter(dept, display_name="Pat Listed")
        email = me.email
    page.goto(live_server.url + "/login")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/directory/")
    page.goto(live_server.url + "/directory/me")
    page.get_by_role("radio", name="Available now").check()
    page.get_by_role("button", name="Set availability").click()
    page.wait_for_url("**/directory/me?saved=availability")
    assert "Available now, until" in page.content()
    screenshot(page, "directory-me")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Unlist me now").click()
    page.wait_for_url("**/directory/me?saved=listing")
    assert "not listed" in page.content()
