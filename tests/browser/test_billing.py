"""Billing screens in Chromium: department finance, network finance and the public quote.

The live server uses the fake gateway (localstripe needs no browser to be exercised; see
tests/billing/test_localstripe_e2e.py). Screenshots go to /tmp/wnwa-screens/billing-*.png.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest

from tests import factories
from tests.browser.conftest import axe_violations, screenshot
from wnwa.billing import contracts
from wnwa.billing.fake_gateway import FakeGateway
from wnwa.billing.runtime import CLOCK_KEY, GATEWAY_KEY


@pytest.fixture(scope="module")
def billing_world(live_server):
    app = live_server.app
    fake = FakeGateway(
        lambda: datetime(2026, 3, 2, 15, tzinfo=UTC),
        webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"],
        hosted_card_page=False,
    )
    app.extensions[GATEWAY_KEY] = fake
    app.extensions[CLOCK_KEY] = fake.today
    with app.app_context():
        staff = factories.staff("network_finance", email="browser.netfin@wnwa.example")
        people = {}
        for name, sworn, email in (
            ("Billing Browser PD", 42, "browser.finance@bbpd.example"),
            ("Second Browser PD", 7, "second.finance@sbpd.example"),
        ):
            dept = factories.department(name, sworn=sworn)
            for _ in range(sworn):
                factories.officer(dept)
            people[name] = factories.officer(dept, finance=True, sworn=False, email=email).email
            contract_id = contracts.create_contract(
                department_id=dept.id,
                pay_by="invoice",
                billing_contact="Casey Ledger",
                billing_email=email,
                po_number="PO-2026-0042",
                actor=staff,
            )
            contracts.activate_contract(fake, contract_id, today=fake.today(), actor=staff)
        staff_email = staff.email
    try:
        yield {"finance": people["Billing Browser PD"], "staff": staff_email}
    finally:
        app.extensions.pop(GATEWAY_KEY, None)
        app.extensions.pop(CLOCK_KEY, None)


def _overflowing(page) -> list[str]:
    """Elements of the page content wider than the phone screen (tables scroll in their own
    .table-wrap region, so they do not count)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('main *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                         && !e.closest('.table-wrap'))
            .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)"""
    )


def _sign_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/login")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.get_by_label("Six-digit code").fill(pyotp.TOTP(factories.TOTP_SECRET).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def test_department_finance_screen(page, live_server, billing_world):
    _sign_in(page, live_server, billing_world["finance"])
    page.goto(live_server.url + "/billing/")
    assert page.get_by_role("heading", name="Membership billing").is_visible()
    body = page.content()
    assert "26-50 sworn officers" in body and "$5,000.00" in body
    assert "Second Browser PD" not in body
    screenshot(page, "billing-department")
    assert axe_violations(page) == []
    assert _overflowing(page) == []

    long_po = "PO-2026-" + "0099" * 13  # 60 characters, one word: wraps, never widens the page
    page.get_by_label("PO number", exact=True).fill(long_po)
    page.get_by_role("button", name="Save billing details").click()
    page.wait_for_url("**/billing/#details")
    assert page.get_by_label("PO number", exact=True).input_value() == long_po
    assert _overflowing(page) == []

    page.get_by_role("button", name="Add a card").click()
    page.wait_for_url("**/billing/card")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Attach the test card").click()
    page.wait_for_url("**/billing/#payment")
    assert "A card is on file." in page.content()

    page.get_by_role("link", name="FAKE-").first.click()
    page.wait_for_url("**/billing/invoices/*")
    assert "Pay $5,000.00 now with the card on file" in page.content()
    assert "PO-2026-0042" in page.content() and long_po not in page.content()  # as issued
    screenshot(page, "billing-invoice")
    assert axe_violations(page) == []
    assert _overflowing(page) == []


def test_network_finance_screens(page, live_server, billing_world):
    _sign_in(page, live_server, billing_world["staff"])
    page.goto(live_server.url + "/billing/network/")
    assert page.locator("svg.chart-bar, svg rect.chart-bar").count() >= 2
    screenshot(page, "billing-network")
    assert axe_violations(page) == []
    assert _overflowing(page) == []

    page.get_by_label("Status").select_option("ended")
    page.get_by_text("No contracts match.").wait_for()
    assert "status=ended" in page.url
    page.get_by_label("Status").select_option("active")
    page.get_by_role("link", name="Billing Browser PD").wait_for()

    page.get_by_role("link", name="Billing Browser PD").click()
    page.wait_for_url("**/billing/network/contracts/*")
    screenshot(page, "billing-network-contract")
    assert axe_violations(page) == []
    assert _overflowing(page) == []

    page.goto(live_server.url + "/billing/network/tiers")
    screenshot(page, "billing-tiers")
    assert axe_violations(page) == []
    assert _overflowing(page) == []


def test_public_quote_calculator(page, live_server):
    page.goto(live_server.url + "/membership/quote")
    assert axe_violations(page) == []
    page.get_by_label("Sworn officers in your department").fill("42")
    page.get_by_role("button", name="Show the annual fee").click()
    page.get_by_text("$5,000.00 a year").wait_for()
    assert page.url.endswith("/membership/quote")  # swapped by htmx, no navigation
    screenshot(page, "billing-quote")
    assert axe_violations(page) == []
