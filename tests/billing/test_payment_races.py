"""Two finance people acting on the same invoice or contract at once take turns: real threads,
each with its own connection and committed transactions (PostgreSQL: the row is locked FOR
UPDATE; SQLite: the single write lock). Everything committed is removed after."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import delete, select

from tests import factories
from tests.billing.conftest import as_department, under_contract
from tests.superuser import purge_audit, real_transactions
from wnwa.audit import AuditEntry
from wnwa.billing import contracts
from wnwa.billing.models import Contract, Invoice
from wnwa.errors import DomainError
from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import tenant_context


@pytest.fixture
def committed(app):
    made: list[int] = []
    with real_transactions(app, pool_size=4):
        try:
            yield made
        finally:
            db.session.remove()
            for dept_id in made:
                with tenant_context(dept_id):
                    for model in (Invoice, Contract, User):
                        db.session.execute(delete(model))
                    db.session.commit()
            purge_audit(db.engine.url, made)
            db.session.execute(delete(MailJob))
            db.session.execute(delete(Department).where(Department.id.in_(made)))
            db.session.commit()


def _two_at_once(app, action) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(n: int) -> None:
        # as the web request does it: a POST (on SQLite its transaction takes the write lock)
        with app.test_request_context("/", method="POST"):
            barrier.wait(timeout=30)
            try:
                action(n)
                outcomes.append("done")
            except DomainError as exc:
                outcomes.append(f"refused: {exc.message}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _contract(app, fake, clock, committed) -> tuple[int, int, int]:
    with app.app_context():
        dept = factories.department("Race PD", sworn=6)
        committed.append(dept.id)
        for _ in range(6):
            factories.officer(dept)
        contract_id = under_contract(fake, clock, dept, actor="network finance")
        with tenant_context(dept.id):
            invoice_id = db.session.scalar(select(Invoice.id))
        return dept.id, contract_id, invoice_id


def test_two_payments_recorded_at_once_are_kept_once(app, fake, clock, committed):
    dept_id, _, invoice_id = _contract(app, fake, clock, committed)
    paying = fake.pay_invoice_out_of_band

    def slow(stripe_invoice_id):
        time.sleep(0.3)  # a Stripe round trip, during which the other clerk clicks
        return paying(stripe_invoice_id)

    fake.pay_invoice_out_of_band = slow

    def record(n: int) -> None:
        contracts.record_payment(
            fake,
            invoice_id,
            method="check",
            reference=f"CHK-{n}00{n}",
            today=clock.today(),
            actor=f"clerk {n}",
        )

    outcomes = _two_at_once(app, record)
    assert sorted(outcomes) == [
        "done",
        "refused: This invoice is already paid; nothing was recorded twice.",
    ], outcomes
    with app.app_context(), tenant_context(dept_id):
        invoice = db.session.get(Invoice, invoice_id)
        recorded = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "billing.payment_recorded")
        ).all()
        assert len(recorded) == 1
        assert invoice.payment_note == f"check {recorded[0].details['reference']}"


def test_notice_given_twice_at_once_is_taken_once(app, fake, clock, committed):
    dept_id, contract_id, _ = _contract(app, fake, clock, committed)
    with app.app_context():
        contracts.record_exception(
            contract_id, reason="One-year trial agreed", today=clock.today(), actor="finance"
        )

    def give_notice(_n: int) -> None:
        with as_department(dept_id) as department:
            contracts.request_cancellation(
                fake, department, today=clock.today(), actor="department finance"
            )

    outcomes = _two_at_once(app, give_notice)
    assert outcomes.count("done") == 1, outcomes
    assert any(o.startswith("refused: Notice was already given") for o in outcomes), outcomes
    with app.app_context(), tenant_context(dept_id):
        notices = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "billing.cancellation_requested")
        ).all()
        assert len(notices) == 1
