import json
from datetime import UTC, date, datetime, timedelta

import pytest

from wnwa.billing.fake_gateway import FakeGateway
from wnwa.billing.gateway import (
    BillingGateway,
    GatewayError,
    GatewayUnavailable,
    InvalidWebhook,
    PaymentDeclined,
    sign_payload,
)
from wnwa.billing.terms import DEFAULT_TIERS, billing_periods, tier_for

START = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def gateway():
    return FakeGateway(lambda: START, webhook_secret="whsec_test")


def _plan(gateway, sworn):
    tier = tier_for(sworn, DEFAULT_TIERS)
    return gateway.ensure_plan(tier.key, tier.annual_cents, tier.label)


def _customer(gateway, key="dept-1"):
    return gateway.create_customer(
        key, "Springfield PD", "finance@example.org", idempotency_key=key
    )


def test_it_satisfies_the_gateway_protocol(gateway):
    assert isinstance(gateway, BillingGateway)


def test_ensure_plan_is_idempotent_and_names_the_amount(gateway):
    first = _plan(gateway, 10)
    assert _plan(gateway, 10) == first
    assert first == "wnwa_sworn-1-10_150000_usd_yearly"
    assert _plan(gateway, 11) != first


def test_card_subscription_pays_its_first_invoice(gateway):
    customer = _customer(gateway)
    gateway.attach_card(customer.id, "pm_card_visa")
    sub = gateway.create_subscription(
        customer.id, _plan(gateway, 40), pay_by="card", idempotency_key="sub-1"
    )
    assert sub.status == "active"
    assert (sub.current_period_start, sub.current_period_end) == (
        date(2026, 7, 1),
        date(2027, 7, 1),
    )
    [invoice] = gateway.list_invoices(customer.id)
    assert invoice.status == "paid"
    assert invoice.amount_due_cents == invoice.amount_paid_cents == 500_000
    assert invoice.due_date is None
    assert invoice.subscription_id == sub.id


def test_invoice_subscription_is_due_net_days_after_the_period_start(gateway):
    customer = _customer(gateway)
    sub = gateway.create_subscription(
        customer.id, _plan(gateway, 40), pay_by="invoice", net_days=45, idempotency_key="s"
    )
    assert sub.status == "active"
    [invoice] = gateway.list_invoices(customer.id)
    assert invoice.status == "open" and invoice.amount_paid_cents == 0
    assert invoice.due_date == date(2026, 8, 15)
    paid = gateway.pay_invoice_out_of_band(invoice.id)
    assert paid.status == "paid" and paid.amount_paid_cents == 500_000
    assert gateway.get_invoice(invoice.id) == paid
    with pytest.raises(GatewayError, match="is paid"):
        gateway.pay_invoice_out_of_band(invoice.id)


def test_renewals_over_five_years_follow_the_contract_and_re_tiering(gateway):
    customer = _customer(gateway)
    sub = gateway.create_subscription(
        customer.id, _plan(gateway, 40), pay_by="invoice", idempotency_key="s"
    )
    sworn_at_renewal = {2027: 40, 2028: 60, 2029: 60, 2030: 120}
    for year in range(2027, 2031):
        gateway.change_plan_at_renewal(sub.id, _plan(gateway, sworn_at_renewal[year]))
        issued = gateway.advance_to(datetime(year, 7, 1, 0, 5, tzinfo=UTC))
        assert len(issued) == 1
        assert issued[0].period_start == date(year, 7, 1)
    assert gateway.advance_to(datetime(2031, 6, 30, tzinfo=UTC)) == []

    invoices = list(reversed(gateway.list_invoices(customer.id)))
    periods = [(i.period_start, i.period_end) for i in invoices]
    assert periods == billing_periods(date(2026, 7, 1), 3, date(2031, 6, 30))
    assert [i.amount_due_cents for i in invoices] == [
        500_000,
        500_000,
        800_000,
        800_000,
        1_250_000,
    ]
    assert [i.due_date for i in invoices] == [date(y, 7, 31) for y in range(2026, 2031)]
    assert all(i.status == "open" for i in invoices)
    assert gateway.get_subscription(sub.id).current_period_end == date(2031, 7, 1)


def test_a_clock_jump_over_several_years_issues_every_missed_invoice(gateway):
    customer = _customer(gateway)
    gateway.attach_card(customer.id, "pm_card_visa")
    gateway.create_subscription(customer.id, _plan(gateway, 5), pay_by="card", idempotency_key="s")
    issued = gateway.advance_to(datetime(2029, 8, 1, tzinfo=UTC))
    assert [i.period_start.year for i in issued] == [2027, 2028, 2029]
    assert all(i.status == "paid" for i in issued)


