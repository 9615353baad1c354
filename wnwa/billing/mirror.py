"""The local mirror of Stripe's state: subscriptions onto contracts, invoices onto rows.

Helpers only flush. Callers bind the tenant of the contract's department first (``acting_for``);
finding which department a Stripe object belongs to is the one unscoped read, for webhooks and
reconciliation, which act for whichever department Stripe names (reconciliation reads the
contracts and mirror rows of a whole batch at once, keyed by their Stripe ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from wnwa.billing import notify
from wnwa.billing.gateway import GatewayInvoice, GatewaySubscription
from wnwa.billing.models import Contract, Invoice
from wnwa.extensions import db, utcnow
from wnwa.us_states import network_day

TERMINAL_INVOICE_STATUSES = ("paid", "void", "uncollectible")


@dataclass(frozen=True)
class ContractRef:
    contract_id: int
    department_id: int


def contract_ref(contract_id: int) -> ContractRef | None:
    row = db.session.execute(
        select(Contract.id, Contract.department_id)
        .where(Contract.id == contract_id)
        .execution_options(unscoped=True)  # unscoped: network finance acts for any department
    ).first()
    return None if row is None else ContractRef(row.id, row.department_id)


def contract_ref_for_subscription(subscription_id: str) -> ContractRef | None:
    row = db.session.execute(
        select(Contract.id, Contract.department_id)
        .where(Contract.stripe_subscription_id == subscription_id)
        .execution_options(unscoped=True)  # unscoped: a webhook names a subscription, not a tenant
    ).first()
    return None if row is None else ContractRef(row.id, row.department_id)


def contract_refs_for_customer(customer_id: str) -> list[ContractRef]:
    rows = db.session.execute(
        select(Contract.id, Contract.department_id)
        .where(Contract.stripe_customer_id == customer_id)
        .order_by(Contract.id)
        .execution_options(unscoped=True)  # unscoped: a webhook names a customer, not a tenant
    ).all()
    return [ContractRef(r.id, r.department_id) for r in rows]


def contracts_by_subscription(subscription_ids: set[str]) -> dict[str, Contract]:
    """The contracts of these Stripe subscriptions, of any department, keyed by subscription
    id; a run binds each one's department (``acting_for``) before changing it."""
    return _by_stripe_id(Contract.stripe_subscription_id, subscription_ids)


def invoice_rows(stripe_invoice_ids: set[str]) -> dict[str, Invoice]:
    """The mirror rows of these Stripe invoices, of any department, keyed by Stripe id."""
    return _by_stripe_id(Invoice.stripe_invoice_id, stripe_invoice_ids)


_CHUNK = 2000  # ids per IN list: a first sync may list tens of thousands of invoices


def _by_stripe_id(column, ids: set[str]) -> dict:
    """Rows of `column`'s model whose Stripe id is in `ids`, keyed by it (one query per chunk)."""
    model, key = column.class_, column.key
    wanted = sorted(ids)
    found = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = db.session.scalars(
            select(model)
            .where(column.in_(wanted[start : start + _CHUNK]))
            .execution_options(unscoped=True)  # unscoped: a sync run covers every department
        )
        found.update((getattr(row, key), row) for row in rows)
    return found


def invoice_ref(invoice_id: int) -> tuple[int, int] | None:
    """(invoice id, department id) of a mirrored invoice, for network finance."""
    row = db.session.execute(
        select(Invoice.id, Invoice.department_id)
        .where(Invoice.id == invoice_id)
        .execution_options(unscoped=True)  # unscoped: network finance acts for any department
    ).first()
    return None if row is None else (row.id, row.department_id)


def load_contract(contract_id: int) -> Contract:
    """The contract in the bound tenant (callers checked it exists)."""
    return db.session.scalars(select(Contract).where(Contract.id == contract_id)).one()


def _start_billing_year(contract: Contract, start: date) -> None:
    """A new billing year began: adopt the re-tiered price prepared for this renewal."""
    if contract.renewal_on == start and contract.renewal_annual_cents is not None:
        contract.tier_key = contract.renewal_tier_key
        contract.tier_label = contract.renewal_tier_label
        contract.sworn_at_pricing = contract.renewal_sworn
        contract.priced_on = contract.renewal_priced_on
        contract.tiers_valid_from = contract.renewal_tiers_valid_from
        contract.annual_cents = contract.renewal_annual_cents
    clear_renewal(contract)
    if contract.status == "renewal_due":
        contract.status = "active"


