"""The professionals flow in Chromium: an applicant applies with documents, two vetters
assess and vote, an officer finds the listing by insurance, licence state, ZIP radius and
specialty and calls by tel: link; a deferred applicant reads the reason and re-apply date."""

from __future__ import annotations

from dataclasses import dataclass

import pyotp
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import axe_violations, screenshot, settled_boxes
from tests.professionals.conftest import license_file, sample
from wnwa.professionals import applications, vetting


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str


def staff(role: str):
    return factories.staff(role)


PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


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


def _context(browser):
    return browser.new_context(viewport={"width": 390, "height": 844})


def _apply(page, live_server) -> str:
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Apply to be listed with the network.").click()
    page.wait_for_url("**/professionals/apply")
    assert axe_violations(page) == []
    page.get_by_label("Full name, as licensed").fill("Dr. Morgan Ellery")
    page.get_by_label("Credentials after your name").fill("PsyD")
    page.get_by_label("License type").select_option("psychologist")
    page.get_by_label("State 1", exact=True).select_option("IL")
    page.get_by_label("License number 1", exact=True).fill("071.007701")
    page.get_by_label("State 2", exact=True).select_option("WI")
    page.get_by_label("License number 2", exact=True).fill("3011-57")
    page.get_by_label("Street address").fill("20 S Clark St")
    page.get_by_label("City").fill("Chicago")
    page.get_by_role("combobox", name="State", exact=True).select_option("IL")
    page.get_by_label("ZIP code").fill("60603")
    page.get_by_label("Phone officers call").fill("312-555-0177")
    page.locator("#email").fill("morgan.ellery@practice.example")
    page.get_by_label("PTSD and trauma").check()
    page.get_by_label("EMDR").check()
    page.get_by_label("Blue Cross Blue Shield").check()
    page.get_by_label("PPO", exact=True).check()
    page.get_by_label("I answer officers' calls 24/7").check()
    page.get_by_label("I do no fitness-for-duty evaluations").check()
    page.locator("#doc_license").set_input_files(
        {"name": "license.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_label("CV").set_input_files(
        {"name": "cv.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="Send my application").click()
    page.wait_for_url("**/professionals/status/**")
    expect(page.locator("#stage")).to_have_text("Received")
    screenshot(page, "professionals-applied")
    return page.url.split("?")[0]


def _vote(browser, live_server, vetter, *, assign: list | None = None) -> None:
    context = _context(browser)
    page = context.new_page()
    try:
        _sign_in(page, live_server, vetter.email, mfa=True)
        page.goto(live_server.url + "/network/professionals/")
        page.locator("#queue a", has_text="Dr. Morgan Ellery").click()
        page.wait_for_url("**/network/professionals/*")
        for other in assign or []:
            page.get_by_label("Assign a vetter").select_option(label=other.name)
            page.get_by_role("button", name="Assign").click()
            page.wait_for_load_state("networkidle")
        if assign:
            page.get_by_label("Kind").select_option("office")
            page.get_by_label("Date and time (Chicago time)").fill("2026-12-10T15:00")
            page.get_by_label("The assessment took place").check()
            page.get_by_label("Notes").fill("Office visit; ethics code reviewed.")
            page.get_by_role("button", name="Save the assessment").click()
            page.wait_for_load_state("networkidle")
            assert "recorded an office visit" in page.locator("#history").inner_text()
            assert axe_violations(page) == []
        page.get_by_label("Approve").check()
        page.get_by_role("button", name="Cast my vote").click()
        page.wait_for_load_state("networkidle")
        screenshot(page, f"professionals-vote-{vetter.id}")
    finally:
        context.close()


def test_apply_vet_list_and_find(page, browser, live_server):
    with live_server.app.app_context():
        a, b = (Person(s.id, s.email, s.name) for s in (staff("vetter"), staff("vetter")))
        dept = factories.department("Findtown Police Department")
        officer = Person(0, factories.officer(dept, email="finder@findtown.example").email, "")
    status_url = _apply(page, live_server)

    _vote(browser, live_server, a, assign=[a, b])
    _vote(browser, live_server, b)
    page.goto(status_url)
    expect(page.locator("#stage")).to_have_text("Listed")

    context = _context(browser)
    officer_page = context.new_page()
    try:
        _sign_in(officer_page, live_server, officer.email, mfa=False)
        officer_page.goto(live_server.url + "/professionals/")
        officer_page.get_by_label("Near ZIP code").fill("60601")
        officer_page.get_by_label("Within").select_option("10")
        officer_page.get_by_label("Specialty").select_option("ptsd")
        officer_page.get_by_label("Insurance carrier").select_option("bcbs")
        officer_page.locator("summary", has_text="More filters").click()
        officer_page.get_by_label("Licensed in my state").select_option("WI")
        officer_page.evaluate("window.__sameDocument = true")
        officer_page.get_by_role("button", name="Search").click()
        results = officer_page.locator("#results")
        expect(results).to_contain_text("Dr. Morgan Ellery")
        expect(results).to_contain_text(" mi")
        assert officer_page.evaluate("window.__sameDocument") is True
        call = results.locator("a.call").first
        expect(call).to_have_attribute("href", "tel:+13125550177")
        assert settled_boxes(call)[0]["height"] >= 44
        assert officer_page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(officer_page, "professionals-search")
        assert axe_violations(officer_page) == []
        officer_page.get_by_label("Licensed in my state").select_option("TX")
        expect(results).to_contain_text("No professionals match")
        officer_page.get_by_label("Licensed in my state").select_option("IL")
        expect(results).to_contain_text("Dr. Morgan Ellery")
        name = results.locator("h2 a[data-details]").first
        name.click()  # opens the details in place: no page in the history names them
        details = officer_page.locator("#" + name.get_attribute("aria-controls"))
        expect(details.locator(".guarantee")).to_contain_text("Answers calls 24/7")
        assert "Blue Cross Blue Shield" in details.locator(".insurance").inner_text()
        assert officer_page.evaluate("window.__sameDocument") is True
        assert officer_page.title() == "Mental-health professionals · WeNeverWalkAlone"
        details.get_by_role("button", name="This listing didn't work for me").click()
        expect(details).to_contain_text("Nothing about you was recorded")
        assert axe_violations(officer_page) == []
        officer_page.goto(live_server.url + name.get_attribute("href"))
        assert officer_page.title() == "Professional · WeNeverWalkAlone"
        assert "Answers calls 24/7" in officer_page.locator("main .guarantee").inner_text()
        assert "Blue Cross Blue Shield" in officer_page.locator("main .insurance").inner_text()
        screenshot(officer_page, "professionals-profile")
        assert axe_violations(officer_page) == []
    finally:
        context.close()


def test_a_deferred_applicant_sees_the_reason_and_reapply_date(page, live_server):
    with live_server.app.app_context():
        a, b = factories.staff("vetter"), factories.staff("vetter")
        p, token = applications.submit_application(
            sample(email="deferred@practice.example"), [license_file()]
        )
        for v in (a, b):
            vetting.assign(p.id, v.id, actor="tests")
        vetting.vote(p.id, choice="approve", reason="", actor=a)
        vetting.vote(
            p.id, choice="defer", reason="References from police work are needed.", actor=b
        )
        reapply = p.reapply_on
    page.goto(f"{live_server.url}/professionals/status/{token}")
    expect(page.locator("#stage")).to_have_text("Deferred")
    expect(page.locator("#deferred-reason")).to_have_text("References from police work are needed.")
    expect(page.locator("#reapply-on")).to_contain_text(str(reapply.year))
    expect(page.locator("#reapply-on")).to_contain_text(reapply.strftime("%b"))
    screenshot(page, "professionals-deferred")
    assert axe_violations(page) == []
