"""Contract use cases: put a department under contract, keep its billing details, pay,
record exceptions and payments, give notice of non-renewal.

Department-side functions take the signed-in user's ``department`` (bound as the tenant by
the request); network-side functions take ids and bind the department they act for.

Calls to Stripe are retry-safe: every write carries an idempotency key derived from our own
ids, and the id Stripe returns for a new customer is committed at once (a checkpoint), so a
retried request resumes where it stopped instead of creating a second customer or
subscription.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from wnwa import audit, emails
from wnwa.billing import health, notify, terms, tiers
from wnwa.billing.gateway import BillingGateway, GatewayError, PayBy
from wnwa.billing.health import stripe_call
from wnwa.billing.mirror import (
    apply_invoice,
    apply_subscription,
    clear_renewal,
    contract_ref,
    invoice_ref,
    load_contract,
)
from wnwa.billing.models import OPEN_CONTRACT_STATUSES, PAY_BY, Contract, Invoice
from wnwa.billing.renewals import commitment_end_of
from wnwa.database import locked
from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db
from wnwa.tenants.models import Department
from wnwa.tenants.scoping import acting_for, bound_department_id
from wnwa.tenants.services import sworn_count
from wnwa.us_states import day_words

NET_DAYS = 30
PAYMENT_METHODS = ("check", "ACH", "wire")
# Stripe's test payment methods, offered only where there is no hosted card page
# (localstripe in development, the fake gateway in tests).
TEST_CARDS = {
    "pm_card_visa": "Visa test card (payments succeed)",
    "pm_card_chargeCustomerFail": "Test card whose payments are declined",
    "pm_card_visa_chargeDeclined": "Test card refused when added",
}


def customer_key(department_id: int) -> str:
    return f"wnwa-department-{department_id}-customer"


def subscription_key(contract_id: int) -> str:
    return f"wnwa-contract-{contract_id}-subscription"


# --- reading ---------------------------------------------------------------------------


def open_contract() -> Contract | None:
    """The bound department's contract that has not ended (at most one)."""
    return db.session.scalars(
        select(Contract)
        .where(Contract.status.in_(OPEN_CONTRACT_STATUSES))
        .order_by(Contract.id.desc())
        .limit(1)
    ).first()


def contracts_of_department() -> list[Contract]:
    return list(db.session.scalars(select(Contract).order_by(Contract.id.desc())))


def invoices_of(contract: Contract) -> list[Invoice]:
    """The contract's issued invoices, newest first. A draft (Stripe holds a renewal invoice
    as a draft for about an hour before finalizing it) is nobody's to pay yet."""
    return list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.contract_id == contract.id, Invoice.status != "draft")
            .order_by(Invoice.period_start.desc(), Invoice.id.desc())
        )
    )


def _own(department: Department) -> None:
    if bound_department_id() != department.id:
        raise RuntimeError("department services run with the department bound as the tenant")


def _require_open(department: Department) -> Contract:
    _own(department)
    contract = open_contract()
    if contract is None:
        raise Conflict("Your department has no membership contract yet.")
    return contract


def _require_gateway(gateway: BillingGateway | None) -> BillingGateway:
    if gateway is None:
        raise health.BillingNotConfigured()
    return gateway


def _check_email(email: str) -> str:
    try:
        return emails.normalise(email)
    except emails.InvalidEmail:
        raise InvalidInput("Give a valid billing email address.") from None


def _ensure_customer(gateway: BillingGateway, contract: Contract) -> str:
    """The department's Stripe customer, created once; its id is committed at once."""
    if contract.stripe_customer_id:
        return contract.stripe_customer_id
    department = contract.department
    with stripe_call("create customer"):
        customer = gateway.create_customer(
            f"department-{department.id}",
            department.name,
            contract.billing_email,
            idempotency_key=customer_key(department.id),
        )
    contract.stripe_customer_id = customer.id
    db.session.commit()  # checkpoint: a retry reuses this customer
    return customer.id


# --- department finance (and chief) ----------------------------------------------------


