"""Contract use cases on the fake gateway: notice rules, exceptions, details, cards, payments,
and retries that never duplicate anything."""

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
    under_contract,
)
from wnwa.audit import AuditEntry
from wnwa.billing import contracts
from wnwa.billing.gateway import GatewayUnavailable
from wnwa.billing.health import CardDeclined, StripeUnavailable
from wnwa.billing.terms import add_years
from wnwa.errors import Conflict, InvalidInput
from wnwa.extensions import db
from wnwa.us_states import day_words


def _at(day):
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@pytest.fixture
def staff(make):
    return make.staff("network_finance")


@pytest.fixture
def dept(make):
    department = make.department("Notice PD", sworn=6)
    grow_roster(make, department, 6)
    return department


def _cancel(fake, dept, today, actor):
    with as_department(dept.id) as department:
        return contracts.request_cancellation(fake, department, today=today, actor=actor)


def test_notice_before_the_final_commitment_year_is_refused(ctx, fake, clock, dept, staff):
    under_contract(fake, clock, dept, actor=staff)
    start = START.date()
    for day in (start, start + timedelta(days=200), add_years(start, 2) - timedelta(days=1)):
        if day > clock.today():
            advance(fake, clock, _at(day))
        with pytest.raises(Conflict) as refused:
            _cancel(fake, dept, clock.today(), staff)
        message = refused.value.message
        assert f"until {day_words(add_years(start, 3))}" in message
        assert f"can be given from {day_words(add_years(start, 2))}" in message
        assert "exception" in message
    contract = contract_of(dept.id)
    assert contract.status == "active" and not contract.cancel_at_period_end
    assert not fake.get_subscription(contract.stripe_subscription_id).cancel_at_period_end


def test_notice_in_the_final_commitment_year_ends_at_the_commitment_end(
    ctx, fake, clock, dept, staff, client
):
    under_contract(fake, clock, dept, actor=staff)
    start = START.date()
    advance(fake, clock, _at(add_years(start, 2) + timedelta(days=10)))
    deliver(client, fake)
    _cancel(fake, dept, clock.today(), staff)
    contract = contract_of(dept.id)
    assert contract.status == "cancellation_requested"
    assert contract.ends_on == add_years(start, 3) == contract.current_period_end
    assert fake.get_subscription(contract.stripe_subscription_id).cancel_at_period_end
    with pytest.raises(Conflict, match="already given"):
        _cancel(fake, dept, clock.today(), staff)
    advance(fake, clock, _at(add_years(start, 3)))
    deliver(client, fake)
    assert contract_of(dept.id).status == "ended"
    assert len(invoices_of(dept.id)) == 3


def test_notice_on_the_anniversary_before_the_renewal_hour_waits_for_it(
    ctx, fake, clock, dept, staff, client
):
    """Started at 9 AM Chicago: at 8 AM on the anniversary that opens the final year, the
    processor's period still ends today, and a notice would end the membership a year early."""
    start = START.date()  # 15:00 UTC
    under_contract(fake, clock, dept, actor=staff)
    advance(fake, clock, _at(add_years(start, 1)))
    deliver(client, fake)
    early = datetime.combine(add_years(start, 2), datetime.min.time(), UTC) + timedelta(hours=14)
    fake._clock = lambda: early
    clock.moment = early
    with pytest.raises(Conflict, match="begins later today") as refused:
        _cancel(fake, dept, clock.today(), staff)
    assert day_words(add_years(start, 3)) in str(refused.value)
    contract = contract_of(dept.id)
    assert contract.status == "active"
    assert not fake.get_subscription(contract.stripe_subscription_id).cancel_at_period_end
    advance(fake, clock, early + timedelta(hours=2))  # the renewal hour passes
    deliver(client, fake)
    _cancel(fake, dept, clock.today(), staff)
    assert contract_of(dept.id).ends_on == add_years(start, 3)


def test_with_an_exception_notice_is_accepted_in_year_one(ctx, fake, clock, dept, staff):
    contract_id = under_contract(fake, clock, dept, actor=staff)
    with pytest.raises(InvalidInput):
        contracts.record_exception(contract_id, reason="no", today=clock.today(), actor=staff)
    contracts.record_exception(
        contract_id,
        reason="1-year initial term agreed by the board",
        today=clock.today(),
        actor=staff,
    )
    _cancel(fake, dept, clock.today() + timedelta(days=40), staff)
    contract = contract_of(dept.id)
    assert contract.exception_reason == "1-year initial term agreed by the board"
    assert contract.ends_on == add_years(START.date(), 1)


