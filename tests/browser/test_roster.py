"""A chief provisions a whole department in a real browser (phone viewport): upload, preview,
problems with line numbers, confirm 13,000 officers, then search and edit the roster."""

from __future__ import annotations

import csv
import io

import pyotp

from tests import factories
from tests.browser.conftest import axe_violations, screenshot

HEADER = ["Employee number", "First name", "Last name", "Work email", "Rank", "Sworn or civilian"]


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def _officers(count: int) -> list[list[str]]:
    ranks = ["Officer", "Officer", "Officer", "Sergeant", "Detective", "Lieutenant"]
    return [
        [
            f"{50000 + n}",
            f"Given{n}",
            f"Family{n}",
            f"officer{n}@bigcity.example.gov",
            ranks[n % len(ranks)],
            "Civilian" if n % 10 == 0 else "Sworn",
        ]
        for n in range(count)
    ]


def _sign_in_chief(page, live_server) -> None:
    with live_server.app.app_context():
        dept = factories.department("Big City Police Department", sworn=12_000)
        chief = factories.officer(
            dept,
            chief=True,
            first_name="Morgan",
            last_name="Hale",
            email="chief@bigcity.example.gov",
        )
        email = chief.email
    page.goto(live_server.url + "/login")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/login/code")
    page.get_by_label("Six-digit code").fill(pyotp.TOTP(factories.TOTP_SECRET).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("networkidle")


def _upload(page, data: bytes, name: str = "roster.csv") -> None:
    page.get_by_label("Roster file (CSV)").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Preview the import").click()
    page.locator("#preview-heading").wait_for(timeout=30_000)


def test_chief_provisions_13000_officers_through_the_web_page(page, live_server):
    _sign_in_chief(page, live_server)
    page.goto(live_server.url + "/department/roster/import")
    assert axe_violations(page) == []
    screenshot(page, "roster-import")

    bad = _officers(5)
    bad[1][3] = "not-an-email"
    bad[3][4] = '=HYPERLINK("http://evil.example")'
    _upload(page, _csv(bad), "bad.csv")
    errors = page.locator("#preview-errors")
    assert "Work email" in errors.locator("tr", has_text="not-an-email").inner_text()
    assert errors.locator("td").nth(0).inner_text() == "3"
    assert "formula-like values are refused" in errors.inner_text()
    assert page.get_by_role("button", name="Confirm: apply these changes").count() == 0
    assert axe_violations(page) == []
    screenshot(page, "roster-preview-problems")

    page.goto(live_server.url + "/department/roster/import")
    _upload(page, _csv(_officers(13_000)), "big-city.csv")
    assert page.locator("#count-adds").inner_text() == "13,000"
    assert page.locator("#count-errors").inner_text() == "0"
    assert page.locator("#count-departures").inner_text().startswith("none")
    assert axe_violations(page) == []
    screenshot(page, "roster-preview")
    page.get_by_role("button", name="Confirm: apply these changes").click()
    page.wait_for_url("**/department/roster", timeout=60_000)
    notice = page.get_by_role("status").first.inner_text()
    assert "Roster imported: 13,000 added" in notice
    assert "11,701 of 12,000 declared sworn officers" in page.content()
    assert "Showing 1–50 of 13,001 people." in page.content()
    assert axe_violations(page) == []
    screenshot(page, "roster-list")

    page.get_by_label("Search by the start of a last name, first name or employee number").fill(
        "Family4242"
    )
    page.locator(".roster-count", has_text="of 1 people").wait_for()
    page.get_by_role("link", name="Family4242, Given4242").click()
    page.wait_for_url("**/department/people/*")
    assert page.get_by_label("Rank").input_value() == "Officer"
    page.get_by_label("Rank").fill("Sergeant")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#person-message", has_text="Saved.").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "roster-person")

    page.goto(live_server.url + "/department/roster/history")
    assert "Roster imported" in page.content() and "Person edited" in page.content()
    assert axe_violations(page) == []
    page.goto(live_server.url + "/department/scim")
    page.get_by_label("Name of the token").fill("Okta production")
    page.get_by_role("button", name="Create a token").click()
    token = page.locator("#new-token").inner_text()
    assert token.startswith("wnwa_scim_")
    assert axe_violations(page) == []
    screenshot(page, "roster-scim")
    page.goto(live_server.url + "/department/scim")
    assert token not in page.content()
