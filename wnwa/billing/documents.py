"""The invoice as a city finance office files it: number, PO, issue and due dates (net 30),
who to pay (remit-to address and the network's tax id, from configuration), line items and
totals. One `InvoiceDocument` feeds the screen, the PDF and the ledger CSV, so the three always
agree. The invoice's department must be the bound tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from wnwa.billing.models import Invoice
from wnwa.billing.notify import money
from wnwa.billing.overview import invoice_status
from wnwa.errors import NotFound
from wnwa.extensions import db
from wnwa.roster.roster import export_csv
from wnwa.us_states import county_label, day_words, network_day

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class Line:
    description: str
    amount: str


@dataclass(frozen=True)
class InvoiceDocument:
    id: int
    number: str
    issued_on: date
    due_on: date | None  # None: due on receipt (a card invoice has no due date)
    net_days: int
    po_number: str
    status: str
    bill_to: list[str]
    remit_to: list[str]
    issuer: str
    tax_id: str
    lines: list[Line]
    total: str
    paid: str
    balance: str

    @property
    def due_text(self) -> str:
        """What the invoice says under "Due": the same answer as the invoice list, the email
        and the receivables ageing (which count an invoice due on receipt from its issue)."""
        if self.due_on is None:
            return "On receipt"
        return f"{day_words(self.due_on)} (net {self.net_days} days)"

    @property
    def filename(self) -> str:
        return f"invoice-{self.number}.pdf"


def _document(invoice: Invoice, today: date) -> InvoiceDocument:
    contract = invoice.contract
    config = current_app.config
    issued = network_day(invoice.issued_at)
    net = contract.net_days or 30
    label, _ = invoice_status(invoice, today)
    tier = invoice.tier_label or contract.tier_label or "membership"  # as issued (see Invoice)
    period = f"{day_words(invoice.period_start)} to {day_words(invoice.last_day)}"
    contact = invoice.billing_contact  # as issued (see Invoice)
    if invoice.billing_email:
        contact = f"{contact} ({invoice.billing_email})" if contact else invoice.billing_email
    department = contract.department
    return InvoiceDocument(
        id=invoice.id,
        number=invoice.number or "(issued when finalized)",
        issued_on=issued,
        due_on=invoice.due_date,
        net_days=net,
        po_number=invoice.po_number,
        status=label,
        bill_to=[
            line
            for line in (
                department.name,
                county_label(department.county, department.state),
                f"Attn: {contact}" if contact else "",
            )
            if line
        ],
        remit_to=[line.strip() for line in config["REMIT_TO"].split("\n") if line.strip()],
        issuer=config["NETWORK_LEGAL_NAME"],
        tax_id=config["NETWORK_TAX_ID"],
        lines=[
            Line(
                f"Annual network membership, {tier}, {period}",
                money(invoice.amount_due_cents, invoice.currency),
            )
        ],
        total=money(invoice.amount_due_cents, invoice.currency),
        paid=money(invoice.amount_paid_cents, invoice.currency),
        balance=money(
            max(0, invoice.amount_due_cents - invoice.amount_paid_cents)
            if invoice.status == "open"
            else 0,
            invoice.currency,
        ),
    )


def invoice_document(invoice_id: int, *, today: date) -> InvoiceDocument:
    invoice = db.session.scalars(select(Invoice).where(Invoice.id == invoice_id)).one_or_none()
    if invoice is None:
        raise NotFound("No such invoice.")
    return _document(invoice, today)


def department_documents(*, today: date) -> list[InvoiceDocument]:
    """Every invoice of the bound department, oldest first (the ledger's order)."""
    invoices = db.session.scalars(
        select(Invoice).where(Invoice.status != "draft").order_by(Invoice.issued_at, Invoice.id)
    )
    return [_document(i, today) for i in invoices]


LEDGER_COLUMNS = (
    "invoice_number",
    "issued_on",
    "due_on",
    "po_number",
    "description",
    "amount",
    "paid",
    "balance",
    "status",
)


def ledger_csv(documents: list[InvoiceDocument]) -> str:
    """One row per invoice line, for the department's ledger (formula-like cells neutralised)."""
    rows = [
        (
            doc.number,
            doc.issued_on.isoformat(),
            doc.due_on.isoformat() if doc.due_on else "",
            doc.po_number,
            line.description,
            line.amount,
            doc.paid,
            doc.balance,
            doc.status,
        )
        for doc in documents
        for line in doc.lines
    ]
    return export_csv(list(LEDGER_COLUMNS), rows)


def invoice_pdf(doc: InvoiceDocument) -> bytes:
    """The invoice as a PDF with the same facts as the screen (fpdf2, no browser)."""
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_title(f"Invoice {doc.number}")
    pdf.set_author(doc.issuer)
    pdf.set_creation_date(datetime.combine(doc.issued_on, time(), tzinfo=UTC))
    if (DEJAVU / "DejaVuSans.ttf").exists():
        pdf.add_font("body", "", str(DEJAVU / "DejaVuSans.ttf"))
        pdf.add_font("body", "B", str(DEJAVU / "DejaVuSans-Bold.ttf"))
        family, clean = "body", str
    else:  # the core font covers Latin-1 only
        family = "helvetica"

        def clean(text: str) -> str:
            return text.encode("latin-1", "replace").decode("latin-1")

    pdf.add_page()
    pdf.set_font(family, "B", 18)
    pdf.cell(0, 10, clean(f"Invoice {doc.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    pdf.cell(0, 6, clean(doc.issuer), new_x="LMARGIN", new_y="NEXT")
    if doc.tax_id:
        pdf.cell(0, 6, clean(f"Tax id: {doc.tax_id}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    facts = [
        ("Issued", day_words(doc.issued_on)),
        ("Due", doc.due_text),
        ("PO number", doc.po_number or "None given"),
        ("Status", doc.status),
    ]
    for label, value in facts:
        pdf.set_font(family, "B", 10)
        pdf.cell(40, 6, clean(label))
        pdf.set_font(family, "", 10)
        pdf.cell(0, 6, clean(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for heading, lines in (("Bill to", doc.bill_to), ("Remit to", doc.remit_to)):
        pdf.set_font(family, "B", 10)
        pdf.cell(0, 6, clean(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 10)
        for line in lines:
            pdf.cell(0, 5, clean(line), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.set_font(family, "B", 10)
    pdf.cell(150, 7, clean("Description"), border="B")
    pdf.cell(0, 7, clean("Amount"), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    for line in doc.lines:
        pdf.cell(150, 7, clean(line.description))
        pdf.cell(0, 7, clean(line.amount), align="R", new_x="LMARGIN", new_y="NEXT")
    for label, value in (("Total", doc.total), ("Paid", doc.paid), ("Balance due", doc.balance)):
        pdf.set_font(family, "B" if label != "Paid" else "", 10)
        pdf.cell(150, 7, clean(label), align="R")
        pdf.cell(0, 7, clean(value), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