def update_details(
    gateway: BillingGateway | None,
    department: Department,
    *,
    po_number: str,
    billing_contact: str,
    billing_email: str,
    actor: Any,
) -> None:
    contract = _require_open(department)
    po_number, billing_contact = po_number.strip(), billing_contact.strip()
    if len(po_number) > 60:
        raise InvalidInput("A PO number has at most 60 characters.")
    if not billing_contact or len(billing_contact) > 200:
        raise InvalidInput("Give the billing contact's name (up to 200 characters).")
    billing_email = _check_email(billing_email)
    contract.po_number = po_number
    contract.billing_contact = billing_contact
    contract.billing_email = billing_email
    if contract.stripe_customer_id:
        with stripe_call("update customer"):
            _require_gateway(gateway).update_customer(
                contract.stripe_customer_id,
                name=department.name,
                email=contract.billing_email,
                po_number=po_number,
            )
    audit.record(
        actor,
        "billing.details_updated",
        department_id=department.id,
        subject=f"contract {contract.id}",
        details={"po_number": po_number},
    )
    db.session.commit()


def add_test_card(
    gateway: BillingGateway | None, department: Department, *, payment_method: str, actor: Any
) -> None:
    """Development and tests (no hosted card page): attach a Stripe test payment method."""
    if payment_method not in TEST_CARDS:
        raise InvalidInput("Choose one of the test cards.")
    gateway = _require_gateway(gateway)
    contract = _require_open(department)
    customer_id = _ensure_customer(gateway, contract)
    with stripe_call("attach card"):
        gateway.attach_card(customer_id, payment_method)
    contract.card_on_file = True
    audit.record(actor, "billing.card_added", department_id=department.id)
    db.session.commit()


def start_card_setup(
    gateway: BillingGateway | None, department: Department, *, return_url: str
) -> str | None:
    """The hosted page where the card is entered (None: no hosted page, use a test card)."""
    gateway = _require_gateway(gateway)
    contract = _require_open(department)
    customer_id = _ensure_customer(gateway, contract)
    with stripe_call("start card setup"):
        url = gateway.card_setup_url(customer_id, return_url=return_url)
    db.session.commit()  # only the note that Stripe answered
    return url


def set_pay_by(
    gateway: BillingGateway | None,
    department: Department,
    *,
    pay_by: str,
    today: date,
    actor: Any,
) -> None:
    if pay_by not in PAY_BY:
        raise InvalidInput("Choose to pay by invoice (PO, net 30) or by card.")
    contract = _require_open(department)
    if pay_by == "card" and not contract.card_on_file:
        raise InvalidInput("Add a card first, then choose to pay by card.")
    if contract.stripe_subscription_id and contract.status != "ended":
        with stripe_call("change how invoices are paid"):
            sub = _require_gateway(gateway).set_collection(
                contract.stripe_subscription_id, pay_by=_pay_by(pay_by), net_days=contract.net_days
            )
        apply_subscription(contract, sub, today=today)
    contract.pay_by = pay_by
    audit.record(
        actor, "billing.pay_by_changed", department_id=department.id, details={"pay_by": pay_by}
    )
    db.session.commit()


def _pay_by(value: str) -> PayBy:
    return "card" if value == "card" else "invoice"


def pay_invoice_now(
    gateway: BillingGateway | None,
    department: Department,
    invoice_id: int,
    *,
    today: date,
    actor: Any,
) -> Invoice:
    _own(department)
    gateway = _require_gateway(gateway)
    # locked: two payments at once (a double click, two people) take turns; the second finds
    # the invoice paid
    invoice = locked(Invoice, invoice_id, Invoice.status)
    if invoice is None:
        raise NotFound("No such invoice.")
    if invoice.status != "open":
        raise Conflict(f"This invoice is {invoice.status}; only an open invoice can be paid.")
    if not invoice.contract.card_on_file:
        raise InvalidInput("Add a card first.")
    stripe_invoice_id = invoice.stripe_invoice_id
    try:
        with stripe_call("pay invoice by card"):
            paid = _pay_or_current(gateway, stripe_invoice_id, by_card=True)
    except health.CardDeclined:
        _mark_declined(stripe_invoice_id, today)
        raise
    row = apply_invoice(invoice.contract, paid, today=today)
    audit.record(
        actor,
        "billing.invoice_paid_by_card",
        department_id=department.id,
        subject=invoice.number or invoice.stripe_invoice_id,
    )
    db.session.commit()
    return row