def clear_renewal(contract: Contract) -> None:
    contract.renewal_on = None
    contract.renewal_tier_key = None
    contract.renewal_tier_label = None
    contract.renewal_sworn = None
    contract.renewal_priced_on = None
    contract.renewal_tiers_valid_from = None
    contract.renewal_annual_cents = None


def apply_subscription(
    contract: Contract, sub: GatewaySubscription, *, today: date, now: datetime | None = None
) -> None:
    if (
        contract.current_period_start is not None
        and sub.current_period_start > contract.current_period_start
    ):
        _start_billing_year(contract, sub.current_period_start)
    if contract.current_period_start is None or sub.current_period_start >= (
        contract.current_period_start
    ):
        contract.current_period_start = sub.current_period_start
        contract.current_period_end = sub.current_period_end
    contract.subscription_status = sub.status
    contract.cancel_at_period_end = sub.cancel_at_period_end
    contract.stripe_plan_id = sub.plan_id
    contract.synced_at = now or utcnow()
    # Stripe gives up on a first payment left unpaid for a day ("incomplete_expired"): it voids
    # the invoice and never bills again, so the contract has ended as surely as if cancelled.
    if sub.status in ("canceled", "incomplete_expired"):
        if contract.status != "ended":
            contract.status = "ended"
            contract.ended_on = today
        clear_renewal(contract)
    elif sub.cancel_at_period_end and contract.status in ("active", "renewal_due"):
        contract.status = "cancellation_requested"
        contract.ends_on = contract.ends_on or sub.current_period_end
        clear_renewal(contract)
    db.session.flush()


def apply_invoice(
    contract: Contract,
    gw: GatewayInvoice,
    *,
    today: date,
    now: datetime | None = None,
    rows: dict[str, Invoice] | None = None,
) -> Invoice:
    """Create or update the mirror row; a terminal state (paid, void) is never undone by an
    older copy arriving late.

    ``rows`` are the mirror rows a run has already read (``invoice_rows``): the row is taken
    from there instead of being looked up, and a new row is added to it."""
    if rows is None:
        row = db.session.scalars(
            select(Invoice).where(Invoice.stripe_invoice_id == gw.id)
        ).one_or_none()
    else:
        row = rows.get(gw.id)
    if row is None:
        row = Invoice(
            contract_id=contract.id,
            department_id=contract.department_id,
            stripe_invoice_id=gw.id,
            status=gw.status,
            amount_due_cents=gw.amount_due_cents,
            period_start=gw.period_start,
            period_end=gw.period_end,
            issued_at=gw.created,
            payment_note="",
        )
        db.session.add(row)
        if rows is not None:
            rows[gw.id] = row
    if row.id is None or row.status == "draft":  # not yet issued: the contract's details now
        row.po_number = contract.po_number or ""
        row.billing_contact = contract.billing_contact or ""
        row.billing_email = contract.billing_email or ""
        row.tier_label = contract.tier_label or ""
    regress = row.status in TERMINAL_INVOICE_STATUSES and gw.status not in (
        TERMINAL_INVOICE_STATUSES
    )
    issued = gw.status == "open" and (row.status != "open" or row.id is None) and not regress
    if not regress:
        row.status = gw.status
        row.amount_due_cents = gw.amount_due_cents
        row.amount_paid_cents = gw.amount_paid_cents
    if gw.number:
        row.number = gw.number
    row.currency = gw.currency
    row.period_start = gw.period_start
    row.period_end = gw.period_end
    row.due_date = gw.due_date
    row.hosted_url = gw.hosted_url
    row.pdf_url = gw.pdf_url
    row.issued_at = gw.created
    row.synced_at = now or utcnow()
    if row.status == "paid":
        row.paid_on = row.paid_on or today
        row.payment_failed_on = None
    db.session.flush()
    if not row.number and row.status != "draft":
        # Issued without a processor number (the Stripe stand-ins give none): the network's own,
        # assigned once, the moment the invoice is issued, and never changed afterwards.
        row.number = invoice_number(row)
        db.session.flush()
    if issued:  # the one place an invoice becomes payable: tell the department's finance
        notify.invoice_issued(contract, row)
    return row


def invoice_number(row: Invoice) -> str:
    """The network's own number: year of issue and the mirror row's id (WNWA-2026-000042)."""
    return f"WNWA-{network_day(row.issued_at).year}-{row.id:06d}"
