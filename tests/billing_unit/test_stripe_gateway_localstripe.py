"""Contract tests: StripeGateway against a real localstripe on 127.0.0.1.

localstripe is started by the module fixture; if it cannot start, every test here errors
(never skips).
"""

import http.client
import json
import queue
import socket
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

import pytest

from wnwa.billing.fake_gateway import FakeGateway
from wnwa.billing.gateway import (
    BillingGateway,
    GatewayError,
    GatewayUnavailable,
    InvalidWebhook,
    PaymentDeclined,
)
from wnwa.billing.localstripe_server import free_port, running_localstripe
from wnwa.billing.stripe_gateway import (
    StripeGateway,
    _to_invoice,
    _to_subscription,
    sign_payload,
)

SECRET_KEY = "sk_test_wnwa"
WEBHOOK_SECRET = "whsec_wnwa_contract"


@pytest.fixture(scope="module")
def localstripe_url():
    with running_localstripe() as url:
        yield url


@pytest.fixture
def gateway(localstripe_url):
    return StripeGateway(SECRET_KEY, WEBHOOK_SECRET, localstripe_url)


def _raw(base_url, method, path, form=None):
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
    return json.loads(body) if body else None


def _customer(gateway, key):
    return gateway.create_customer(key, f"{key} PD", f"{key}@example.org", idempotency_key=key)


def _plan(gateway):
    return gateway.ensure_plan("sworn-1-10", 150_000, "1-10 sworn officers")


def test_it_satisfies_the_gateway_protocol(gateway):
    assert isinstance(gateway, BillingGateway)
    assert gateway.emulated


def test_ensure_plan_is_idempotent(gateway, localstripe_url):
    first = _plan(gateway)
    assert _plan(gateway) == first == "wnwa_sworn-1-10_150000_usd_yearly"
    other = gateway.ensure_plan("sworn-11-25", 300_000, "11-25 sworn officers")
    plans = _raw(localstripe_url, "GET", "/v1/plans?limit=100")["data"]
    assert [p["id"] for p in plans].count(first) == 1
    stored = next(p for p in plans if p["id"] == other)
    assert (stored["amount"], stored["currency"], stored["interval"]) == (300_000, "usd", "year")
    assert stored["product"] == "wnwa_membership"


def test_create_customer(gateway, localstripe_url):
    customer = _customer(gateway, "dept-customer")
    assert customer.id.startswith("cus_")
    assert (customer.name, customer.email) == ("dept-customer PD", "dept-customer@example.org")
    stored = _raw(localstripe_url, "GET", f"/v1/customers/{customer.id}")
    assert stored["metadata"] == {
        "department_key": "dept-customer",
        "wnwa_idempotency_key": "dept-customer",
    }


def test_card_subscription_produces_a_paid_first_invoice(gateway):
    customer = _customer(gateway, "dept-card")
    gateway.attach_card(customer.id, "pm_card_visa")
    sub = gateway.create_subscription(
        customer.id, _plan(gateway), pay_by="card", idempotency_key="dept-card-sub"
    )
    assert sub.status == "active" and not sub.cancel_at_period_end
    assert sub.current_period_end - sub.current_period_start in (
        timedelta(days=365),
        timedelta(days=366),
    )
    [invoice] = gateway.list_invoices(customer.id)
    assert invoice.status == "paid"
    assert invoice.amount_due_cents == invoice.amount_paid_cents == 150_000
    assert invoice.currency == "usd"
    assert invoice.subscription_id == sub.id
    assert (invoice.period_start, invoice.period_end) == (
        sub.current_period_start,
        sub.current_period_end,
    )
    assert invoice.due_date is None
    assert gateway.get_invoice(invoice.id) == invoice
    assert gateway.get_subscription(sub.id) == sub


def test_declined_card_is_refused_on_attach(gateway):
    customer = _customer(gateway, "dept-declined")
    with pytest.raises(PaymentDeclined) as declined:
        gateway.attach_card(customer.id, "pm_card_visa_chargeDeclined")
    assert declined.value.code == "card_declined"


