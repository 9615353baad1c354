"""The create -> invoice -> pay -> cancel path against a real localstripe on 127.0.0.1, with
the webhooks localstripe itself signs and sends.

localstripe delivers to a collector on loopback; each delivery is forwarded byte for byte
(body and Stripe-Signature header) to the app's webhook endpoint, which runs inside the
test's transaction. Paths localstripe cannot play (renewals, send_invoice collection, the
hosted card page, idempotency keys) are covered with the fake gateway in test_lifecycle.py,
test_contracts.py and test_failures.py.
"""

from __future__ import annotations

import http.client
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

import pytest

from tests.billing.conftest import contract_of, grow_roster, invoices_of, login_other
from wnwa.billing.localstripe_server import register_webhook
from wnwa.billing.runtime import GATEWAY_KEY
from wnwa.billing.stripe_gateway import StripeGateway
from wnwa.us_states import network_day

SECRET_KEY = "sk_test_wnwa_e2e"


class _Collector(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.put((body, self.headers.get("Stripe-Signature", "")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(localstripe_url, app) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = queue.Queue()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    register_webhook(
        localstripe_url,
        "wnwa-e2e",
        f"http://{host}:{port}/hook",
        app.config["STRIPE_WEBHOOK_SECRET"],
    )
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def stripe_app(app, localstripe_url):
    gateway = StripeGateway(SECRET_KEY, app.config["STRIPE_WEBHOOK_SECRET"], localstripe_url)
    app.extensions[GATEWAY_KEY] = gateway
    try:
        yield gateway
    finally:
        app.extensions.pop(GATEWAY_KEY, None)


def _stripe(base_url: str, method: str, path: str, form: dict | None = None) -> dict:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request(
            method,
            path,
            urlencode(form, doseq=True) if form else None,
            {
                "Authorization": f"Bearer {SECRET_KEY}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status == 200, body
    return json.loads(body)


def _forward(
    client, receiver, wanted: Callable[[dict], bool], *, timeout: float = 10
) -> list[tuple[str, int]]:
    """Forward localstripe's deliveries to the app until one matching ``wanted`` went through;
    returns (event type, app status) for every delivery forwarded."""
    forwarded = []
    deadline = time.monotonic() + timeout
    while True:
        body, header = receiver.received.get(timeout=max(0.1, deadline - time.monotonic()))
        status = client.post(
            "/billing/stripe/webhook",
            data=body,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        ).status_code
        event = json.loads(body)
        forwarded.append((event["type"], status))
        if wanted(event):
            return forwarded


def _contract_id(department_id: int) -> int:
    return contract_of(department_id).id


def test_create_invoice_pay_and_cancel_against_localstripe(
    ctx, make, client, staff_client, login, stripe_app, receiver, localstripe_url
):
    dept = make.department("Localstripe PD", sworn=12)
    grow_roster(make, dept, 12)
    finance = make.officer(dept, finance=True, sworn=False)
    staff = make.staff("network_finance")
    login_other(staff_client, staff, make)
    login(finance)

    # Network finance puts the department under contract and starts it.
    response = staff_client.post(
        "/billing/network/contracts/new",
        data={
            "department_id": dept.id,
            "pay_by": "invoice",
            "billing_contact": "Robin Fix",
            "billing_email": "ap@localstripe-pd.example",
            "po_number": "PO-77",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    contract_id = _contract_id(dept.id)
    response = staff_client.post(f"/billing/network/contracts/{contract_id}/start")
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    contract = contract_of(dept.id)
    assert (contract.status, contract.tier_label, contract.annual_cents) == (
        "active",
        "11-25 sworn officers",
        300_000,
    )
    assert contract.stripe_customer_id.startswith("cus_")
    stored = _stripe(localstripe_url, "GET", f"/v1/subscriptions/{contract.stripe_subscription_id}")
    assert stored["plan"]["id"] == "wnwa_sworn-11-25_300000_usd_yearly"
    [invoice] = invoices_of(dept.id)
    assert (invoice.status, invoice.amount_due_cents, invoice.due_date) == (
        "open",
        300_000,
        contract.term_start + (invoice.due_date - invoice.period_start),
    )
    assert (invoice.due_date - invoice.period_start).days == 30
    page = client.get("/billing/").get_data(as_text=True)
    assert "Due by" in page and "$3,000.00" in page and "PO-77" in page

    # localstripe's own signed events about the new customer and invoice are accepted.
    seen = _forward(
        client,
        receiver,
        lambda e: (
            e["type"] == "invoice.created"
            and e["data"]["object"]["id"] == invoice.stripe_invoice_id
        ),
    )
    assert ("customer.created", 200) in seen and seen[-1] == ("invoice.created", 200)

    # The department pays on Stripe's side (hosted invoice page): only the webhook tells us.
    _stripe(
        localstripe_url,
        "POST",
        "/v1/payment_methods/pm_card_visa/attach",
        {"customer": contract.stripe_customer_id},
    )
    _stripe(
        localstripe_url,
        "POST",
        f"/v1/customers/{contract.stripe_customer_id}",
        {"invoice_settings[default_payment_method]": "pm_card_visa"},
    )
    _stripe(localstripe_url, "POST", f"/v1/invoices/{invoice.stripe_invoice_id}/pay")
    assert invoices_of(dept.id)[0].status == "open"
    seen = _forward(
        client,
        receiver,
        lambda e: (
            e["type"] == "invoice.payment_succeeded"
            and e["data"]["object"]["id"] == invoice.stripe_invoice_id
        ),
    )
    assert seen[-1] == ("invoice.payment_succeeded", 200)
    paid = invoices_of(dept.id)[0]
    assert (paid.status, paid.amount_paid_cents) == ("paid", 300_000)
    assert "Paid on" in client.get(f"/billing/invoices/{paid.id}").get_data(as_text=True)

    # Notice in year 1 is refused; network finance records an exception; notice accepted.
    refused = client.post("/billing/cancel", data={"confirm": "y"})
    assert refused.status_code == 409
    assert "commits Localstripe PD to membership until" in refused.get_data(as_text=True)
    assert contract_of(dept.id).status == "active"
    response = staff_client.post(
        f"/billing/network/contracts/{contract_id}/exception",
        data={"reason": "Pilot year agreed with the county board"},
    )
    assert response.status_code == 303
    accepted = client.post("/billing/cancel", data={"confirm": "y"})
    assert accepted.status_code == 303
    contract = contract_of(dept.id)
    assert contract.status == "cancellation_requested"
    assert contract.ends_on == contract.current_period_end
    stored = _stripe(localstripe_url, "GET", f"/v1/subscriptions/{contract.stripe_subscription_id}")
    assert stored["cancel_at_period_end"] is True and stored["status"] == "active"

    # The term ends (played by deleting the subscription in localstripe): the webhook ends it.
    _stripe(localstripe_url, "DELETE", f"/v1/subscriptions/{contract.stripe_subscription_id}")
    seen = _forward(client, receiver, lambda e: e["type"] == "customer.subscription.deleted")
    assert seen[-1] == ("customer.subscription.deleted", 200)
    ended = contract_of(dept.id)
    assert ended.status == "ended" and ended.subscription_status == "canceled"


def test_paying_by_card_from_the_app_and_a_declined_card(
    ctx, make, client, login, stripe_app, receiver, localstripe_url
):
    from wnwa.billing import contracts

    dept = make.department("Card Localstripe PD", sworn=3)
    grow_roster(make, dept, 3)
    finance = make.officer(dept, finance=True, sworn=False)
    staff = make.staff("network_finance")
    contract_id = contracts.create_contract(
        department_id=dept.id,
        pay_by="invoice",
        billing_contact="Kim",
        billing_email="kim@card-ls.example",
        po_number="",
        actor=staff,
    )

    contracts.activate_contract(stripe_app, contract_id, today=network_day(), actor=staff)
    login(finance)
    [invoice] = invoices_of(dept.id)

    # A card whose charges fail: a clear message, the invoice stays open.
    assert (
        client.post(
            "/billing/card", data={"payment_method": "pm_card_chargeCustomerFail"}
        ).status_code
        == 303
    )
    declined = client.post(f"/billing/invoices/{invoice.id}/pay")
    assert declined.status_code == 422
    assert "The card was declined" in declined.get_data(as_text=True)
    page = client.get(f"/billing/invoices/{invoice.id}").get_data(as_text=True)
    assert "Card payment declined on" in page

    # A good card: paid, and paying again is refused without charging twice.
    assert client.post("/billing/card", data={"payment_method": "pm_card_visa"}).status_code == 303
    assert client.post(f"/billing/invoices/{invoice.id}/pay").status_code == 303
    assert invoices_of(dept.id)[0].status == "paid"
    again = client.post(f"/billing/invoices/{invoice.id}/pay")
    assert again.status_code == 409
    charges = _stripe(
        localstripe_url, "GET", f"/v1/charges?customer={contract_of(dept.id).stripe_customer_id}"
    )
    assert sum(1 for c in charges["data"] if c["status"] == "succeeded") == 1
    assert contract_of(dept.id).card_on_file
