from tests import factories
from tests.browser.conftest import axe_violations, screenshot


def _officer(live_server):
    with live_server.app.app_context():
        dept = factories.department("Browserville Police Department")
        officer = factories.officer(dept, email="browser.officer@browserville.example")
        return officer.email


def test_officer_signs_in_with_the_keyboard(page, live_server):
    email = _officer(live_server)
    page.goto(live_server.url + "/login")
    screenshot(page, "login")
    assert axe_violations(page) == []
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/directory/")  # an officer lands on peer search
    assert "Find a peer supporter" in page.content()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url + "/")


def test_skip_link_is_first_in_tab_order(page, live_server):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"


def test_public_pages_have_no_serious_accessibility_violations(page, live_server):
    for path in ("/", "/crisis-lines", "/privacy"):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path
    screenshot(page, "privacy")