def test_failing_charge_leaves_an_open_invoice_and_an_incomplete_subscription(gateway):
    customer = _customer(gateway, "dept-charge-fails")
    gateway.attach_card(customer.id, "pm_card_chargeCustomerFail")
    sub = gateway.create_subscription(
        customer.id, _plan(gateway), pay_by="card", idempotency_key="dept-charge-fails-sub"
    )
    assert sub.status == "incomplete"
    [invoice] = gateway.list_invoices(customer.id)
    assert (invoice.status, invoice.amount_paid_cents) == ("open", 0)


def test_invoice_subscription_is_open_with_a_local_due_date(gateway):
    customer = _customer(gateway, "dept-invoice")
    sub = gateway.create_subscription(
        customer.id, _plan(gateway), pay_by="invoice", net_days=30, idempotency_key="inv-sub"
    )
    assert sub.status == "active"
    [invoice] = gateway.list_invoices(customer.id)
    assert invoice.status == "open" and invoice.amount_paid_cents == 0
    assert invoice.due_date == sub.current_period_start + timedelta(days=30)
    paid = gateway.pay_invoice_out_of_band(invoice.id)
    assert (paid.status, paid.amount_paid_cents) == ("paid", 150_000)
    assert gateway.get_invoice(invoice.id).status == "paid"
    with pytest.raises(GatewayError, match="is paid"):
        gateway.pay_invoice_out_of_band(invoice.id)


def test_cancel_at_period_end(gateway):
    customer = _customer(gateway, "dept-cancel")
    gateway.attach_card(customer.id, "pm_card_visa")
    sub = gateway.create_subscription(
        customer.id, _plan(gateway), pay_by="card", idempotency_key="cancel-sub"
    )
    canceled = gateway.cancel_at_period_end(sub.id)
    assert canceled.cancel_at_period_end and canceled.status == "active"
    assert gateway.get_subscription(sub.id).cancel_at_period_end


def test_change_plan_at_renewal_leaves_no_proration(gateway, localstripe_url):
    customer = _customer(gateway, "dept-retier")
    gateway.attach_card(customer.id, "pm_card_visa")
    sub = gateway.create_subscription(
        customer.id, _plan(gateway), pay_by="card", idempotency_key="retier-sub"
    )
    bigger = gateway.ensure_plan("sworn-11-25", 300_000, "11-25 sworn officers")
    changed = gateway.change_plan_at_renewal(sub.id, bigger)
    assert changed.plan_id == bigger
    assert changed.current_period_end == sub.current_period_end
    pending = _raw(localstripe_url, "GET", f"/v1/invoiceitems?customer={customer.id}")
    assert pending["data"] == []
    assert len(gateway.list_invoices(customer.id)) == 1


def test_list_invoices_by_customer_and_time(gateway):
    a, b = _customer(gateway, "dept-list-a"), _customer(gateway, "dept-list-b")
    for customer in (a, b):
        gateway.create_subscription(
            customer.id, _plan(gateway), pay_by="invoice", idempotency_key=f"{customer.id}-s"
        )
    assert [i.customer_id for i in gateway.list_invoices(a.id)] == [a.id]
    everything = gateway.list_invoices()
    assert {a.id, b.id} <= {i.customer_id for i in everything}
    assert [i.created for i in everything] == sorted((i.created for i in everything), reverse=True)
    assert gateway.list_invoices(a.id, since=datetime.now(UTC) + timedelta(minutes=5)) == []
    assert len(gateway.list_invoices(a.id, since=datetime.now(UTC) - timedelta(minutes=5))) == 1


def test_retried_creations_return_the_first_objects(gateway, localstripe_url):
    customer = _customer(gateway, "dept-retry")
    assert _customer(gateway, "dept-retry") == customer
    first = gateway.create_subscription(
        customer.id, _plan(gateway), pay_by="invoice", idempotency_key="retry-sub"
    )
    again = gateway.create_subscription(
        customer.id, _plan(gateway), pay_by="invoice", idempotency_key="retry-sub"
    )
    assert again.id == first.id
    listed = _raw(localstripe_url, "GET", f"/v1/subscriptions?customer={customer.id}&status=all")
    assert len(listed["data"]) == 1
    assert len(gateway.list_invoices(customer.id)) == 1


