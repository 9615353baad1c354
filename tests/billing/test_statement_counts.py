"""Network-wide billing runs read what they need once per run, not once per contract."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from tests.billing.conftest import START, advance, grow_roster, under_contract
from wnwa.billing import contracts, mirror, renewals, sync
from wnwa.billing.models import Invoice
from wnwa.billing.terms import add_years
from wnwa.extensions import db


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


@contextmanager
def recorded() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("count", [2, 5])
def test_the_renewal_run_reads_tiers_and_plans_once(ctx, make, fake, clock, monkeypatch, count):
    staff = make.staff("network_finance")
    for n in range(count):
        dept = make.department(f"Renewing {n} PD", sworn=4)
        grow_roster(make, dept, 4 + n)  # all in the 1-10 tier: one plan for the whole run
        contract_id = under_contract(fake, clock, dept, actor=staff)
        contracts.record_exception(
            contract_id, reason="One-year pilot term", today=clock.today(), actor=staff
        )
    advance(fake, clock, _at(add_years(START.date(), 1) - timedelta(days=20)))
    plans: list[str] = []
    ensure_plan = fake.ensure_plan
    monkeypatch.setattr(fake, "ensure_plan", lambda *a: plans.append(a[0]) or ensure_plan(*a))

    with recorded() as statements:
        run = renewals.run_renewals(fake, today=clock.today(), horizon_days=30, actor=staff)

    assert run.stopped is None and run.problems == []
    assert len(run.rows) == count
    assert len([s for s in statements if "pricing_tier" in s]) == 1, statements
    assert plans == ["sworn-1-10"]


def _reads(statements: list[str], *tables: str) -> list[str]:
    return [
        s for s in statements if s.lstrip().startswith("SELECT") and any(t in s for t in tables)
    ]


@pytest.mark.parametrize("count", [2, 5])
def test_reconcile_and_overdue_notices_read_the_batch_once(ctx, make, fake, clock, count):
    staff = make.staff("network_finance")
    for n in range(count):
        dept = make.department(f"Sync {n} PD", sworn=4)
        grow_roster(make, dept, 4)
        make.officer(dept, finance=True, sworn=False)
        under_contract(fake, clock, dept, actor=staff)
    # A year on: each year-1 invoice (mirrored) is overdue and a renewal invoice (not yet
    # mirrored) was issued; the webhooks were lost.
    advance(fake, clock, _at(add_years(START.date(), 1)))
    fake.drain_webhooks()

    with recorded() as statements:
        result = sync.reconcile(fake, today=clock.today(), now=clock.now())
    assert (result.invoices, result.subscriptions) == (2 * count, count)
    # The batch's contracts, its mirror rows, the subscriptions to refresh: one read each.
    assert len(_reads(statements, "billing_contract", "billing_invoice")) == 3, statements

    with recorded() as statements:
        assert sync.notify_overdue(today=clock.today()) == count
    assert len(_reads(statements, "billing_contract", "billing_invoice")) == 1, statements


def test_reconcile_reads_a_large_batch_in_chunks(ctx, make, fake, clock, monkeypatch):
    """Ids go to the database in bounded IN lists; every invoice of the batch still lands."""
    monkeypatch.setattr(mirror, "_CHUNK", 2)
    staff = make.staff("network_finance")
    for n in range(3):
        dept = make.department(f"Chunk {n} PD", sworn=4)
        grow_roster(make, dept, 4)
        make.officer(dept, finance=True, sworn=False)
        under_contract(fake, clock, dept, actor=staff)
    advance(fake, clock, _at(add_years(START.date(), 1)))
    fake.drain_webhooks()

    with recorded() as statements:
        result = sync.reconcile(fake, today=clock.today(), now=clock.now())
    assert (result.invoices, result.subscriptions) == (6, 3)
    # contracts in 2 chunks, invoices in 3, then the subscriptions to refresh
    assert len(_reads(statements, "billing_contract", "billing_invoice")) == 6
    mirrored = db.session.scalars(select(Invoice).execution_options(unscoped=True)).all()
    assert len(mirrored) == 6