def test_feb_29_subscription_renews_on_feb_28(gateway):
    gateway.advance_to(datetime(2028, 2, 29, 12, tzinfo=UTC))
    customer = _customer(gateway)
    gateway.create_subscription(
        customer.id, _plan(gateway, 5), pay_by="invoice", idempotency_key="s"
    )
    assert gateway.advance_to(datetime(2029, 2, 27, tzinfo=UTC)) == []
    [renewal] = gateway.advance_to(datetime(2029, 2, 28, tzinfo=UTC))
    assert (renewal.period_start, renewal.period_end) == (date(2029, 2, 28), date(2030, 2, 28))


def test_cancel_at_period_end_stops_renewal(gateway):
    customer = _customer(gateway)
    sub = gateway.create_subscription(
        customer.id, _plan(gateway, 5), pay_by="invoice", idempotency_key="s"
    )
    assert gateway.cancel_at_period_end(sub.id).cancel_at_period_end
    assert gateway.advance_to(datetime(2028, 1, 1, tzinfo=UTC)) == []
    assert gateway.get_subscription(sub.id).status == "canceled"
    with pytest.raises(GatewayError, match="canceled"):
        gateway.change_plan_at_renewal(sub.id, _plan(gateway, 50))


def test_the_clock_cannot_go_back(gateway):
    with pytest.raises(ValueError, match="cannot go back"):
        gateway.advance_to(START - timedelta(days=1))


def test_a_declined_card_is_refused_when_attached(gateway):
    customer = _customer(gateway)
    with pytest.raises(PaymentDeclined) as declined:
        gateway.attach_card(customer.id, "pm_card_visa_chargeDeclined")
    assert declined.value.code == "card_declined"
    with pytest.raises(GatewayError, match="No such payment method"):
        gateway.attach_card(customer.id, "pm_unknown")


def test_a_failing_card_leaves_invoices_open(gateway):
    customer = _customer(gateway)
    gateway.attach_card(customer.id, "pm_card_chargeCustomerFail")
    sub = gateway.create_subscription(
        customer.id, _plan(gateway, 5), pay_by="card", idempotency_key="s"
    )
    assert sub.status == "incomplete"
    [first] = gateway.list_invoices(customer.id)
    assert first.status == "open" and first.amount_paid_cents == 0
    gateway.pay_invoice_out_of_band(first.id)
    assert gateway.get_subscription(sub.id).status == "active"
    [renewal] = gateway.advance_to(datetime(2027, 7, 1, tzinfo=UTC))
    assert renewal.status == "open"
    assert gateway.get_subscription(sub.id).status == "past_due"
    gateway.attach_card(customer.id, "pm_card_visa")
    [paid] = gateway.advance_to(datetime(2028, 7, 1, tzinfo=UTC))
    assert paid.status == "paid"
    assert gateway.get_subscription(sub.id).status == "active"


def test_a_card_subscription_without_a_card_is_incomplete(gateway):
    customer = _customer(gateway)
    sub = gateway.create_subscription(
        customer.id, _plan(gateway, 5), pay_by="card", idempotency_key="s"
    )
    assert sub.status == "incomplete"


def test_idempotency_keys_return_the_same_object(gateway):
    first = _customer(gateway, "dept-1")
    assert _customer(gateway, "dept-1") == first
    assert _customer(gateway, "dept-2") != first
    plan = _plan(gateway, 5)
    sub = gateway.create_subscription(first.id, plan, pay_by="invoice", idempotency_key="s")
    again = gateway.create_subscription(first.id, plan, pay_by="invoice", idempotency_key="s")
    assert again.id == sub.id
    assert len(gateway.list_invoices(first.id)) == 1
    with pytest.raises(GatewayError, match="other parameters"):
        gateway.create_subscription(first.id, plan, pay_by="card", idempotency_key="s")


def test_unknown_ids_raise_gateway_error(gateway):
    with pytest.raises(GatewayError, match="No such customer"):
        gateway.attach_card("cus_nope", "pm_card_visa")
    with pytest.raises(GatewayError, match="No such plan"):
        gateway.create_subscription(
            _customer(gateway).id, "plan_nope", pay_by="card", idempotency_key="x"
        )
    with pytest.raises(GatewayError, match="No such invoice"):
        gateway.get_invoice("in_nope")
    with pytest.raises(GatewayError, match="No such subscription"):
        gateway.get_subscription("sub_nope")