def test_update_customer_keeps_the_default_card(gateway, localstripe_url):
    customer = _customer(gateway, "dept-update")
    gateway.attach_card(customer.id, "pm_card_visa")
    gateway.update_customer(customer.id, name="New name", email="ap@new.example", po_number="PO-5")
    stored = _raw(localstripe_url, "GET", f"/v1/customers/{customer.id}")
    assert (stored["name"], stored["email"]) == ("New name", "ap@new.example")
    assert stored["metadata"]["po_number"] == "PO-5"
    assert stored["invoice_settings"]["default_payment_method"].startswith("pm_")


def test_set_collection_is_accepted(gateway):
    """localstripe accepts the update but keeps no collection method (nor the metadata): the
    contract's pay_by is the app's record; switching collection on Stripe is fake-only."""
    customer = _customer(gateway, "dept-collection")
    sub = gateway.create_subscription(
        customer.id, _plan(gateway), pay_by="invoice", idempotency_key="collection-sub"
    )
    changed = gateway.set_collection(sub.id, pay_by="card")
    assert (changed.id, changed.plan_id) == (sub.id, sub.plan_id)
    with pytest.raises(ValueError):
        gateway.set_collection(sub.id, pay_by="cash")


def test_pay_invoice_by_card_and_a_declined_charge(gateway):
    good, bad = _customer(gateway, "dept-pay-good"), _customer(gateway, "dept-pay-bad")
    for customer, card in ((good, "pm_card_visa"), (bad, "pm_card_chargeCustomerFail")):
        gateway.create_subscription(
            customer.id, _plan(gateway), pay_by="invoice", idempotency_key=f"{customer.id}-pay"
        )
        gateway.attach_card(customer.id, card)
    [open_good] = gateway.list_invoices(good.id)
    paid = gateway.pay_invoice_by_card(open_good.id)
    assert (paid.status, paid.amount_paid_cents) == ("paid", 150_000)
    [open_bad] = gateway.list_invoices(bad.id)
    with pytest.raises(PaymentDeclined):
        gateway.pay_invoice_by_card(open_bad.id)
    assert gateway.get_invoice(open_bad.id).status == "open"
    with pytest.raises(GatewayError):
        gateway.pay_invoice_by_card(open_good.id)


def test_there_is_no_hosted_card_page_on_localstripe(gateway):
    customer = _customer(gateway, "dept-hosted")
    assert gateway.card_setup_url(customer.id, return_url="http://127.0.0.1/x") is None


def test_unknown_objects_raise_gateway_error(gateway):
    with pytest.raises(GatewayError, match="get invoice in_missing") as missing:
        gateway.get_invoice("in_missing")
    assert not isinstance(missing.value, GatewayUnavailable)
    with pytest.raises(GatewayError):
        gateway.get_subscription("sub_missing")


class _Collector(BaseHTTPRequestHandler):
    received: "queue.Queue[tuple[bytes, str]]"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.put((body, self.headers.get("Stripe-Signature", "")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = queue.Queue()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_delivered_by_localstripe_is_verified(gateway, localstripe_url, webhook_receiver):
    host, port = webhook_receiver.server_address[:2]
    _raw(
        localstripe_url,
        "POST",
        "/_config/webhooks/wnwa-contract",
        {
            "url": f"http://{host}:{port}/stripe/webhook",
            "secret": WEBHOOK_SECRET,
            "events[]": ["customer.created"],
        },
    )
    customer = _customer(gateway, "dept-webhook")
    while True:
        body, header = webhook_receiver.received.get(timeout=10)
        if json.loads(body)["data"]["object"]["id"] == customer.id:
            break
    event = gateway.parse_webhook(body, header)
    assert (event.type, event.object_type, event.object_id) == (
        "customer.created",
        "customer",
        customer.id,
    )
    assert event.id.startswith("evt_")

    tampered = body.replace(b"dept-webhook PD", b"other PD")
    assert tampered != body
    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(tampered, header)
    with pytest.raises(InvalidWebhook):
        StripeGateway(SECRET_KEY, "whsec_wrong", localstripe_url).parse_webhook(body, header)
    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(body, "")


def test_stale_and_malformed_webhooks_are_rejected(gateway):
    body = json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": "invoice.paid",
            "data": {"object": {"id": "in_1", "object": "invoice"}},
        }
    ).encode()
    now = int(datetime.now(UTC).timestamp())
    assert gateway.parse_webhook(body, sign_payload(body, WEBHOOK_SECRET, now)).object_id == "in_1"
    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(body, sign_payload(body, WEBHOOK_SECRET, now - 301))
    not_json = b"not json"
    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(not_json, sign_payload(not_json, WEBHOOK_SECRET, now))


