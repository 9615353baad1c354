"""Chiefs' peer-support pages (quota, seats, requests, external training) and officers'
training page. The tenant is the signed-in user's; every load by id is scoped."""

from __future__ import annotations

from flask import Blueprint, flash, request, send_file, url_for
from flask_login import current_user

from wnwa.auth.guards import require_roles
from wnwa.errors import DomainError
from wnwa.htmx import redirect_to, render
from wnwa.training import external, overview, seats
from wnwa.training.forms import ActionForm, ExternalForm, ReserveForm
from wnwa.us_states import network_day

bp = Blueprint("training", __name__, url_prefix="/department/peer-support")
require_roles(bp, "chief")

officer_bp = Blueprint("training_officer", __name__, url_prefix="/my-training")
require_roles(officer_bp, "officer")


def _chief_page(http_status: int = 200, **extra):
    page = min(10_000, max(1, request.args.get("certified_page", 1, type=int) or 1))
    data = overview.chief_overview(current_user.department, network_day(), page)
    ctx = {"overview": data, "form": ReserveForm(formdata=None), "action": ActionForm()}
    ctx.update(extra)
    summary = next((c for c in data.classes if c.cls.id == extra.get("error_class_id")), None)
    partial = "training/_class_card.html" if summary else "training/_message.html"
    return render("training/chief.html", partial, http_status=http_status, summary=summary, **ctx)


@bp.route("/")
def chief_overview():
    return _chief_page()


@bp.get("/members")
def members():
    """The seat picker's suggestions: the datalist for htmx, a plain results page without it."""
    typed = request.args.get("officer", "")
    return render(
        "training/members.html",
        "training/_member_options.html",
        typed=typed,
        found=seats.member_suggestions(typed),
    )


@bp.post("/classes/<int:class_id>/seats")
def reserve(class_id: int):
    form = ReserveForm()
    if not form.validate_on_submit():
        return _chief_page(
            422,
            error="Give the officer's employee number or work email.",
            error_class_id=class_id,
            form=form,
        )
    try:
        seat = seats.reserve_seat(
            current_user.department,
            class_id=class_id,
            officer=form.officer.data,
            actor=current_user,
            on=network_day(),
        )
    except DomainError as exc:
        return _chief_page(exc.status_code, error=exc.message, error_class_id=class_id, form=form)
    flash(seats.placement_message(seat))
    return redirect_to(url_for(".chief_overview"))


def _seat_action(action, *, tell: bool = False, **kwargs):
    try:
        seat = action(current_user.department, actor=current_user, **kwargs)
    except DomainError as exc:
        return _chief_page(exc.status_code, page_error=exc.message)
    if tell:
        flash(seats.placement_message(seat))
    return redirect_to(url_for(".chief_overview"))


@bp.post("/seats/<int:seat_id>/cancel")
def cancel(seat_id: int):
    return _seat_action(seats.cancel_seat, seat_id=seat_id, on=network_day())


@bp.post("/seats/<int:seat_id>/approve")
def approve(seat_id: int):
    return _seat_action(seats.approve_request, tell=True, seat_id=seat_id, on=network_day())


@bp.post("/seats/<int:seat_id>/decline")
def decline(seat_id: int):
    return _seat_action(seats.decline_request, seat_id=seat_id)


def _external_page(form: ExternalForm, http_status: int = 200, **extra):
    submissions = overview.chief_external()
    return render(
        "training/chief_external.html",
        http_status=http_status,
        form=form,
        submissions=submissions,
        **extra,
    )


@bp.get("/external")
def external_list():
    return _external_page(ExternalForm(formdata=None))


@bp.post("/external")
def external_submit():
    form = ExternalForm()
    if not form.validate_on_submit():
        return _external_page(form, 422)
    try:
        external.submit_external(
            current_user.department,
            form.to_input(),
            form.certificate.data,
            actor=current_user,
            on=network_day(),
        )
    except DomainError as exc:
        return _external_page(form, exc.status_code, error=exc.message)
    return redirect_to(url_for(".external_list") + "#submissions")


@bp.get("/external/<int:cert_id>/file")
def external_file(cert_id: int):
    found = external.certificate_file(external.department_certificate(cert_id))
    return send_file(
        found.path,
        mimetype=found.content_type,
        as_attachment=True,
        download_name=found.download_name,
        max_age=0,
    )


# --- officers -----------------------------------------------------------------------------------


def _officer_page(http_status: int = 200, **extra):
    data = overview.officer_training(current_user, network_day())
    return render(
        "training/officer.html", http_status=http_status, data=data, action=ActionForm(), **extra
    )


@officer_bp.get("/")
def index():
    return _officer_page()


@officer_bp.post("/classes/<int:class_id>/request")
def request_seat(class_id: int):
    try:
        seats.request_seat(current_user, class_id=class_id, on=network_day())
    except DomainError as exc:
        return _officer_page(exc.status_code, error=exc.message)
    return redirect_to(url_for(".index") + "#my-seats")


@officer_bp.post("/requests/<int:seat_id>/withdraw")
def withdraw(seat_id: int):
    try:
        seats.withdraw_request(current_user, seat_id)
    except DomainError as exc:
        return _officer_page(exc.status_code, error=exc.message)
    return redirect_to(url_for(".index") + "#my-seats")