def test_network_finance_can_record_notice_for_a_department(ctx, fake, clock, dept, staff):
    contract_id = under_contract(fake, clock, dept, actor=staff)
    with pytest.raises(Conflict, match="commits Notice PD"):
        contracts.cancel_on_behalf(fake, contract_id, today=clock.today(), actor=staff)
    contracts.record_exception(
        contract_id, reason="Budget crisis, board vote", today=clock.today(), actor=staff
    )
    contracts.cancel_on_behalf(fake, contract_id, today=clock.today(), actor=staff)
    assert contract_of(dept.id).status == "cancellation_requested"


def test_one_open_contract_per_department_and_drafts_can_be_discarded(ctx, dept, staff):
    contract_id = draft(dept.id, actor=staff)
    with pytest.raises(Conflict, match="already has a contract"):
        draft(dept.id, actor=staff)
    contracts.discard_draft(contract_id, actor=staff)
    with as_department(dept.id):
        assert contracts.contracts_of_department() == []
    draft(dept.id, actor=staff)
    with as_department(dept.id):
        assert [c.status for c in contracts.contracts_of_department()] == ["draft"]


def test_contract_input_is_validated(ctx, dept, staff):
    with pytest.raises(InvalidInput, match="billing email"):
        contracts.create_contract(
            department_id=dept.id,
            pay_by="invoice",
            billing_contact="X",
            billing_email="not an email",
            po_number="",
            actor=staff,
        )
    with pytest.raises(InvalidInput, match="invoice"):
        contracts.create_contract(
            department_id=dept.id,
            pay_by="bitcoin",
            billing_contact="X",
            billing_email="x@example.org",
            po_number="",
            actor=staff,
        )


def test_starting_twice_is_refused_and_card_contracts_need_a_card(ctx, fake, clock, dept, staff):
    contract_id = draft(dept.id, actor=staff, pay_by="card")
    with pytest.raises(InvalidInput, match="no card on file"):
        contracts.activate_contract(fake, contract_id, today=clock.today(), actor=staff)
    with as_department(dept.id) as department:
        contracts.add_test_card(fake, department, payment_method="pm_card_visa", actor=staff)
    contracts.activate_contract(fake, contract_id, today=clock.today(), actor=staff)
    with pytest.raises(Conflict, match="already started"):
        contracts.activate_contract(fake, contract_id, today=clock.today(), actor=staff)
    assert [i.status for i in invoices_of(dept.id)] == ["paid"]


def test_a_second_start_that_finishes_while_the_first_saves_the_customer_wins_alone(
    ctx, fake, clock, dept, staff, monkeypatch
):
    """Two Start clicks: the first commits the new Stripe customer (releasing its lock), the
    second starts the contract meanwhile; the first, re-locking, must not start it again."""
    contract_id = draft(dept.id, actor=staff)
    real_ensure = contracts._ensure_customer

    def ensure_then_the_other_click_starts(gateway, contract):
        customer_id = real_ensure(gateway, contract)
        monkeypatch.setattr(contracts, "_ensure_customer", real_ensure)
        contracts.activate_contract(fake, contract_id, today=clock.today(), actor=staff)
        return customer_id

    monkeypatch.setattr(contracts, "_ensure_customer", ensure_then_the_other_click_starts)
    with pytest.raises(Conflict, match="already started"):
        contracts.activate_contract(fake, contract_id, today=clock.today(), actor=staff)
    db.session.rollback()
    assert contract_of(dept.id).status == "active"
    assert len(fake._subscriptions) == 1 and len(invoices_of(dept.id)) == 1
    started = db.session.scalar(
        select(func.count(AuditEntry.id))
        .where(AuditEntry.action == "billing.contract_started")
        .execution_options(unscoped=True)  # the whole trail
    )
    assert started == 1