def test_unavailable_gateway(gateway):
    gateway.unavailable = True
    with pytest.raises(GatewayUnavailable):
        gateway.list_invoices()


def test_list_invoices_filters_by_customer_and_time(gateway):
    a, b = _customer(gateway, "a"), _customer(gateway, "b")
    plan = _plan(gateway, 5)
    gateway.create_subscription(a.id, plan, pay_by="invoice", idempotency_key="a")
    gateway.advance_to(START + timedelta(days=10))
    gateway.create_subscription(b.id, plan, pay_by="invoice", idempotency_key="b")
    assert [i.customer_id for i in gateway.list_invoices()] == [b.id, a.id]
    assert [i.customer_id for i in gateway.list_invoices(a.id)] == [a.id]
    assert [i.customer_id for i in gateway.list_invoices(since=START + timedelta(days=1))] == [b.id]


def test_webhooks_are_signed_and_parsed(gateway):
    customer = _customer(gateway)
    deliveries = gateway.drain_webhooks()
    assert gateway.drain_webhooks() == []
    events = [gateway.parse_webhook(body, header) for body, header in deliveries]
    assert [(e.type, e.object_type, e.object_id) for e in events] == [
        ("customer.created", "customer", customer.id)
    ]


def test_subscription_events(gateway):
    customer = _customer(gateway)
    gateway.attach_card(customer.id, "pm_card_visa")
    gateway.drain_webhooks()
    gateway.create_subscription(customer.id, _plan(gateway, 5), pay_by="card", idempotency_key="s")
    types = [gateway.parse_webhook(*d).type for d in gateway.drain_webhooks()]
    assert "customer.subscription.created" in types
    assert types.index("invoice.created") < types.index("invoice.paid")
    assert "invoice.payment_succeeded" in types


def test_tampered_forged_and_stale_webhooks_are_rejected(gateway):
    _customer(gateway)
    [(body, header)] = gateway.drain_webhooks()
    tampered = body.replace(b"customer.created", b"customer.deleted")
    with pytest.raises(InvalidWebhook, match="does not match"):
        gateway.parse_webhook(tampered, header)
    with pytest.raises(InvalidWebhook, match="does not match"):
        gateway.parse_webhook(body, sign_payload(body, "whsec_other"))
    with pytest.raises(InvalidWebhook, match="missing or malformed"):
        gateway.parse_webhook(body, "")
    now = int(START.timestamp())
    with pytest.raises(InvalidWebhook, match="too old"):
        gateway.parse_webhook(body, sign_payload(body, "whsec_test", now - 301))
    assert gateway.parse_webhook(body, sign_payload(body, "whsec_test", now - 299))


def test_a_signed_body_that_is_not_an_event_is_rejected(gateway):
    body = json.dumps({"hello": "world"}).encode()
    header = sign_payload(body, "whsec_test", int(START.timestamp()))
    with pytest.raises(InvalidWebhook, match="not a Stripe event"):
        gateway.parse_webhook(body, header)


def test_fake_hosted_card_setup_collection_and_card_payment():
    fake = FakeGateway(lambda: datetime(2026, 1, 5, tzinfo=UTC))
    customer = fake.create_customer("d", "D", "d@example.org", idempotency_key="d")
    plan = fake.ensure_plan("sworn-1-10", 150_000, "1-10")
    sub = fake.create_subscription(customer.id, plan, pay_by="invoice", idempotency_key="s")
    [invoice] = fake.list_invoices(customer.id)
    with pytest.raises(GatewayError, match="no payment method"):
        fake.pay_invoice_by_card(invoice.id)
    url = fake.card_setup_url(customer.id, return_url="https://x")
    session_id = url.rsplit("/", 1)[1]
    with pytest.raises(GatewayError, match="not complete"):
        fake.complete_card_setup(session_id)
    fake.drain_webhooks()
    fake.complete_checkout(session_id, "pm_card_chargeCustomerFail")
    [(body, _)] = fake.drain_webhooks()
    assert b"checkout.session.completed" in body
    assert fake.complete_card_setup(session_id) == customer.id
    with pytest.raises(PaymentDeclined):
        fake.pay_invoice_by_card(invoice.id)
    fake.attach_card(customer.id, "pm_card_visa")
    assert fake.pay_invoice_by_card(invoice.id).status == "paid"
    assert fake.set_collection(sub.id, pay_by="card").id == sub.id
    fake.update_customer(customer.id, name="E", email="e@example.org", po_number="PO-1")
    assert fake.customer_details[customer.id] == {"po_number": "PO-1"}