def test_fake_and_stripe_gateways_sign_webhooks_alike(gateway):
    fake = FakeGateway(lambda: datetime.now(UTC), webhook_secret=WEBHOOK_SECRET)
    customer = fake.create_customer("d", "D", "d@example.org", idempotency_key="d")
    [(body, header)] = fake.drain_webhooks()
    assert gateway.parse_webhook(body, header) == fake.parse_webhook(body, header)
    assert gateway.parse_webhook(body, header).object_id == customer.id


def test_an_unreachable_stripe_raises_gateway_unavailable():
    closed = StripeGateway(SECRET_KEY, WEBHOOK_SECRET, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(GatewayUnavailable):
        closed.list_invoices()


def test_a_silent_stripe_times_out_as_gateway_unavailable():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        slow = StripeGateway(SECRET_KEY, WEBHOOK_SECRET, f"http://127.0.0.1:{port}", timeout=0.5)
        with pytest.raises(GatewayUnavailable):
            slow.get_invoice("in_1")


def test_each_localstripe_instance_starts_empty(gateway, localstripe_url):
    customer = _customer(gateway, "dept-isolation")
    with running_localstripe() as other_url:
        assert other_url != localstripe_url
        listed = _raw(other_url, "GET", "/v1/customers?limit=100")["data"]
    assert customer.id not in {c["id"] for c in listed}
    assert listed == []


def test_localstripe_that_cannot_start_fails_clearly():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match="localstripe exited"), running_localstripe(port):
            pass


def test_mappers_read_the_new_stripe_shapes():
    start = int(datetime(2026, 7, 1, 15, tzinfo=UTC).timestamp())
    end = int(datetime(2027, 7, 1, 15, tzinfo=UTC).timestamp())
    sub = _to_subscription(
        {
            "id": "sub_1",
            "customer": {"id": "cus_1"},
            "status": "active",
            "cancel_at_period_end": False,
            "metadata": {},
            "items": {
                "data": [
                    {
                        "id": "si_1",
                        "price": {"id": "wnwa_x_1_usd_yearly"},
                        "current_period_start": start,
                        "current_period_end": end,
                    }
                ]
            },
        },
        emulated=False,
    )
    assert (sub.customer_id, sub.plan_id) == ("cus_1", "wnwa_x_1_usd_yearly")
    assert (sub.current_period_start, sub.current_period_end) == (
        date(2026, 7, 1),
        date(2027, 7, 1),
    )
    invoice = _to_invoice(
        {
            "id": "in_1",
            "customer": "cus_1",
            "parent": {"subscription_details": {"subscription": "sub_1"}},
            "number": "ABC-0001",
            "status": "open",
            "amount_due": 150_000,
            "amount_paid": 0,
            "currency": "usd",
            "period_start": start,
            "period_end": start,
            "lines": {"data": [{"period": {"start": start, "end": end}}]},
            "due_date": start + 30 * 86_400,
            "hosted_invoice_url": "https://invoice.stripe.com/i/x",
            "invoice_pdf": "https://pay.stripe.com/invoice/x/pdf",
            "created": start,
            "metadata": {"wnwa_paid_out_of_band": "true"},
        },
        emulated=False,
    )
    assert invoice.subscription_id == "sub_1"
    assert (invoice.period_start, invoice.period_end) == (date(2026, 7, 1), date(2027, 7, 1))
    assert invoice.due_date == date(2026, 7, 31)
    assert invoice.status == "open"
    assert invoice.hosted_url and invoice.pdf_url


def test_a_stripe_moment_is_read_as_the_network_s_day():
    """A subscription started at 9:30 PM in Chicago on Jun 30 (Jul 1 in UTC) starts Jun 30."""
    evening = int(datetime(2026, 7, 1, 2, 30, tzinfo=UTC).timestamp())
    item = {"price": {"id": "p"}, "current_period_start": evening, "current_period_end": evening}
    sub = _to_subscription(
        {"id": "s", "customer": "c", "status": "active", "items": {"data": [item]}},
        emulated=False,
    )
    assert sub.current_period_start == date(2026, 6, 30)
