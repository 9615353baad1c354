"""Emails to a department's finance people (queued inside the caller's transaction)."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import func, select

from wnwa import mail
from wnwa.billing.models import Contract, Invoice
from wnwa.extensions import db
from wnwa.tenants.models import User
from wnwa.us_states import day_words


def money(cents: int | None, currency: str = "usd") -> str:
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    symbol = "$" if currency.lower() == "usd" else f"{currency.upper()} "
    return f"{sign}{symbol}{whole:,}.{part:02d}"


def finance_recipients(contract: Contract) -> list[str]:
    """The department's active finance users and the contract's billing contact (the tenant
    of the contract must be bound)."""
    emails = db.session.scalars(
        select(User.email).where(User.is_finance.is_(True), User.active.is_(True))
    ).all()
    found = {e.lower(): e for e in emails}
    contact = (contract.billing_email or "").lower()
    if contact and contact not in found:
        # the contact's own account, if they have one here, must still be on the roster: a
        # finance clerk who left gets no more of the department's billing mail
        left = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.email == contact, User.active.is_(False))
        )
        if not left:
            found[contact] = contract.billing_email
    return [found[k] for k in sorted(found)]


def _billing_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/billing/"


def _send(contract: Contract, subject: str, lines: list[str]) -> int:
    body = "\n".join([*lines, "", f"Your department's billing page: {_billing_url()}", ""])
    recipients = finance_recipients(contract)
    for address in recipients:
        mail.enqueue(address, subject, body)
    return len(recipients)


def _queue(contract: Contract, template: str, **context: object) -> int:
    """Queue the message `template` (templates/mail/) to the department's finance people."""
    recipients = finance_recipients(contract)
    for address in recipients:
        mail.queue(address, template, **context)
    return len(recipients)


def _when(day: date | None) -> str:
    return day_words(day) if day else "on receipt"


def _invoice_name(invoice: Invoice) -> str:
    return f"invoice {invoice.number}" if invoice.number else "your membership invoice"


def payment_failed(contract: Contract, invoice: Invoice) -> int:
    return _send(
        contract,
        "WeNeverWalkAlone: a membership payment was declined",
        [
            f"The card payment for {_invoice_name(invoice)} "
            f"({money(invoice.amount_due_cents, invoice.currency)}, "
            f"{day_words(invoice.period_start)} to {day_words(invoice.last_day)}) "
            "was declined.",
            "Please update the card on file or pay the invoice against a PO.",
        ],
    )


def invoice_issued(contract: Contract, invoice: Invoice) -> int:
    """The department's finance people hear that an invoice is ready to pay."""
    return _queue(
        contract,
        "invoice_issued",
        department_name=contract.department.name,
        invoice_name=_invoice_name(invoice),
        number=invoice.number or "",
        amount=money(invoice.amount_due_cents, invoice.currency),
        period_start=_when(invoice.period_start),
        last_day=_when(invoice.last_day),
        due=_when(invoice.due_date),
    )


def invoice_overdue(contract: Contract, invoice: Invoice, today: date) -> int:
    days = (today - invoice.due_date).days if invoice.due_date else 0
    return _queue(
        contract,
        "invoice_overdue",
        invoice_name=_invoice_name(invoice),
        outstanding=money(invoice.amount_due_cents - invoice.amount_paid_cents, invoice.currency),
        due=day_words(invoice.due_date) if invoice.due_date else "on receipt",
        days=days,
    )


def cancellation_accepted(contract: Contract) -> int:
    ends = day_words(contract.ends_on) if contract.ends_on else "the end of the current term"
    return _send(
        contract,
        "WeNeverWalkAlone: notice of non-renewal received",
        [
            f"We received {contract.department.name}'s notice of non-renewal.",
            f"The membership continues until {ends} and will not renew after that date.",
        ],
    )


def renewal_priced(contract: Contract) -> int:
    if contract.renewal_on is None:
        return 0
    return _send(
        contract,
        "WeNeverWalkAlone: your membership renewal",
        [
            f"The membership renews on {day_words(contract.renewal_on)} for one year.",
            f"With {contract.renewal_sworn} sworn officers on the roster, the tier is "
            f"{contract.renewal_tier_label}: "
            f"{money(contract.renewal_annual_cents, contract.currency)} a year.",
        ],
    )
