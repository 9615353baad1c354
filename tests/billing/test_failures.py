"""Failures: Stripe down or not configured, overdue invoices, missed webhooks (reconcile)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.billing.conftest import (
    START,
    advance,
    as_department,
    contract_of,
    deliver,
    draft,
    grow_roster,
    invoices_of,
    login_other,
    under_contract,
)
from tests.privacy.snapshots import snapshot
from wnwa import mail
from wnwa.billing import mirror, reports, sync
from wnwa.billing.health import StripeUnavailable, billing_health
from wnwa.billing.models import BillingSync, Contract
from wnwa.billing.terms import add_years
from wnwa.extensions import db
from wnwa.us_states import day_words


def _setup(make, fake, clock, name="Outage PD"):
    dept = make.department(name, sworn=4)
    grow_roster(make, dept, 4)
    finance = make.officer(dept, finance=True, sworn=False, email=f"ap@{dept.slug}.example")
    staff = make.staff("network_finance")
    under_contract(fake, clock, dept, actor=staff)
    return dept, finance, staff


def _without_sync_row(tables):
    return {k: v for k, v in tables.items() if k != "billing_sync"}


def test_stripe_down_screens_still_work_and_say_data_may_be_stale(
    ctx, make, fake, clock, client, staff_client, login
):
    dept, finance, staff = _setup(make, fake, clock)
    login(finance)
    login_other(staff_client, staff, make)
    fake.unavailable = True
    assert client.get("/billing/").status_code == 200
    before = snapshot()
    response = client.post(
        "/billing/details",
        data={"po_number": "PO-X", "billing_contact": "A B", "billing_email": "a@b.example"},
    )
    assert response.status_code == 503
    assert "Stripe is not answering" in response.get_data(as_text=True)
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert _without_sync_row(snapshot()) == _without_sync_row(before)
    assert contract_of(dept.id).po_number == "PO-1"
    for screen in (client.get("/billing/"), staff_client.get("/billing/network/")):
        html = screen.get_data(as_text=True)
        assert screen.status_code == 200
        assert 'id="billing-stale"' in html and "may be stale" in html
    assert "$1,500.00" in client.get("/billing/").get_data(as_text=True)
    invoice = invoices_of(dept.id)[0]
    assert (
        staff_client.get(f"/billing/network/contracts/{contract_of(dept.id).id}").status_code == 200
    )
    response = staff_client.post(
        f"/billing/network/contracts/{contract_of(dept.id).id}/invoices/{invoice.id}/payment",
        data={"method": "check", "reference": "5"},
    )
    assert response.status_code == 503
    assert invoices_of(dept.id)[0].status == "open"

    fake.unavailable = False
    assert (
        client.post(
            "/billing/details",
            data={"po_number": "PO-X", "billing_contact": "A B", "billing_email": "a@b.example"},
        ).status_code
        == 303
    )
    assert 'id="billing-stale"' not in client.get("/billing/").get_data(as_text=True)
    assert not billing_health(True).stale
    # once Stripe answers, the payment is recorded; network finance sees the reference
    contract_page = f"/billing/network/contracts/{contract_of(dept.id).id}"
    recorded = staff_client.post(
        f"{contract_page}/invoices/{invoice.id}/payment",
        data={"method": "check", "reference": "CHK-5512"},
    )
    assert recorded.status_code == 303
    assert "By check CHK-5512" in staff_client.get(contract_page).get_data(as_text=True)


def test_a_successful_card_setup_after_an_outage_clears_the_stale_flag(
    ctx, make, fake, clock, client, login
):
    dept, finance, staff = _setup(make, fake, clock, name="Card Setup PD")
    login(finance)
    fake.unavailable = True
    assert client.post("/billing/card/setup").status_code == 503
    assert billing_health(True).stale
    fake.unavailable = False
    setup = client.post("/billing/card/setup")
    assert setup.status_code == 303
    assert not billing_health(True).stale
    assert 'id="billing-stale"' not in client.get("/billing/").get_data(as_text=True)

    fake.unavailable = True
    assert client.post("/billing/card", data={"payment_method": "pm_card_visa"}).status_code == 503
    assert billing_health(True).stale
    fake.unavailable = False
    assert client.post("/billing/card", data={"payment_method": "pm_card_visa"}).status_code == 303
    assert not billing_health(True).stale


def test_without_a_stripe_key_the_screens_say_billing_is_not_configured(
    ctx, make, client, staff_client, login, app
):
    assert not app.config["STRIPE_SECRET_KEY"]
    dept = make.department("Unconfigured PD")
    login(make.officer(dept, finance=True))
    staff = make.staff("network_finance")
    login_other(staff_client, staff, make)
    page = client.get("/billing/")
    assert page.status_code == 200
    assert 'id="billing-not-configured"' in page.get_data(as_text=True)
    network = staff_client.get("/billing/network/")
    assert network.status_code == 200
    assert 'id="billing-not-configured"' in network.get_data(as_text=True)
    response = staff_client.post("/billing/network/renewals", data={"horizon_days": "90"})
    assert response.status_code == 503
    assert "Billing is not configured" in response.get_data(as_text=True)
    assert client.get("/membership/quote?sworn=12").status_code == 200


def test_overdue_invoices_show_clearly_and_are_emailed_once(
    ctx, make, fake, clock, client, login, smtp_server
):
    dept, finance, staff = _setup(make, fake, clock, name="Late PD")
    login(finance)
    [invoice] = invoices_of(dept.id)
    due = invoice.due_date
    assert due == START.date() + timedelta(days=30)
    assert mail.drain() == 2  # issued: to the finance user and the billing contact
    [issued] = smtp_server.to(f"ap@{dept.slug}.example")
    assert issued["Subject"].startswith("WeNeverWalkAlone: ") and "for Late PD" in issued["Subject"]
    text = issued.get_body(("plain",)).get_content()
    html = issued.get_body(("html",)).get_content()
    assert "Late PD's membership invoice is ready." in text
    assert f"Due: {day_words(due)}" in text and "/billing/" in html
    smtp_server.messages.clear()
    assert sync.notify_overdue(today=due) == 0
    late = due + timedelta(days=12)
    clock.moment = datetime(late.year, late.month, late.day, tzinfo=UTC)
    assert sync.notify_overdue(today=late) == 1
    assert sync.notify_overdue(today=late + timedelta(days=1)) == 0
    assert mail.drain() == 2  # finance user and billing contact
    [message] = smtp_server.to(f"ap@{dept.slug}.example")
    assert message["Subject"] == "WeNeverWalkAlone: a membership invoice is overdue"
    assert "12 days overdue" in message.get_body(("plain",)).get_content()
    assert "12 days overdue" in message.get_body(("html",)).get_content()
    # the invoice number as issued, capitals and all
    assert f"Invoice {invoice.number} (" in message.get_body(("plain",)).get_content()
    assert f"Invoice: {invoice.number}\r\n" in text
    page = client.get("/billing/").get_data(as_text=True)
    assert "Overdue by 12 days" in page


def test_reconcile_repairs_missed_webhooks_and_is_repeatable(ctx, make, fake, clock):
    dept, _, staff = _setup(make, fake, clock, name="Missed PD")
    fake.drain_webhooks()  # lost
    [invoice] = invoices_of(dept.id)
    fake.pay_invoice_out_of_band(invoice.stripe_invoice_id)
    start = START.date()
    advance(fake, clock, datetime(start.year + 1, start.month, start.day, 9, tzinfo=UTC))
    fake.drain_webhooks()  # lost too
    assert len(invoices_of(dept.id)) == 1

    result = sync.reconcile(fake, today=clock.today(), now=clock.now())
    assert result.invoices == 2 and result.since is None
    mirrored = invoices_of(dept.id)
    assert [(i.period_start, i.status) for i in mirrored] == [
        (start, "paid"),
        (add_years(start, 1), "open"),
    ]
    assert contract_of(dept.id).current_period_start == add_years(start, 1)
    cursor = db.session.scalar(select(BillingSync.cursor))
    assert cursor == clock.now()

    before = snapshot()
    later = clock.now() + timedelta(hours=2)
    again = sync.reconcile(fake, today=clock.today(), now=later)
    assert again.since == clock.now() - timedelta(hours=1)
    after = snapshot()
    changed = {t for t in after if after[t] != before[t]}
    assert changed <= {"billing_sync", "billing_contract", "billing_invoice"}
    assert [(i.status, i.amount_due_cents) for i in invoices_of(dept.id)] == [
        ("paid", 150_000),
        ("open", 150_000),
    ]


def test_reconcile_during_an_outage_changes_nothing(ctx, make, fake, clock):
    dept, _, _ = _setup(make, fake, clock, name="Down PD")
    fake.unavailable = True
    before = _without_sync_row(snapshot())
    with pytest.raises(StripeUnavailable):
        sync.reconcile(fake, today=clock.today())
    assert _without_sync_row(snapshot()) == before
    assert billing_health(True).stale
    assert db.session.scalar(select(func.count(BillingSync.id))) == 1


def test_the_reconcile_command(ctx, make, fake, clock, app):
    dept, _, _ = _setup(make, fake, clock, name="Command PD")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["billing", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "Synced 1 invoices" in result.output
    assert "overdue notices queued: 1." in result.output  # the CLI runs on today's date
    assert invoices_of(dept.id)[0].synced_at is not None


def test_a_first_card_payment_stripe_gave_up_on_ends_the_contract(ctx, make, fake, clock, client):
    """Declined at the start and left unpaid, Stripe expires the subscription: the contract
    ends (no longer "Active", not in revenue), so network finance can draft a new one."""
    staff = make.staff("network_finance")
    dept = make.department("Expired Card PD", sworn=3)
    grow_roster(make, dept, 3)
    under_contract(fake, clock, dept, actor=staff, pay_by="card", card="pm_card_chargeCustomerFail")
    deliver(client, fake)
    sub = fake.get_subscription(contract_of(dept.id).stripe_subscription_id)
    expired = replace(sub, status="incomplete_expired")  # what Stripe reports a day later
    with as_department(dept.id):
        contract = db.session.scalars(select(Contract)).one()
        mirror.apply_subscription(contract, expired, today=clock.today() + timedelta(days=1))
        db.session.commit()
    assert contract_of(dept.id).status == "ended"
    assert sum(r.contracts for r in reports.revenue_by_tier()) == 0
    draft(dept.id, actor=staff)  # a new contract can be drafted


def test_a_finance_clerk_who_left_gets_no_more_billing_mail(ctx, make, fake, clock):
    """Their address may still be the contract's billing contact: it is dropped once their
    account has left the roster."""
    from wnwa.billing.notify import finance_recipients
    from wnwa.roster.people import depart_person

    dept = make.department("Clerk Left PD", sworn=4)
    grow_roster(make, dept, 4)
    clerk = make.officer(dept, finance=True, sworn=False, email="billing@dept.example")
    clerk_id = clerk.id
    under_contract(fake, clock, dept, actor=make.staff("network_finance"))
    with as_department(dept.id) as department:
        contract = db.session.scalars(select(Contract)).one()
        assert finance_recipients(contract) == ["billing@dept.example"]
        depart_person(department, clerk_id, actor="chief")
        assert finance_recipients(contract) == []