def _mark_declined(stripe_invoice_id: str, today: date) -> None:
    invoice = db.session.scalars(
        select(Invoice).where(Invoice.stripe_invoice_id == stripe_invoice_id)
    ).one()
    invoice.payment_failed_on = today
    db.session.commit()


def _pay_or_current(gateway: BillingGateway, stripe_invoice_id: str, *, by_card: bool):
    """Pay an invoice; if Stripe says it cannot (a retry after a lost answer), the current
    state is accepted when it is already paid, so a retry never pays twice."""
    try:
        if by_card:
            return gateway.pay_invoice_by_card(stripe_invoice_id)
        return gateway.pay_invoice_out_of_band(stripe_invoice_id)
    except GatewayError as exc:
        if type(exc) is not GatewayError:
            raise
        current = gateway.get_invoice(stripe_invoice_id)
        if current.status == "paid":
            return current
        raise


def request_cancellation(
    gateway: BillingGateway | None, department: Department, *, today: date, actor: Any
) -> Contract:
    contract = _require_open(department)
    return _cancel(_require_gateway(gateway), contract, today=today, actor=actor)


def cancellation_refusal(contract: Contract, today: date) -> str | None:
    """Why a notice of non-renewal given on ``today`` would be refused (None: accepted)."""
    end = commitment_end_of(contract)
    if contract.term_start is None or end is None:
        return "This contract has not started; network finance can discard the draft."
    if terms.can_cancel(
        contract.term_start, contract.commitment_years, today, contract.has_exception
    ):
        return None
    years = terms.effective_commitment_years(contract.commitment_years, contract.has_exception)
    opens = terms.notice_opens_on(
        contract.term_start, contract.commitment_years, contract.has_exception
    )
    return (
        f"The contract commits {contract.department.name} to membership until "
        f"{day_words(end)} ({years} years from {day_words(contract.term_start)}). "
        f"Notice of non-renewal can be given from {day_words(opens)} and then takes effect "
        f"on {day_words(end)}. To end the membership earlier, network finance must record "
        "an exception."
    )


def _cancel(gateway: BillingGateway, contract: Contract, *, today: date, actor: Any) -> Contract:
    contract = locked(Contract, contract.id, Contract.status)  # one notice at a time
    if contract.status == "cancellation_requested":
        ends = day_words(contract.ends_on) if contract.ends_on else "the end of the term"
        raise Conflict(f"Notice was already given: the membership ends on {ends}.")
    if contract.status not in ("active", "renewal_due") or not contract.stripe_subscription_id:
        raise Conflict("Only a running contract can be given notice.")
    refusal = cancellation_refusal(contract, today)
    if refusal is not None or contract.term_start is None:
        raise Conflict(refusal or "This contract has not started.")
    effective = terms.cancellation_effective(
        contract.term_start, contract.commitment_years, today, has_exception=contract.has_exception
    )
    with stripe_call("read subscription"):
        running = gateway.get_subscription(contract.stripe_subscription_id)
    if running.current_period_end <= today:
        # The anniversary, before the processor has renewed at its hour: its current period
        # still ends today, so a notice now would end the membership today, a year early.
        raise Conflict(
            "A new billing year begins later today, when the membership renews. Give notice "
            f"after that: it will then take effect on {day_words(effective)}."
        )
    with stripe_call("cancel at period end"):
        sub = gateway.cancel_at_period_end(contract.stripe_subscription_id)
    contract.status = "cancellation_requested"
    contract.cancellation_requested_on = today
    contract.ends_on = effective
    clear_renewal(contract)
    apply_subscription(contract, sub, today=today)
    notify.cancellation_accepted(contract)
    audit.record(
        actor,
        "billing.cancellation_requested",
        department_id=contract.department_id,
        subject=f"contract {contract.id}",
        details={"ends_on": effective.isoformat(), "exception": contract.has_exception},
    )
    db.session.commit()
    return contract


# --- network finance -------------------------------------------------------------------


