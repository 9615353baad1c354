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
    contract_ref_for_subscription,
    load_contract,
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
        invoices = gateway.list_invoices(since=since)
    touched: set[int] = set()
    applied = 0
    for invoice in sorted(invoices, key=lambda i: i.created):
        ref = contract_ref_for_subscription(invoice.subscription_id or "")
        if ref is None:
            continue
        with acting_for(ref.department_id):
            apply_invoice(load_contract(ref.contract_id), invoice, today=today, now=now)
        touched.add(ref.contract_id)
        applied += 1
    refreshed = 0
    for contract_id, department_id, subscription_id in _subscriptions_to_check(today, touched):
        with stripe_call("reconcile subscriptions"):
            sub = gateway.get_subscription(subscription_id)
        with acting_for(department_id):
            apply_subscription(load_contract(contract_id), sub, today=today, now=now)
        refreshed += 1
    state = health.sync_state()
    state.cursor = now
    health.mark_success(now)
    db.session.commit()
    return ReconcileResult(applied, refreshed, since)


def _subscriptions_to_check(today: date, touched: set[int]) -> list[tuple[int, int, str]]:
    rows = db.session.execute(
        select(Contract.id, Contract.department_id, Contract.stripe_subscription_id)
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
    return [(r.id, r.department_id, r.stripe_subscription_id) for r in rows]


def notify_overdue(*, today: date) -> int:
    """Email each overdue invoice's department finance once; returns how many invoices."""
    rows = db.session.execute(
        select(Invoice.id, Invoice.department_id)
        .where(
            Invoice.status == "open",
            Invoice.due_date < today,
            Invoice.overdue_notified_on.is_(None),
        )
        .order_by(Invoice.id)
        .execution_options(unscoped=True)  # unscoped: the overdue job covers every department
    ).all()
    for invoice_id, department_id in rows:
        with acting_for(department_id):
            invoice = db.session.scalars(select(Invoice).where(Invoice.id == invoice_id)).one()
            notify.invoice_overdue(invoice.contract, invoice, today)
            invoice.overdue_notified_on = today
    db.session.commit()
    return len(rows)
