"""The network finance screens: every contract, receivables, revenue, tiers, renewals."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wnwa.auth.guards import require_roles
from wnwa.billing import contracts, renewals, reports, tiers
from wnwa.billing.chart import bar_chart
from wnwa.billing.forms import (
    ActionForm,
    ExceptionForm,
    NewContractForm,
    PaymentForm,
    RenewalRunForm,
    TierTableForm,
    tier_table_form,
)
from wnwa.billing.health import BillingNotConfigured
from wnwa.billing.runtime import configured, get_gateway, today
from wnwa.errors import DomainError
from wnwa.extensions import db
from wnwa.htmx import is_partial, redirect_to, render

bp = Blueprint("billing_network", __name__, url_prefix="/billing/network")
require_roles(bp, "network_finance")


def _gateway():
    return get_gateway(current_app)


@bp.route("/")
def overview():
    filters = reports.ContractFilters.parse(request.args)
    if is_partial():  # the filter form swaps only the contracts table
        return render(
            "billing/_contracts.html", contracts=reports.contract_list(filters, today=today())
        )
    data = reports.network_billing(filters, today=today(), configured=configured(current_app))
    chart = bar_chart(
        "Annual contracted revenue by tier",
        [(r.label, r.annual_cents, r.amount) for r in data.revenue],
    )
    return render(
        "billing/network.html",
        data=data,
        contracts=data.page,
        chart=chart,
        renewal_form=RenewalRunForm(),
    )


def _csv(body: str, name: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/contracts.csv")
def contracts_csv():
    return _csv(reports.contracts_csv(today()), f"contracts-{today().isoformat()}.csv")


@bp.route("/receivables.csv")
def receivables_csv():
    return _csv(reports.receivables_csv(today()), f"receivables-{today().isoformat()}.csv")


def _new_contract_form() -> NewContractForm:
    form = NewContractForm()
    form.department_id.choices = [
        SelectChoice(str(d.id), d.name) for d in reports.departments_without_contract()
    ]
    return form


@bp.route("/contracts/new", methods=["GET", "POST"])
def new_contract():
    form = _new_contract_form()
    if form.validate_on_submit():
        try:
            contract_id = contracts.create_contract(
                department_id=form.department_id.data,
                pay_by=form.pay_by.data or "",
                billing_contact=form.billing_contact.data or "",
                billing_email=form.billing_email.data or "",
                po_number=form.po_number.data or "",
                actor=current_user,
            )
        except DomainError as exc:
            return render(
                "billing/new_contract.html",
                http_status=exc.status_code,
                form=form,
                error=exc.message,
            )
        return redirect_to(url_for("billing_network.contract", contract_id=contract_id))
    status = 422 if form.is_submitted() else 200
    return render("billing/new_contract.html", http_status=status, form=form)


def _contract_page(contract_id: int, http_status: int = 200, **overrides: Any):
    forms: dict[str, Any] = {
        "action_form": ActionForm(),
        "exception_form": ExceptionForm(formdata=None),
        "payment_form": PaymentForm(formdata=None),
    }
    forms.update(overrides)
    view = reports.network_contract(contract_id, today=today())
    return render(
        "billing/network_contract.html",
        http_status=http_status,
        view=view,
        configured=configured(current_app),
        **forms,
    )


@bp.route("/contracts/<int:contract_id>")
def contract(contract_id: int):
    return _contract_page(contract_id)


def _act(contract_id: int, form_name: str, form, action):
    if not form.validate_on_submit():
        return _contract_page(contract_id, 422, **{form_name: form})
    try:
        action()
    except DomainError as exc:
        db.session.rollback()  # the page shows what is stored; the form keeps what was typed
        return _contract_page(
            contract_id, exc.status_code, **{form_name: form, "error": exc.message}
        )
    return redirect_to(url_for("billing_network.contract", contract_id=contract_id))


@bp.post("/contracts/<int:contract_id>/start")
def start(contract_id: int):
    return _act(
        contract_id,
        "action_form",
        ActionForm(),
        lambda: contracts.activate_contract(
            _gateway(), contract_id, today=today(), actor=current_user
        ),
    )


@bp.post("/contracts/<int:contract_id>/discard")
def discard(contract_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        return _contract_page(contract_id, 400)
    try:
        contracts.discard_draft(contract_id, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        return _contract_page(contract_id, exc.status_code, error=exc.message)
    return redirect_to(url_for("billing_network.overview"))


@bp.post("/contracts/<int:contract_id>/exception")
def exception(contract_id: int):
    form = ExceptionForm()
    return _act(
        contract_id,
        "exception_form",
        form,
        lambda: contracts.record_exception(
            contract_id, reason=form.reason.data or "", today=today(), actor=current_user
        ),
    )


@bp.post("/contracts/<int:contract_id>/cancel")
def cancel(contract_id: int):
    return _act(
        contract_id,
        "action_form",
        ActionForm(),
        lambda: contracts.cancel_on_behalf(
            _gateway(), contract_id, today=today(), actor=current_user
        ),
    )


@bp.post("/contracts/<int:contract_id>/invoices/<int:invoice_id>/payment")
def payment(contract_id: int, invoice_id: int):
    form = PaymentForm()
    return _act(
        contract_id,
        "payment_form",
        form,
        lambda: contracts.record_payment(
            _gateway(),
            invoice_id,
            method=form.method.data or "",
            reference=form.reference.data or "",
            today=today(),
            actor=current_user,
            contract_id=contract_id,
        ),
    )


@bp.route("/tiers", methods=["GET", "POST"])
def tier_tables():
    form = TierTableForm() if request.method == "POST" else None
    if form is not None and form.validate_on_submit():
        try:
            tiers.save_tier_table(
                form.tier_inputs(),
                valid_from=form.valid_from.data,
                today=today(),
                actor=current_user,
            )
        except DomainError as exc:
            return _tiers_page(form, exc.status_code, exc.message)
        return redirect_to(url_for("billing_network.tier_tables"))
    if form is not None:
        return _tiers_page(form, 422)
    current = tiers.tier_table_on(today())
    blank = tier_table_form(current.tiers if current else [], today())
    return _tiers_page(blank)


def _tiers_page(form: TierTableForm, http_status: int = 200, error: str | None = None):
    return render(
        "billing/tiers.html",
        http_status=http_status,
        form=form,
        error=error,
        history=tiers.tier_history(),
        today=today(),
    )


@bp.post("/renewals")
def renewal_run():
    form = RenewalRunForm()
    if not form.validate_on_submit():
        return render("billing/renewals.html", http_status=422, form=form, run=None)
    gateway = _gateway()
    if gateway is None:
        raise BillingNotConfigured()
    run = renewals.run_renewals(
        gateway, today=today(), horizon_days=form.horizon_days.data, actor=current_user
    )
    return render("billing/renewals.html", form=form, run=run)