def create_contract(
    *,
    department_id: int,
    pay_by: str,
    billing_contact: str,
    billing_email: str,
    po_number: str,
    actor: Any,
) -> int:
    """A draft contract for a department (no Stripe call until it is started)."""
    department = db.session.scalar(
        select(Department).where(Department.id == department_id).with_for_update()
    )
    if department is None:
        raise NotFound("No such department.")
    if pay_by not in PAY_BY:
        raise InvalidInput("Choose to pay by invoice (PO, net 30) or by card.")
    billing_contact = billing_contact.strip()
    if not billing_contact or len(billing_contact) > 200:
        raise InvalidInput("Give the billing contact's name (up to 200 characters).")
    if len(po_number.strip()) > 60:
        raise InvalidInput("A PO number has at most 60 characters.")
    email = _check_email(billing_email)
    with acting_for(department.id):
        if open_contract() is not None:
            raise Conflict(f"{department.name} already has a contract that has not ended.")
        previous = db.session.scalar(
            select(Contract.stripe_customer_id)
            .where(Contract.stripe_customer_id.is_not(None))
            .order_by(Contract.id.desc())
            .limit(1)
        )
        contract = Contract(
            department_id=department.id,
            status="draft",
            commitment_years=terms.COMMITMENT_YEARS,
            renewal_years=1,
            pay_by=pay_by,
            net_days=NET_DAYS,
            po_number=po_number.strip(),
            billing_contact=billing_contact,
            billing_email=email,
            stripe_customer_id=previous,
            currency="usd",
        )
        db.session.add(contract)
        db.session.flush()
        contract_id = contract.id
        audit.record(
            actor,
            "billing.contract_drafted",
            department_id=department.id,
            subject=f"contract {contract_id}",
        )
    db.session.commit()
    return contract_id


@dataclass(frozen=True)
class PricingBasis:
    """The sworn count a new contract is priced from: the larger of the strength the department
    declared and the active sworn officers on its roster, so a roster still being loaded cannot
    lock a large department into a small tier for the whole commitment."""

    declared: int
    rostered: int

    @property
    def sworn(self) -> int:
        return max(self.declared, self.rostered)

    @property
    def source(self) -> str:
        if self.declared == self.rostered:
            return "declared and on the roster"
        return "declared" if self.declared > self.rostered else "on the roster"


def pricing_basis(department: Department) -> PricingBasis:
    """The department (the bound tenant) priced as a new contract would be today."""
    return PricingBasis(department.sworn_declared, sworn_count(department))


def _ref_or_404(contract_id: int):
    ref = contract_ref(contract_id)
    if ref is None:
        raise NotFound("No such contract.")
    return ref


def _locked(contract_id: int) -> Contract:
    contract = locked(Contract, contract_id, Contract.status)
    if contract is None:
        raise NotFound("No such contract.")
    return contract


def _locked_draft(contract_id: int) -> Contract:
    """The contract, locked, refused unless it is still a draft that can be started."""
    contract = _locked(contract_id)
    if contract.status != "draft":
        raise Conflict("This contract has already started.")
    if contract.pay_by == "card" and not contract.card_on_file:
        raise InvalidInput("The department chose to pay by card but has no card on file.")
    return contract


def activate_contract(
    gateway: BillingGateway | None, contract_id: int, *, today: date, actor: Any
) -> None:
    """Sign: price from the larger of the declared and the rostered sworn count today
    (`pricing_basis`), start the yearly subscription, invoice year 1.

    A retry after a failure or a lost answer resumes: the customer id is already saved and
    the subscription is created with an idempotency key derived from the contract id.
    """
    gateway = _require_gateway(gateway)
    ref = _ref_or_404(contract_id)
    with acting_for(ref.department_id):
        contract = _locked_draft(contract_id)
        customer_id = _ensure_customer(gateway, contract)
        # _ensure_customer may commit (releasing the lock): another Start may have run since.
        contract = _locked_draft(contract_id)
        basis = pricing_basis(contract.department)
        quote = tiers.price(basis.sworn, today)
        with stripe_call("start subscription"):
            plan_id = gateway.ensure_plan(quote.tier.key, quote.annual_cents, quote.tier.label)
            sub = gateway.create_subscription(
                customer_id,
                plan_id,
                pay_by=_pay_by(contract.pay_by),
                net_days=contract.net_days,
                idempotency_key=subscription_key(contract.id),
            )
            first = [i for i in gateway.list_invoices(customer_id) if i.subscription_id == sub.id]
        contract.term_start = sub.current_period_start
        contract.tier_key = quote.tier.key
        contract.tier_label = quote.tier.label
        contract.sworn_at_pricing = quote.sworn
        contract.priced_on = today
        contract.tiers_valid_from = quote.valid_from
        contract.annual_cents = quote.annual_cents
        contract.stripe_subscription_id = sub.id
        contract.status = "active"
        apply_subscription(contract, sub, today=today)
        for invoice in first:
            apply_invoice(contract, invoice, today=today)
        audit.record(
            actor,
            "billing.contract_started",
            department_id=ref.department_id,
            subject=f"contract {contract_id}",
            details={
                "tier": quote.tier.key,
                "annual_cents": quote.annual_cents,
                "sworn": quote.sworn,
                "sworn_declared": basis.declared,
                "sworn_rostered": basis.rostered,
                "term_start": sub.current_period_start.isoformat(),
            },
        )
    db.session.commit()


