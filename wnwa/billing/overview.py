"""What the finance screens show about one contract: precomputed, so templates only display.

Everything here reads the local mirror (never Stripe), so the screens work while Stripe is
slow or down. The contract's department must be the bound tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from wnwa.billing import terms, tiers
from wnwa.billing.contracts import (
    cancellation_refusal,
    contracts_of_department,
    invoices_of,
    open_contract,
    pricing_basis,
)
from wnwa.billing.health import BillingHealth, billing_health
from wnwa.billing.models import Contract, Invoice
from wnwa.billing.notify import money
from wnwa.billing.renewals import RenewalPreview, commitment_end_of, renewal_preview
from wnwa.errors import NotFound
from wnwa.extensions import db
from wnwa.tenants.models import Department
from wnwa.us_states import day_words

STATUS_LABELS = {
    "draft": "Draft (not started)",
    "active": "Active",
    "renewal_due": "Renewal due",
    "cancellation_requested": "Notice given",
    "ended": "Ended",
}


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    number: str
    period_start: date
    last_day: date  # the last day the period covers (Invoice.last_day)
    amount: str
    paid: str
    outstanding_cents: int
    status_label: str
    status_kind: str
    late: bool  # Invoice.late: as the network's overdue list counts it
    due_date: date | None
    hosted_url: str | None
    pdf_url: str | None
    payment_note: str
    po_number: str  # as issued
    can_pay_now: bool
    can_record_payment: bool


@dataclass(frozen=True)
class ContractView:
    contract: Contract
    department: Department
    status_label: str
    commitment_years: int
    commitment_end: date | None
    renewal_term: str
    notice_opens_on: date | None
    billing_year: str
    tier_reason: str
    pricing_difference: str
    annual: str
    cancel_refusal: str | None
    can_give_notice: bool
    invoices: list[InvoiceRow]
    renewal: RenewalPreview | None
    renewal_amount: str
    exception_recorded: str


@dataclass(frozen=True)
class InvoiceLead:
    """What department finance needs first: the overdue invoice, else the next one to pay,
    else when the next invoice comes. `tone` is bad | warn | ok."""

    heading: str
    tone: str
    invoice: InvoiceRow | None
    next_invoice_on: date | None


@dataclass(frozen=True)
class DepartmentBilling:
    department: Department
    current: ContractView | None
    past: list[Contract]
    health: BillingHealth
    lead: InvoiceLead | None = None


def invoice_lead(view: ContractView) -> InvoiceLead:
    def by_due(row: InvoiceRow) -> date:
        return row.due_date or row.period_start

    late = sorted((i for i in view.invoices if i.late), key=by_due)
    if late:
        return InvoiceLead(f"Overdue: invoice {late[0].number}", "bad", late[0], None)
    declined = sorted((i for i in view.invoices if i.status_kind == "failed"), key=by_due)
    if declined:
        lead = f"Card payment declined: invoice {declined[0].number}"
        return InvoiceLead(lead, "warn", declined[0], None)
    due = sorted((i for i in view.invoices if i.status_kind == "due"), key=by_due)
    if due:
        return InvoiceLead(f"Next to pay: invoice {due[0].number}", "warn", due[0], None)
    upcoming = view.renewal.renews_on if view.renewal else None
    return InvoiceLead("Nothing to pay now", "ok", None, upcoming)


def invoice_status(invoice: Invoice, today: date) -> tuple[str, str]:
    """(label, kind) where kind is paid | due | overdue | failed | closed."""
    if invoice.status == "paid":
        when = f" on {day_words(invoice.paid_on)}" if invoice.paid_on else ""
        return f"Paid{when}", "paid"
    if invoice.status in ("void", "uncollectible"):
        return invoice.status.capitalize(), "closed"
    late = invoice.due_date is not None and today > invoice.due_date
    days = (today - invoice.due_date).days if late and invoice.due_date else 0
    if invoice.payment_failed_on is not None:
        suffix = f"; overdue by {days} days" if late else ""
        return f"Card payment declined on {day_words(invoice.payment_failed_on)}{suffix}", (
            "failed"
        )
    if late:
        return f"Overdue by {days} days", "overdue"
    if invoice.due_date is not None:
        return f"Due by {day_words(invoice.due_date)}", "due"
    return "Open", "due"


def invoice_row(invoice: Invoice, today: date, *, card_on_file: bool) -> InvoiceRow:
    label, kind = invoice_status(invoice, today)
    outstanding = invoice.amount_due_cents - invoice.amount_paid_cents
    return InvoiceRow(
        id=invoice.id,
        number=invoice.number or "(not numbered yet)",
        period_start=invoice.period_start,
        last_day=invoice.last_day,
        amount=money(invoice.amount_due_cents, invoice.currency),
        paid=money(invoice.amount_paid_cents, invoice.currency),
        outstanding_cents=outstanding if invoice.status == "open" else 0,
        status_label=label,
        status_kind=kind,
        late=invoice.late(today),
        due_date=invoice.due_date,
        hosted_url=invoice.hosted_url,
        pdf_url=invoice.pdf_url,
        payment_note=invoice.payment_note,
        po_number=invoice.po_number,
        can_pay_now=invoice.status == "open" and card_on_file,
        can_record_payment=invoice.status == "open",
    )


def _tier_reason(contract: Contract, today: date) -> str:
    if contract.status == "draft":
        basis = pricing_basis(contract.department)
        quote = tiers.price(basis.sworn, today)
        return (
            "Priced when the contract starts, from the larger of the declared sworn strength "
            f"and the sworn officers on the roster that day. Today: {basis.sworn:,} sworn "
            f"officers ({basis.source}), tier {quote.tier.label}, "
            f"{money(quote.annual_cents)} a year."
        )
    priced = day_words(contract.priced_on) if contract.priced_on else "signing"
    table = day_words(contract.tiers_valid_from) if contract.tiers_valid_from else "in force"
    return (
        f"Priced on {priced} from {contract.sworn_at_pricing} sworn officers, which put the "
        f"department in the {contract.tier_label} tier (tier table from {table})."
    )


def _pricing_difference(contract: Contract, today: date) -> str:
    """For a draft whose declared and rostered sworn counts differ: both figures and what each
    would cost, so finance sees the difference before the contract is started."""
    if contract.status != "draft":
        return ""
    basis = pricing_basis(contract.department)
    if basis.declared == basis.rostered:
        return ""
    declared = tiers.price(basis.declared, today)
    rostered = tiers.price(basis.rostered, today)
    diff = abs(basis.declared - basis.rostered)
    more = "fewer" if basis.declared > basis.rostered else "more"
    gap = (
        f"The roster has {basis.rostered:,} sworn officers, {diff:,} {more} than the "
        f"{basis.declared:,} declared"
    )
    if declared.tier.key == rostered.tier.key:
        costs = (
            f"both counts fall in the {declared.tier.label} tier "
            f"({money(declared.annual_cents)} a year)"
        )
    else:
        costs = (
            f"the declared count is tier {declared.tier.label} ({money(declared.annual_cents)} a "
            f"year), the roster's is tier {rostered.tier.label} "
            f"({money(rostered.annual_cents)} a year)"
        )
    return (
        f"{gap}: {costs}. Starting the contract prices it from {basis.sworn:,} for the whole "
        "commitment; correct the declared strength or complete the roster first if it is wrong."
    )


def _billing_year(contract: Contract, commitment_years: int) -> str:
    if contract.term_start is None or contract.current_period_start is None:
        return ""
    year = contract.current_period_start.year - contract.term_start.year + 1
    if year <= commitment_years:
        return f"Year {year} of the {commitment_years}-year commitment"
    return f"Renewal year {year - commitment_years} (renews yearly)"


def _exception_recorded(contract: Contract) -> str:
    """When and by whom the exception was recorded (network finance's screen)."""
    if not contract.has_exception:
        return ""
    on = day_words(contract.exception_recorded_on) if contract.exception_recorded_on else ""
    who = contract.exception_recorded_by or "an unknown user"
    return f"Recorded on {on} by {who}." if on else f"Recorded by {who}."


def contract_view(contract: Contract, today: date) -> ContractView:
    years = terms.effective_commitment_years(contract.commitment_years, contract.has_exception)
    opens = None
    if contract.term_start is not None:
        opens = terms.notice_opens_on(
            contract.term_start, contract.commitment_years, contract.has_exception
        )
    refusal = None
    if contract.status in ("active", "renewal_due"):
        refusal = cancellation_refusal(contract, today)
    renewal = renewal_preview(contract, today)
    return ContractView(
        contract=contract,
        department=contract.department,
        status_label=STATUS_LABELS.get(contract.status, contract.status),
        commitment_years=years,
        commitment_end=commitment_end_of(contract),
        renewal_term=f"{contract.renewal_years} year{'' if contract.renewal_years == 1 else 's'}",
        notice_opens_on=opens,
        billing_year=_billing_year(contract, years),
        tier_reason=_tier_reason(contract, today),
        pricing_difference=_pricing_difference(contract, today),
        annual=money(contract.annual_cents, contract.currency),
        cancel_refusal=refusal,
        can_give_notice=contract.status in ("active", "renewal_due") and refusal is None,
        invoices=[
            invoice_row(i, today, card_on_file=contract.card_on_file) for i in invoices_of(contract)
        ],
        renewal=renewal,
        renewal_amount=money(renewal.annual_cents, contract.currency) if renewal else "",
        exception_recorded=_exception_recorded(contract),
    )


def department_billing(
    department: Department, *, today: date, configured: bool
) -> DepartmentBilling:
    current = open_contract()
    past = [c for c in contracts_of_department() if current is None or c.id != current.id]
    if current is None and past:
        current, past = past[0], past[1:]
    view = contract_view(current, today) if current is not None else None
    return DepartmentBilling(
        department=department,
        current=view,
        past=past,
        health=billing_health(configured),
        lead=invoice_lead(view) if view is not None and view.contract.status != "draft" else None,
    )


def department_contract(contract_id: int, *, today: date) -> ContractView:
    contract = db.session.scalars(select(Contract).where(Contract.id == contract_id)).one_or_none()
    if contract is None:
        raise NotFound("No such contract.")
    return contract_view(contract, today)


@dataclass(frozen=True)
class InvoiceDetail:
    row: InvoiceRow
    contract: Contract


def department_invoice(invoice_id: int, *, today: date) -> InvoiceDetail:
    invoice = db.session.scalars(select(Invoice).where(Invoice.id == invoice_id)).one_or_none()
    if invoice is None:
        raise NotFound("No such invoice.")
    row = invoice_row(invoice, today, card_on_file=invoice.contract.card_on_file)
    return InvoiceDetail(row=row, contract=invoice.contract)
