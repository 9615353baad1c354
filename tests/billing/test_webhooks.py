"""/billing/stripe/webhook: signatures on the raw body, once-only events, re-fetching,
outages, and no payload in any log."""

import json
import logging
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.billing.conftest import (
    START,
    as_department,
    contract_of,
    deliver,
    grow_roster,
    invoices_of,
    under_contract,
)
from tests.privacy.snapshots import snapshot
from wnwa import mail
from wnwa.billing.gateway import GatewayInvoice, sign_payload
from wnwa.billing.mirror import apply_invoice
from wnwa.billing.models import Contract, StripeEvent
from wnwa.billing.runtime import GATEWAY_KEY
from wnwa.extensions import db
from wnwa.mail import MailJob

URL = "/billing/stripe/webhook"


def _post(client, body: bytes, header: str):
    return client.post(
        URL, data=body, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
    )


def _events() -> int:
    return db.session.scalar(select(func.count(StripeEvent.id)))


def _card_contract_that_fails(make, fake, clock, name="Declined PD"):
    dept = make.department(name, sworn=5)
    make.officer(dept, finance=True, sworn=False, email=f"finance@{dept.slug}.example")
    grow_roster(make, dept, 5)
    staff = make.staff("network_finance")
    under_contract(fake, clock, dept, actor=staff, pay_by="card", card="pm_card_chargeCustomerFail")
    return dept


def test_a_bad_signature_is_refused_and_changes_nothing(ctx, make, fake, clock, client):
    dept = make.department(sworn=4)
    under_contract(fake, clock, dept, actor=make.staff("network_finance"))
    deliveries = fake.drain_webhooks()
    before = snapshot()
    for body, header in deliveries:
        tampered = body.replace(b'"type": "', b'"type": "x')
        assert _post(client, tampered, header).status_code == 400
        assert _post(client, body, sign_payload(body, "whsec_wrong")).status_code == 400
        assert _post(client, body, "").status_code == 400
        assert _post(client, body, "t=abc,v1=").status_code == 400
    assert snapshot() == before
    assert _events() == 0


def test_a_stale_signature_is_refused(ctx, make, fake, clock, client, app):
    dept = make.department(sworn=4)
    under_contract(fake, clock, dept, actor=make.staff("network_finance"))
    body, _ = fake.drain_webhooks()[0]
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    old = int(fake.now().timestamp()) - 301
    before = snapshot()
    assert _post(client, body, sign_payload(body, secret, old)).status_code == 400
    assert snapshot() == before
    fresh = int(fake.now().timestamp()) - 60
    assert _post(client, body, sign_payload(body, secret, fresh)).status_code == 200


def test_a_redelivered_event_applies_once(ctx, make, fake, clock, client):
    dept = _card_contract_that_fails(make, fake, clock)
    deliveries = fake.drain_webhooks()
    failed = [d for d in deliveries if json.loads(d[0])["type"] == "invoice.payment_failed"]
    assert len(failed) == 1
    for body, header in deliveries:
        assert _post(client, body, header).status_code == 200
    events, jobs = _events(), db.session.scalar(select(func.count(MailJob.id)))
    assert jobs == 4  # issued and declined: the finance user and the billing contact, once each
    for body, header in failed * 3:
        response = _post(client, body, header)
        assert (response.status_code, response.get_data(as_text=True)) == (200, "duplicate")
    assert _events() == events
    assert db.session.scalar(select(func.count(MailJob.id))) == jobs
    [invoice] = invoices_of(dept.id)
    assert (invoice.status, invoice.payment_failed_on) == ("open", START.date())


def test_a_declined_payment_is_shown_and_emailed(ctx, make, fake, clock, client, smtp_server):
    dept = _card_contract_that_fails(make, fake, clock, name="Emailed PD")
    assert set(deliver(client, fake)) == {200}
    assert mail.drain() == 4  # the invoice issued, then its payment declined; to both people
    declined = "WeNeverWalkAlone: a membership payment was declined"
    assert [m["Subject"] for m in smtp_server.to("billing@dept.example")].count(declined) == 1
    [message] = [
        m for m in smtp_server.to(f"finance@{dept.slug}.example") if m["Subject"] == declined
    ]
    assert message["Subject"] == "WeNeverWalkAlone: a membership payment was declined"
    assert "$1,500.00" in message.get_body(("plain",)).get_content()
    assert contract_of(dept.id).subscription_status == "incomplete"


def test_events_out_of_order_end_in_the_current_state(ctx, make, fake, clock, client):
    dept = make.department(sworn=4)
    staff = make.staff("network_finance")
    under_contract(fake, clock, dept, actor=staff, pay_by="card")
    deliveries = fake.drain_webhooks()
    for body, header in reversed(deliveries):
        assert _post(client, body, header).status_code == 200
    [invoice] = invoices_of(dept.id)
    assert (invoice.status, invoice.amount_paid_cents) == ("paid", 150_000)


