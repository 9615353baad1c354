"""Billing fixtures: a fake gateway with a movable clock, a real localstripe, builders.

``localstripe_url`` starts localstripe on 127.0.0.1 once per session; if it cannot start the
tests that need it ERROR (never skip).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.conftest import sign_in
from wnwa.billing import contracts
from wnwa.billing.fake_gateway import FakeGateway
from wnwa.billing.localstripe_server import running_localstripe
from wnwa.billing.models import Contract, Invoice
from wnwa.billing.runtime import CLOCK_KEY, GATEWAY_KEY
from wnwa.extensions import db
from wnwa.tenants.models import Department
from wnwa.tenants.scoping import tenant_context

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@dataclass
class Clock:
    moment: datetime

    def now(self) -> datetime:
        return self.moment

    def today(self) -> date:
        return self.moment.date()


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def fake(app, clock) -> Iterator[FakeGateway]:
    """A FakeGateway the app uses (views, webhooks), on the test's clock."""
    gateway = FakeGateway(clock.now, webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"])
    app.extensions[GATEWAY_KEY] = gateway
    app.extensions[CLOCK_KEY] = lambda: gateway.today()
    try:
        yield gateway
    finally:
        app.extensions.pop(GATEWAY_KEY, None)
        app.extensions.pop(CLOCK_KEY, None)


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    with running_localstripe() as url:
        yield url


def advance(fake: FakeGateway, clock: Clock, when: datetime) -> list:
    """Move the shared clock (the fake's and the app's) and run the renewals now due."""
    invoices = fake.advance_to(when)
    clock.moment = when
    return invoices


def deliver(client, fake: FakeGateway) -> list[int]:
    """POST every queued fake event to the webhook endpoint; the status codes."""
    return [
        client.post(
            "/billing/stripe/webhook",
            data=body,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        ).status_code
        for body, header in fake.drain_webhooks()
    ]


@contextmanager
def as_department(department_id: int) -> Iterator[Department]:
    """Bind a department as the tenant and yield it freshly loaded."""
    with tenant_context(department_id):
        yield db.session.scalars(select(Department).where(Department.id == department_id)).one()


def contract_of(department_id: int) -> Contract:
    with tenant_context(department_id):
        contract = db.session.scalars(select(Contract).order_by(Contract.id.desc())).first()
        db.session.expunge(contract)
    return contract


def invoices_of(department_id: int) -> list[Invoice]:
    with tenant_context(department_id):
        rows = list(db.session.scalars(select(Invoice).order_by(Invoice.period_start)))
        for row in rows:
            db.session.expunge(row)
    return rows


def grow_roster(make, department, sworn: int) -> None:
    """Add active sworn officers until the roster has ``sworn`` of them."""
    from wnwa.tenants.services import sworn_count

    with as_department(department.id) as dept:
        have = sworn_count(dept)
    for _ in range(sworn - have):
        make.officer(department)


def draft(department_id: int, *, actor, pay_by: str = "invoice", po: str = "PO-1") -> int:
    return contracts.create_contract(
        department_id=department_id,
        pay_by=pay_by,
        billing_contact="Pat Quinn",
        billing_email="billing@dept.example",
        po_number=po,
        actor=actor,
    )


def under_contract(
    fake,
    clock,
    department,
    *,
    actor,
    pay_by: str = "invoice",
    po: str = "PO-1",
    card: str = "pm_card_visa",
) -> int:
    """A started contract for ``department`` (its year-1 invoice issued); paid by ``card``
    (a Stripe test card: "pm_card_chargeCustomerFail" is declined) when ``pay_by`` is card."""
    contract_id = draft(department.id, actor=actor, po=po)
    if pay_by == "card":
        with as_department(department.id) as dept:
            contracts.add_test_card(fake, dept, payment_method=card, actor=actor)
            contracts.set_pay_by(fake, dept, pay_by="card", today=clock.today(), actor=actor)
    contracts.activate_contract(fake, contract_id, today=clock.today(), actor=actor)
    return contract_id


@pytest.fixture
def staff_client(app):
    """A second client, for signing in network staff beside a department user."""
    return app.test_client()


def login_other(client, account, make) -> None:
    response = sign_in(client, account.email, make.PASSWORD, make.TOTP_SECRET)
    assert response.status_code == 303, response.status_code
