"""End to end on the fake gateway and clock: sign, invoice year 1, pay, renew through the
commitment (price locked) and into the annual phase (re-tiered from the roster), notice, end.

Renewals, re-tiering and time travel are covered by the fake only: localstripe has no test
clocks, so it can never issue a renewal invoice.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tests.billing.conftest import (
    START,
    advance,
    as_department,
    contract_of,
    deliver,
    grow_roster,
    invoices_of,
    under_contract,
)
from wnwa import mail
from wnwa.billing import contracts, renewals, tiers
from wnwa.billing.terms import add_years
from wnwa.billing.tiers import TierInput
from wnwa.extensions import db
from wnwa.mail import MailJob


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC)


def _amounts(department_id):
    return [(i.period_start, i.amount_due_cents, i.status) for i in invoices_of(department_id)]


def test_five_years_with_locked_commitment_then_retiering(
    ctx, make, fake, clock, client, smtp_server
):
    dept = make.department("Lifecycle PD", sworn=8)
    make.officer(dept, finance=True, sworn=False, email="money@lifecycle.example")
    grow_roster(make, dept, 8)
    staff = make.staff("network_finance")
    start = START.date()

    contract_id = under_contract(fake, clock, dept, actor=staff)
    assert set(deliver(client, fake)) == {200}
    contract = contract_of(dept.id)
    assert contract.id == contract_id
    assert (contract.status, contract.term_start) == ("active", start)
    assert (contract.tier_label, contract.sworn_at_pricing) == ("1-10 sworn officers", 8)
    assert contract.annual_cents == 150_000 and contract.currency == "usd"
    [year1] = invoices_of(dept.id)
    assert (year1.amount_due_cents, year1.status) == (150_000, "open")
    assert year1.due_date == start + timedelta(days=30)
    assert (year1.period_start, year1.period_end) == (start, add_years(start, 1))

    contracts.record_payment(
        fake, year1.id, method="check", reference="1001", today=clock.today(), actor=staff
    )
    deliver(client, fake)
    assert invoices_of(dept.id)[0].status == "paid"
    assert invoices_of(dept.id)[0].payment_note == "check 1001"

    # Years 2 and 3: the roster grows, the price stays locked.
    grow_roster(make, dept, 30)
    for year in (1, 2):
        run = renewals.run_renewals(fake, today=clock.today(), horizon_days=400, actor=staff)
        assert run.rows == [] and run.stopped is None
        advance(fake, clock, _at(add_years(start, year)))
        assert set(deliver(client, fake)) == {200}
    assert [a for _, a, _ in _amounts(dept.id)] == [150_000, 150_000, 150_000]
    contract = contract_of(dept.id)
    assert contract.current_period_start == add_years(start, 2)
    assert contract.annual_cents == 150_000

    # Before year 4 (the first renewal after the commitment): re-tiered from the roster.
    renewal_day = add_years(start, 3)
    advance(fake, clock, _at(renewal_day - timedelta(days=60)))
    run = renewals.run_renewals(fake, today=clock.today(), actor=staff)
    assert [(r.sworn, r.tier_label, r.annual_cents) for r in run.rows] == [
        (30, "26-50 sworn officers", 500_000)
    ]
    contract = contract_of(dept.id)
    assert (contract.status, contract.renewal_on) == ("renewal_due", renewal_day)
    assert contract.annual_cents == 150_000  # the current year keeps its price
    with as_department(dept.id):
        assert db.session.scalar(select(MailJob.id).where(MailJob.to == "money@lifecycle.example"))

    # The roster keeps growing before the renewal: the daily run re-prices it.
    grow_roster(make, dept, 60)
    advance(fake, clock, _at(renewal_day - timedelta(days=5)))
    run = renewals.run_renewals(fake, today=clock.today(), actor=staff)
    assert [(r.sworn, r.annual_cents) for r in run.rows] == [(60, 800_000)]

    advance(fake, clock, _at(renewal_day))
    assert set(deliver(client, fake)) == {200}
    contract = contract_of(dept.id)
    assert (contract.status, contract.tier_label) == ("active", "51-100 sworn officers")
    assert (contract.annual_cents, contract.sworn_at_pricing) == (800_000, 60)
    assert contract.renewal_on is None
    assert _amounts(dept.id)[-1][:2] == (renewal_day, 800_000)

    # A new tier table applies to renewals after it; the year-5 renewal uses it.
    year5 = add_years(start, 4)
    tiers.save_tier_table(
        [TierInput(1, 50, 200_000), TierInput(51, 100, 900_000), TierInput(101, None, 2_000_000)],
        valid_from=year5 - timedelta(days=100),
        today=clock.today(),
        actor=staff,
    )
    advance(fake, clock, _at(year5 - timedelta(days=30)))
    renewals.run_renewals(fake, today=clock.today(), actor=staff)
    advance(fake, clock, _at(year5))
    deliver(client, fake)
    assert [a for _, a, _ in _amounts(dept.id)] == [150_000, 150_000, 150_000, 800_000, 900_000]
    assert contract_of(dept.id).tiers_valid_from == year5 - timedelta(days=100)

    # Notice in the renewal phase: accepted, effective at the end of the renewal year.
    with as_department(dept.id) as department:
        contracts.request_cancellation(fake, department, today=clock.today(), actor=staff)
    contract = contract_of(dept.id)
    assert (contract.status, contract.ends_on) == ("cancellation_requested", add_years(start, 5))
    advance(fake, clock, _at(add_years(start, 5)))
    assert set(deliver(client, fake)) == {200}
    contract = contract_of(dept.id)
    assert (contract.status, contract.ended_on) == ("ended", add_years(start, 5))
    assert len(invoices_of(dept.id)) == 5  # no sixth invoice

    assert mail.drain() > 0
    subjects = {m["Subject"] for m in smtp_server.to("money@lifecycle.example")}
    assert "WeNeverWalkAlone: your membership renewal" in subjects
    assert "WeNeverWalkAlone: notice of non-renewal received" in subjects


def test_card_contract_pays_each_year_automatically(ctx, make, fake, clock, client):
    dept = make.department("Card PD", sworn=3)
    grow_roster(make, dept, 3)
    staff = make.staff("network_finance")
    under_contract(fake, clock, dept, actor=staff, pay_by="card")
    advance(fake, clock, _at(add_years(START.date(), 1)))
    assert set(deliver(client, fake)) == {200}
    assert [(a, s) for _, a, s in _amounts(dept.id)] == [(150_000, "paid"), (150_000, "paid")]
    assert all(i.due_date is None and i.paid_on for i in invoices_of(dept.id))