def test_an_older_copy_never_undoes_a_payment(ctx, make, fake, clock):
    dept = make.department(sworn=4)
    under_contract(fake, clock, dept, actor=make.staff("network_finance"), pay_by="card")
    [paid] = invoices_of(dept.id)
    older = GatewayInvoice(
        id=paid.stripe_invoice_id,
        customer_id="cus_x",
        subscription_id=None,
        number=paid.number,
        status="open",
        amount_due_cents=paid.amount_due_cents,
        amount_paid_cents=0,
        currency="usd",
        period_start=paid.period_start,
        period_end=paid.period_end,
        due_date=None,
        hosted_url=None,
        pdf_url=None,
        created=paid.issued_at,
    )
    with as_department(dept.id):
        contract = db.session.scalars(select(Contract)).one()
        row = apply_invoice(contract, older, today=date(2026, 3, 3))
        assert (row.status, row.amount_paid_cents) == ("paid", 150_000)


def test_stripe_down_during_refetch_answers_503_and_records_nothing(ctx, make, fake, clock, client):
    dept = make.department(sworn=4)
    under_contract(fake, clock, dept, actor=make.staff("network_finance"), pay_by="card")
    deliveries = [
        d
        for d in fake.drain_webhooks()
        if json.loads(d[0])["data"]["object"]["object"] == "invoice"
    ]
    fake.unavailable = True
    for body, header in deliveries:
        assert _post(client, body, header).status_code == 503
    assert _events() == 0
    fake.unavailable = False
    for body, header in deliveries:
        assert _post(client, body, header).status_code == 200
    assert _events() == len(deliveries)


def test_events_about_objects_we_do_not_know_are_acknowledged(ctx, fake, client, app):
    body = json.dumps(
        {
            "id": "evt_unknown_1",
            "object": "event",
            "type": "invoice.paid",
            "data": {"object": {"id": "in_not_ours", "object": "invoice"}},
        }
    ).encode()
    header = sign_payload(body, app.config["STRIPE_WEBHOOK_SECRET"], int(fake.now().timestamp()))
    response = _post(client, body, header)
    assert (response.status_code, response.get_data(as_text=True)) == (200, "unknown object")
    assert _events() == 1


def test_without_billing_configured_the_webhook_answers_503(ctx, client, app):
    assert GATEWAY_KEY not in app.extensions and not app.config["STRIPE_SECRET_KEY"]
    assert _post(client, b"{}", "t=1,v1=x").status_code == 503


def test_webhooks_need_no_session_or_csrf_token(ctx, make, fake, clock, app):
    dept = make.department(sworn=4)
    under_contract(fake, clock, dept, actor=make.staff("network_finance"))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        fresh = app.test_client()
        statuses = {
            _post(fresh, body, header).status_code for body, header in fake.drain_webhooks()
        }
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert statuses == {200}


def test_payloads_never_reach_the_logs(ctx, make, fake, clock, client, caplog):
    dept = _card_contract_that_fails(make, fake, clock, name="Quiet PD")
    deliveries = fake.drain_webhooks()
    caplog.set_level(logging.DEBUG)
    for body, header in deliveries:
        _post(client, body, header)
        _post(client, body.replace(b"{", b"{ ", 1), header)  # bad signature: logged as such
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "rejected a webhook" in logged
    for body, _ in deliveries:
        event = json.loads(body)
        assert event["id"] not in logged
        assert event["data"]["object"]["id"] not in logged
    assert "Quiet PD" not in logged and dept.slug not in logged


def test_a_busy_database_is_retried_then_answered_503(ctx, make, fake, clock, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from wnwa.billing import webhooks

    dept = make.department(sworn=4)
    under_contract(fake, clock, dept, actor=make.staff("network_finance"))
    (body, header), *_ = fake.drain_webhooks()
    real, calls = webhooks._handle, []

    def busy_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("UPDATE ...", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(webhooks, "_handle", busy_once)
    assert _post(client, body, header).status_code == 200 and len(calls) == 2

    def always_busy(*args, **kwargs):
        raise OperationalError("UPDATE ...", {}, Exception("database is locked"))

    monkeypatch.setattr(webhooks, "_handle", always_busy)
    assert _post(client, body, header).status_code == 503


def test_acting_for_restores_the_binding_after_a_failure(ctx, make):
    import pytest

    from wnwa.tenants.scoping import acting_for, bound_department_id

    a, b = make.department(), make.department()
    with as_department(a.id):
        with pytest.raises(RuntimeError), acting_for(b.id):
            assert bound_department_id() == b.id
            raise RuntimeError("boom")
        assert bound_department_id() == a.id
    assert bound_department_id() is None


@pytest.mark.parametrize(
    "event_id, object_id",
    [(["evt", 1], "in_1"), (12345, "in_1"), ("evt_1", {"id": 1}), ("", "in_1")],
)
def test_a_signed_body_whose_ids_are_not_text_is_not_an_event(event_id, object_id):
    """Stripe's own parser accepts any JSON; ids that are not text are refused as not an
    event (400) by both gateways, instead of failing later (a 500)."""
    import time

    from wnwa.billing.fake_gateway import FakeGateway
    from wnwa.billing.gateway import InvalidWebhook
    from wnwa.billing.stripe_gateway import StripeGateway

    body = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "invoice.paid",
            "data": {"object": {"id": object_id, "object": "invoice"}},
        }
    ).encode()
    now = int(time.time())
    header = sign_payload(body, "whsec_test", now)
    stripe_side = StripeGateway("sk_test_x", "whsec_test", "http://127.0.0.1:9")
    fake = FakeGateway(lambda: datetime.fromtimestamp(now, UTC), webhook_secret="whsec_test")
    for gateway in (stripe_side, fake):
        with pytest.raises(InvalidWebhook):
            gateway.parse_webhook(body, header)