def test_a_retry_after_an_outage_creates_nothing_twice(ctx, fake, clock, dept, staff):
    contract_id = draft(dept.id, actor=staff)
    real_create = fake.create_subscription
    calls = []

    def create_then_lose_the_answer(*args, **kwargs):
        calls.append(kwargs["idempotency_key"])
        real_create(*args, **kwargs)
        fake.unavailable = True
        raise GatewayUnavailable("timeout")

    fake.create_subscription = create_then_lose_the_answer
    with pytest.raises(StripeUnavailable):
        contracts.activate_contract(fake, contract_id, today=clock.today(), actor=staff)
    contract = contract_of(dept.id)
    assert contract.status == "draft" and contract.stripe_customer_id  # checkpointed
    fake.create_subscription = real_create
    fake.unavailable = False
    contracts.activate_contract(fake, contract_id, today=clock.today(), actor=staff)
    assert calls == [f"wnwa-contract-{contract_id}-subscription"]
    assert len(fake._subscriptions) == 1 and len(fake._customers) == 1
    assert len(fake.list_invoices()) == 1
    assert len(invoices_of(dept.id)) == 1


def test_details_go_to_stripe_and_are_checked(ctx, fake, clock, dept, staff):
    under_contract(fake, clock, dept, actor=staff)
    with as_department(dept.id) as department:
        contracts.update_details(
            fake,
            department,
            po_number=" PO-2027-1 ",
            billing_contact="Avery Payables",
            billing_email="AP@Notice.example",
            actor=staff,
        )
        with pytest.raises(InvalidInput, match="60 characters"):
            contracts.update_details(
                fake,
                department,
                po_number="x" * 61,
                billing_contact="A",
                billing_email="a@b.example",
                actor=staff,
            )
    contract = contract_of(dept.id)
    assert (contract.po_number, contract.billing_email) == ("PO-2027-1", "ap@notice.example")
    assert fake.customer_details[contract.stripe_customer_id] == {"po_number": "PO-2027-1"}


def test_switching_to_card_needs_a_card_and_changes_collection(ctx, fake, clock, dept, staff):
    under_contract(fake, clock, dept, actor=staff)
    with as_department(dept.id) as department:
        with pytest.raises(InvalidInput, match="Add a card first"):
            contracts.set_pay_by(fake, department, pay_by="card", today=clock.today(), actor=staff)
        with pytest.raises(CardDeclined, match="declined"):
            contracts.add_test_card(
                fake, department, payment_method="pm_card_visa_chargeDeclined", actor=staff
            )
        contracts.add_test_card(fake, department, payment_method="pm_card_visa", actor=staff)
        contracts.set_pay_by(fake, department, pay_by="card", today=clock.today(), actor=staff)
    contract = contract_of(dept.id)
    assert contract.pay_by == "card" and contract.card_on_file
    assert fake._subscriptions[contract.stripe_subscription_id].pay_by == "card"


def test_a_card_entered_on_the_hosted_page_arrives_by_webhook(
    ctx, fake, clock, dept, staff, client
):
    under_contract(fake, clock, dept, actor=staff)
    with as_department(dept.id) as department:
        url = contracts.start_card_setup(fake, department, return_url="https://x/return")
    assert url.startswith("https://checkout.fake.invalid/setup/")
    deliver(client, fake)
    assert not contract_of(dept.id).card_on_file
    fake.complete_checkout(url.rsplit("/", 1)[1], "pm_card_visa")
    assert set(deliver(client, fake)) == {200}
    assert contract_of(dept.id).card_on_file


def test_out_of_band_payment_is_recorded_once(ctx, fake, clock, dept, staff):
    under_contract(fake, clock, dept, actor=staff)
    [invoice] = invoices_of(dept.id)
    with pytest.raises(InvalidInput):
        contracts.record_payment(
            fake, invoice.id, method="cash", reference="1", today=clock.today(), actor=staff
        )
    contracts.record_payment(
        fake, invoice.id, method="ACH", reference="TRX-9", today=clock.today(), actor=staff
    )
    with pytest.raises(Conflict, match="already paid"):
        contracts.record_payment(
            fake, invoice.id, method="ACH", reference="TRX-9", today=clock.today(), actor=staff
        )
    [paid] = invoices_of(dept.id)
    assert (paid.status, paid.payment_note, paid.paid_on) == ("paid", "ACH TRX-9", clock.today())


def test_a_payment_retried_after_stripe_already_took_it_is_not_taken_twice(
    ctx, fake, clock, dept, staff
):
    under_contract(fake, clock, dept, actor=staff)
    [invoice] = invoices_of(dept.id)
    fake.pay_invoice_out_of_band(invoice.stripe_invoice_id)  # the answer was lost
    contracts.record_payment(
        fake, invoice.id, method="check", reference="77", today=clock.today(), actor=staff
    )
    assert invoices_of(dept.id)[0].status == "paid"
