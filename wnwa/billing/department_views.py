"""The department finance screen (department finance role and chief): own department only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, redirect, url_for
from flask_login import current_user

from wnwa.auth.guards import require_roles
from wnwa.billing import contracts, documents, overview
from wnwa.billing.forms import ActionForm, CancelForm, DetailsForm, DevCardForm, PayByForm
from wnwa.billing.runtime import configured, get_gateway, today
from wnwa.errors import DomainError
from wnwa.extensions import db
from wnwa.htmx import redirect_to, render

bp = Blueprint("billing", __name__, url_prefix="/billing")
require_roles(bp, "department_finance", "chief")


def _gateway():
    return get_gateway(current_app)


def _page(http_status: int = 200, **overrides: Any):
    billing = overview.department_billing(
        current_user.department, today=today(), configured=configured(current_app)
    )
    contract = billing.current.contract if billing.current else None
    forms = {
        "details_form": DetailsForm(obj=contract, formdata=None),
        "pay_by_form": PayByForm(
            formdata=None, data={"pay_by": contract.pay_by if contract else "invoice"}
        ),
        "cancel_form": CancelForm(formdata=None),
        "action_form": ActionForm(),
    }
    forms.update(overrides)
    return render("billing/department.html", http_status=http_status, billing=billing, **forms)


def _submit(form_name: str, form, action: Callable[[], object], anchor: str):
    """Validate, run one service call, then redirect; on a problem show the page again."""
    if not form.validate_on_submit():
        return _page(422, **{form_name: form})
    try:
        action()
    except DomainError as exc:
        db.session.rollback()  # the page shows what is stored; the form keeps what was typed
        return _page(exc.status_code, **{form_name: form, f"{form_name}_error": exc.message})
    return redirect_to(url_for("billing.overview") + anchor)


@bp.route("/", endpoint="overview")
def overview_page():
    return _page()


@bp.post("/details")
def details():
    form = DetailsForm()
    return _submit(
        "details_form",
        form,
        lambda: contracts.update_details(
            _gateway(),
            current_user.department,
            po_number=form.po_number.data or "",
            billing_contact=form.billing_contact.data or "",
            billing_email=form.billing_email.data or "",
            actor=current_user,
        ),
        "#details",
    )


@bp.post("/pay-by")
def pay_by():
    form = PayByForm()
    return _submit(
        "pay_by_form",
        form,
        lambda: contracts.set_pay_by(
            _gateway(),
            current_user.department,
            pay_by=form.pay_by.data or "",
            today=today(),
            actor=current_user,
        ),
        "#payment",
    )


@bp.post("/cancel")
def cancel():
    form = CancelForm()
    return _submit(
        "cancel_form",
        form,
        lambda: contracts.request_cancellation(
            _gateway(), current_user.department, today=today(), actor=current_user
        ),
        "#notice",
    )


@bp.post("/card/setup")
def card_setup():
    if not ActionForm().validate_on_submit():
        return _page(400)
    url = contracts.start_card_setup(
        _gateway(),
        current_user.department,
        return_url=url_for("billing.card_return", _external=True),
    )
    return redirect(url or url_for("billing.dev_card"), code=303)


@bp.route("/card", methods=["GET", "POST"])
def dev_card():
    form = DevCardForm()
    if form.validate_on_submit():
        try:
            contracts.add_test_card(
                _gateway(),
                current_user.department,
                payment_method=form.payment_method.data,
                actor=current_user,
            )
        except DomainError as exc:
            return render(
                "billing/dev_card.html", http_status=exc.status_code, form=form, error=exc.message
            )
        return redirect_to(url_for("billing.overview") + "#payment")
    return render("billing/dev_card.html", form=form)


@bp.route("/card/return")
def card_return():
    return render("billing/card_return.html")


@bp.route("/contracts/<int:contract_id>")
def contract(contract_id: int):
    view = overview.department_contract(contract_id, today=today())
    return render("billing/contract.html", view=view)


def _invoice_page(invoice_id: int, http_status: int = 200, **extra: Any):
    return render(
        "billing/invoice.html",
        http_status=http_status,
        detail=overview.department_invoice(invoice_id, today=today()),
        doc=documents.invoice_document(invoice_id, today=today()),
        **extra,
    )


@bp.route("/invoices/<int:invoice_id>")
def invoice(invoice_id: int):
    return _invoice_page(invoice_id, action_form=ActionForm())


@bp.route("/invoices/<int:invoice_id>/invoice.pdf")
def invoice_pdf(invoice_id: int):
    doc = documents.invoice_document(invoice_id, today=today())
    return Response(
        documents.invoice_pdf(doc),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{doc.filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/invoices.csv")
def invoices_csv():
    text = documents.ledger_csv(documents.department_documents(today=today()))
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="invoices.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/invoices/<int:invoice_id>/pay")
def pay_invoice(invoice_id: int):
    form = ActionForm()
    try:
        if form.validate_on_submit():
            contracts.pay_invoice_now(
                _gateway(), current_user.department, invoice_id, today=today(), actor=current_user
            )
    except DomainError as exc:
        return _invoice_page(invoice_id, exc.status_code, action_form=form, error=exc.message)
    return redirect_to(url_for("billing.invoice", invoice_id=invoice_id))
