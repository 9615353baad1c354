"""Development data for `make run`: a few demo departments under contract on localstripe."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from wnwa.billing import contracts
from wnwa.billing.gateway import BillingGateway
from wnwa.billing.models import Contract, Invoice
from wnwa.errors import DomainError
from wnwa.extensions import db
from wnwa.tenants.models import Department
from wnwa.tenants.scoping import acting_for

ACTOR = "billing setup-dev"
# (department, billing contact, email, PO number, how it pays, paid out of band)
DEMO_CONTRACTS = (
    (
        "Aurora Police Department",
        "Pat Quinn",
        "finance@aurora.demo",
        "PO-2026-0142",
        "invoice",
        False,
    ),
    ("Naperville Police Department", "Jordan Lee", "billing@naperville.demo", "", "card", False),
    ("Elgin Police Department", "Sam Ortiz", "ap@elgin.demo", "PO-88-1201", "invoice", True),
)


def put_demo_department_under_contract(gateway: BillingGateway, *, today: date) -> str:
    """Put the demo departments under contract unless they already have one."""
    done = []
    for name, contact, email, po_number, pay_by, paid in DEMO_CONTRACTS:
        department = db.session.scalar(select(Department).where(Department.name == name))
        if department is None:
            continue
        with acting_for(department.id):
            if db.session.scalar(select(Contract.id).limit(1)) is not None:
                continue
        try:
            _contract(gateway, department, contact, email, po_number, pay_by, paid, today)
        except DomainError as exc:
            return f"Could not put {name} under contract: {exc.message}"
        done.append(name)
    if not done:
        return "Demo contracts already present (or no demo departments): nothing to do."
    return "Under contract: " + ", ".join(done)


def _contract(
    gateway: BillingGateway,
    department: Department,
    contact: str,
    email: str,
    po_number: str,
    pay_by: str,
    paid: bool,
    today: date,
) -> None:
    department_id = department.id
    contract_id = contracts.create_contract(
        department_id=department_id,
        pay_by="invoice",
        billing_contact=contact,
        billing_email=email,
        po_number=po_number,
        actor=ACTOR,
    )
    if pay_by == "card":
        department = db.session.scalar(select(Department).where(Department.id == department_id))
        with acting_for(department_id):
            contracts.add_test_card(gateway, department, payment_method="pm_card_visa", actor=ACTOR)
            contracts.set_pay_by(gateway, department, pay_by="card", today=today, actor=ACTOR)
    contracts.activate_contract(gateway, contract_id, today=today, actor=ACTOR)
    if paid:
        with acting_for(department_id):
            invoice_id = db.session.scalar(
                select(Invoice.id).where(Invoice.contract_id == contract_id).limit(1)
            )
        if invoice_id is not None:
            contracts.record_payment(
                gateway, invoice_id, method="check", reference="10442", today=today, actor=ACTOR
            )