def discard_draft(contract_id: int, *, actor: Any) -> None:
    ref = _ref_or_404(contract_id)
    with acting_for(ref.department_id):
        contract = load_contract(contract_id)
        if contract.status != "draft" or contract.stripe_subscription_id:
            raise Conflict("Only a draft that has not started can be discarded.")
        db.session.delete(contract)
        audit.record(
            actor,
            "billing.draft_discarded",
            department_id=ref.department_id,
            subject=f"contract {contract_id}",
        )
    db.session.commit()


def record_exception(contract_id: int, *, reason: str, today: date, actor: Any) -> None:
    """Network finance allows this contract a 1-year initial term (notice at any time)."""
    reason = " ".join(reason.split())
    if len(reason) < 5 or len(reason) > 500:
        raise InvalidInput("Give the reason for the exception (5 to 500 characters).")
    ref = _ref_or_404(contract_id)
    with acting_for(ref.department_id):
        contract = locked(Contract, contract_id, Contract.status)
        if contract.status == "ended":
            raise Conflict("This contract has ended.")
        contract.exception_reason = reason
        contract.exception_recorded_on = today
        contract.exception_recorded_by = audit.actor_label(actor)
        audit.record(
            actor,
            "billing.exception_recorded",
            department_id=ref.department_id,
            subject=f"contract {contract_id}",
            details={"reason": reason},
        )
    db.session.commit()


def cancel_on_behalf(
    gateway: BillingGateway | None, contract_id: int, *, today: date, actor: Any
) -> None:
    gateway = _require_gateway(gateway)
    ref = _ref_or_404(contract_id)
    with acting_for(ref.department_id):
        _cancel(gateway, load_contract(contract_id), today=today, actor=actor)


def record_payment(
    gateway: BillingGateway | None,
    invoice_id: int,
    *,
    method: str,
    reference: str,
    today: date,
    actor: Any,
    contract_id: int | None = None,
) -> None:
    """A check, ACH or wire payment received outside Stripe (``contract_id``, when given,
    must be the invoice's contract)."""
    if method not in PAYMENT_METHODS:
        raise InvalidInput("Choose check, ACH or wire.")
    reference = reference.strip()
    if not reference or len(reference) > 100:
        raise InvalidInput("Give the check number or transfer reference (up to 100 characters).")
    gateway = _require_gateway(gateway)
    found = invoice_ref(invoice_id)
    if found is None:
        raise NotFound("No such invoice.")
    with acting_for(found[1]):
        # locked: two clerks recording a payment at once take turns; the second is told the
        # invoice is paid, and no reference is lost
        invoice = locked(Invoice, invoice_id, Invoice.status)
        if contract_id is not None and invoice.contract_id != contract_id:
            raise NotFound("No such invoice on this contract.")
        if invoice.status == "paid":
            raise Conflict("This invoice is already paid; nothing was recorded twice.")
        if invoice.status != "open":
            raise Conflict(f"This invoice is {invoice.status}; only an open invoice can be paid.")
        with stripe_call("record payment"):
            paid = _pay_or_current(gateway, invoice.stripe_invoice_id, by_card=False)
        row = apply_invoice(invoice.contract, paid, today=today)
        row.payment_note = f"{method} {reference}"
        audit.record(
            actor,
            "billing.payment_recorded",
            department_id=found[1],
            subject=invoice.number or invoice.stripe_invoice_id,
            details={"method": method, "reference": reference},
        )
    db.session.commit()
