"""The network staff console (all staff): cards of work waiting and the department overview;
onboarding (admins)."""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_login import current_user

from wnwa.auth.guards import require_roles
from wnwa.errors import DomainError
from wnwa.htmx import invalid, redirect_to, render
from wnwa.network import console, services
from wnwa.network.forms import EditDepartmentForm, OnboardForm
from wnwa.us_states import network_day

bp = Blueprint("network", __name__, url_prefix="/network")
require_roles(bp, "network_admin", "network_finance", "vetter")

onboarding = Blueprint("onboarding", __name__, url_prefix="/network/departments")
require_roles(onboarding, "network_admin")


@bp.route("/")
def overview():
    """The console: cards of work waiting (wnwa/network/console.py), then every department."""
    today = network_day()
    # Vetters work on applications: the departments' table is for admins and finance.
    departments = bool(current_user.roles & {"network_admin", "network_finance"})
    return render(
        "network/overview.html",
        cards=console.cards_for(current_user.roles, today),
        rows=services.department_overview(today) if departments else [],
        show_departments=departments,
        can_onboard="network_admin" in current_user.roles,
    )


@onboarding.route("/new", methods=["GET", "POST"])
def create():
    form = OnboardForm()
    if not form.validate_on_submit():
        if form.is_submitted():
            return invalid("network/onboard.html", "network/_onboard_form.html", form=form)
        return render("network/onboard.html", form=form)
    try:
        department = services.onboard_department(
            name=form.name.data,
            county=form.county.data,
            state=form.state.data,
            sworn=form.sworn.data,
            joined=form.joined.data,
            chief=services.FirstChief(
                form.chief_email.data,
                form.chief_first_name.data,
                form.chief_last_name.data,
                form.chief_employee_number.data or "",
            ),
            actor=current_user,
        )
    except DomainError as exc:
        return invalid(
            "network/onboard.html", "network/_onboard_form.html", form=form, error=exc.message
        )
    flash(f"{department.name} was created; its first chief has been sent an invitation.")
    return redirect_to(url_for("onboarding.detail", department_id=department.id))


@onboarding.route("/<int:department_id>")
def detail(department_id: int):
    return render(
        "network/department.html",
        detail=services.department_detail(department_id, network_day()),
    )


@onboarding.route("/<int:department_id>/edit", methods=["GET", "POST"])
def edit(department_id: int):
    department = services.get_department(department_id)
    form = EditDepartmentForm(
        obj=department, sworn=department.sworn_declared, joined=department.joined_on
    )
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render(
            "network/edit.html",
            "network/_edit_form.html",
            http_status=status,
            form=form,
            department=department,
        )
    try:
        services.edit_department(
            department_id,
            name=form.name.data,
            county=form.county.data,
            state=form.state.data,
            sworn=form.sworn.data,
            joined=form.joined.data,
            status=form.status.data,
            actor=current_user,
        )
    except DomainError as exc:
        return invalid(
            "network/edit.html",
            "network/_edit_form.html",
            form=form,
            department=department,
            error=exc.message,
        )
    flash("Department saved.")
    return redirect_to(url_for("onboarding.detail", department_id=department_id))


@onboarding.route("/<int:department_id>/chiefs/<int:user_id>/invite", methods=["POST"])
def invite_chief(department_id: int, user_id: int):
    email = services.reinvite_chief(department_id, user_id, actor=current_user)
    flash(f"An invitation is on its way to {email}.")
    return redirect_to(url_for("onboarding.detail", department_id=department_id))
