"""Reconciliation with Stripe (``flask --app wsgi billing reconcile``) and overdue notices.

Webhooks keep the mirror current; reconciliation repairs what they missed (an outage, a lost
delivery). It re-reads the invoices created since the last sync (with an hour of overlap) and
the subscriptions that may have changed: those of the invoices just read, those whose period
has ended (renewed or ended), and those with notice given. Applying is idempotent, so the
overlap and a repeated run change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from wnwa.billing import health, notify
from wnwa.billing.gateway import BillingGateway
from wnwa.billing.health import stripe_call
from wnwa.billing.mirror import (
    apply_invoice,
    apply_subscription,
    contracts_by_subscription,
    invoice_rows,
)
from wnwa.billing.models import Contract, Invoice
from wnwa.extensions import db, utcnow
from wnwa.tenants.scoping import acting_for

OVERLAP = timedelta(hours=1)


@dataclass(frozen=True)
class ReconcileResult:
    invoices: int
    subscriptions: int
    since: datetime | None


def reconcile(
    gateway: BillingGateway, *, today: date, now: datetime | None = None
) -> ReconcileResult:
    now = now or utcnow()
    state = health.sync_state()
    since = state.cursor - OVERLAP if state.cursor else None
    with stripe_call("reconcile invoices"):
        invoices = sorted(gateway.list_invoices(since=since), key=lambda i: i.created)
    # The batch's contracts and mirror rows are read once each, not once per invoice.
    contracts = contracts_by_subscription(
        {i.subscription_id for i in invoices if i.subscription_id}
    )
    rows = invoice_rows({i.id for i in invoices})
    touched: set[int] = set()
    applied = 0
    for invoice in invoices:
        contract = contracts.get(invoice.subscription_id or "")
        if contract is None:
            continue
        with acting_for(contract.department_id):
            apply_invoice(contract, invoice, today=today, now=now, rows=rows)
        touched.add(contract.id)
        applied += 1
    to_check = _subscriptions_to_check(today, touched)
    with stripe_call("reconcile subscriptions"):
        subscriptions = [gateway.get_subscription(c.stripe_subscription_id or "") for c in to_check]
    for contract, sub in zip(to_check, subscriptions, strict=True):
        with acting_for(contract.department_id):
            apply_subscription(contract, sub, today=today, now=now)
    state = health.sync_state()
    state.cursor = now
    health.mark_success(now)
    db.session.commit()
    return ReconcileResult(applied, len(to_check), since)


def _subscriptions_to_check(today: date, touched: set[int]) -> list[Contract]:
    return db.session.scalars(
        select(Contract)
        .where(
            Contract.stripe_subscription_id.is_not(None),
            Contract.status != "ended",
            or_(
                Contract.id.in_(touched),
                Contract.current_period_end <= today,
                Contract.status == "cancellation_requested",
                Contract.synced_at.is_(None),
            ),
        )
        .order_by(Contract.id)
        .execution_options(unscoped=True)  # unscoped: reconciliation covers every department
    ).all()


def notify_overdue(*, today: date) -> int:
    """Email each overdue invoice's department finance once; returns how many invoices."""
    invoices = db.session.scalars(
        select(Invoice)
        .where(
            Invoice.status == "open",
            Invoice.due_date < today,
            Invoice.overdue_notified_on.is_(None),
        )
        .order_by(Invoice.id)
        .execution_options(unscoped=True)  # unscoped: the overdue job covers every department
    ).all()
    for invoice in invoices:
        with acting_for(invoice.department_id):
            notify.invoice_overdue(invoice.contract, invoice, today)
            invoice.overdue_notified_on = today
    db.session.commit()
    return len(invoices)
