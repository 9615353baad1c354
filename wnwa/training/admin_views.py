"""Network admins' quota and training pages: the quota of every department, the anchors,
classes, seats, the trainer's attendance checklist, and external training review."""

from __future__ import annotations

from flask import Blueprint, request, send_file, url_for
from flask_login import current_user

from wnwa.auth.guards import require_roles
from wnwa.errors import DomainError
from wnwa.htmx import redirect_to, render
from wnwa.training import attendance, classes, external, overview, quota_service, seats, settings
from wnwa.training.certification import withdraw_certification
from wnwa.training.forms import ActionForm, ClassForm, DeclineForm, RevokeForm, SettingsForm
from wnwa.us_states import network_day

bp = Blueprint("training_admin", __name__, url_prefix="/network")
require_roles(bp, "network_admin")


# --- quota ------------------------------------------------------------------------------------


@bp.get("/quota")
def quota():
    sort = quota_service.parse_sort(request.args.get("sort"))
    rows = quota_service.network_quota(network_day(), sort)
    return render(
        "training/admin_quota.html",
        rows=rows,
        sort=sort.value,
        labels=overview.STATE_LABELS,
        tones=quota_service.STATE_TONES,
        totals=quota_service.quota_totals(rows),
    )


def _department_page(department_id: int, form: RevokeForm, http_status: int = 200, **extra):
    data = overview.network_department(department_id, network_day())
    return render(
        "training/admin_department.html", http_status=http_status, data=data, form=form, **extra
    )


@bp.get("/quota/<int:department_id>")
def quota_department(department_id: int):
    return _department_page(department_id, RevokeForm(formdata=None))


@bp.post("/quota/<int:department_id>/certifications/<int:cert_id>/revoke")
def revoke(department_id: int, cert_id: int):
    form = RevokeForm()
    try:
        withdraw_certification(
            department_id,
            cert_id,
            reason=form.reason.data or "",
            actor=current_user,
            on=network_day(),
        )
    except DomainError as exc:
        return _department_page(department_id, form, exc.status_code, error=exc.message)
    return redirect_to(url_for(".quota_department", department_id=department_id))


def _settings_form() -> SettingsForm:
    current = settings.current_settings()
    form = SettingsForm(formdata=None)
    form.small_min.data = round(current.anchors.small_min * 100, 2)
    form.small_target.data = round(current.anchors.small_target * 100, 2)
    form.large_min.data = round(current.anchors.large_min * 100, 2)
    form.large_target.data = round(current.anchors.large_target * 100, 2)
    form.renewal_months.data = current.renewal_months
    return form


@bp.route("/quota/settings", methods=["GET", "POST"])
def quota_settings():
    form = SettingsForm() if request.method == "POST" else _settings_form()
    if request.method == "GET" or not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render("training/admin_settings.html", form=form, http_status=status)
    try:
        settings.update_settings(
            **{
                k: float(getattr(form, k).data) / 100
                for k in ("small_min", "small_target", "large_min", "large_target")
            },
            renewal_months=form.renewal_months.data,
            actor=current_user,
        )
    except DomainError as exc:
        return render("training/admin_settings.html", form=form, error=exc.message, http_status=422)
    return redirect_to(url_for(".quota"))


# --- classes ----------------------------------------------------------------------------------


@bp.get("/training/")
def classes_list():
    return render("training/admin_classes.html", classes=classes.all_classes(network_day()))


def _class_form_page(form: ClassForm, cls=None, http_status: int = 200, **extra):
    return render(
        "training/admin_class_form.html", form=form, cls=cls, http_status=http_status, **extra
    )


@bp.route("/training/new", methods=["GET", "POST"])
def class_new():
    form = ClassForm()
    if not form.validate_on_submit():
        return _class_form_page(form, http_status=422 if form.is_submitted() else 200)
    try:
        cls = classes.create_class(form.to_input(), actor=current_user, on=network_day())
    except classes.ClassInvalid as exc:
        return _class_form_page(form, http_status=422, problems=exc.problems)
    return redirect_to(url_for(".class_detail", class_id=cls.id))


@bp.route("/training/<int:class_id>/edit", methods=["GET", "POST"])
def class_edit(class_id: int):
    cls = classes.get_class(class_id)
    form = ClassForm()
    if not form.is_submitted():
        form.fill(cls)
    if not form.validate_on_submit():
        return _class_form_page(form, cls, http_status=422 if form.is_submitted() else 200)
    try:
        classes.update_class(class_id, form.to_input(), actor=current_user, on=network_day())
    except classes.ClassInvalid as exc:
        return _class_form_page(form, cls, http_status=422, problems=exc.problems)
    except DomainError as exc:
        return _class_form_page(form, cls, http_status=exc.status_code, error=exc.message)
    return redirect_to(url_for(".class_detail", class_id=class_id))


def _class_page(class_id: int, http_status: int = 200, **extra):
    data = overview.admin_class(class_id, network_day())
    return render(
        "training/admin_class.html",
        http_status=http_status,
        data=data,
        action=ActionForm(),
        **extra,
    )


@bp.get("/training/<int:class_id>")
def class_detail(class_id: int):
    return _class_page(class_id)


@bp.post("/training/<int:class_id>/seats/<int:seat_id>/cancel")
def class_cancel_seat(class_id: int, seat_id: int):
    try:
        seats.admin_cancel_seat(class_id, seat_id, actor=current_user, on=network_day())
    except DomainError as exc:
        return _class_page(class_id, exc.status_code, error=exc.message)
    return redirect_to(url_for(".class_detail", class_id=class_id))


@bp.post("/training/<int:class_id>/complete")
def class_complete(class_id: int):
    try:
        attendance.complete_class(class_id, actor=current_user, on=network_day())
    except DomainError as exc:
        return _class_page(class_id, exc.status_code, error=exc.message)
    return redirect_to(url_for(".class_detail", class_id=class_id))


# --- the trainer's attendance checklist ---------------------------------------------------------


def _sheet_page(class_id: int, day_id: int, http_status: int = 200, **extra):
    sheet = attendance.attendance_sheet(class_id, day_id, on=network_day())
    return render(
        "training/attendance.html",
        http_status=http_status,
        sheet=sheet,
        action=ActionForm(),
        **extra,
    )


@bp.get("/training/<int:class_id>/days/<int:day_id>")
def attendance_day(class_id: int, day_id: int):
    return _sheet_page(class_id, day_id)


@bp.post("/training/<int:class_id>/days/<int:day_id>")
def attendance_save(class_id: int, day_id: int):
    try:
        present = {int(v) for v in request.form.getlist("present") if v.isdecimal()}
        attendance.record_day(class_id, day_id, present, actor=current_user, on=network_day())
    except DomainError as exc:
        return _sheet_page(class_id, day_id, exc.status_code, error=exc.message)
    return _sheet_page(class_id, day_id, saved=True)


@bp.post("/training/<int:class_id>/days/<int:day_id>/seats/<int:seat_id>")
def attendance_tick(class_id: int, day_id: int, seat_id: int):
    present = str(seat_id) in request.form.getlist("present")
    try:
        attendance.set_attendance(
            class_id, day_id, seat_id, present=present, actor=current_user, on=network_day()
        )
    except DomainError as exc:
        return render(
            "training/_attendance_status.html",
            http_status=exc.status_code,
            error=exc.message,
            row=None,
        )
    row = attendance.attendee(class_id, day_id, seat_id, on=network_day())
    return render("training/_attendance_status.html", row=row, error=None)


# --- external training --------------------------------------------------------------------------


@bp.get("/training/external")
def external_list():
    status = request.args.get("status", "pending")
    rows = external.network_submissions(None if status == "all" else "pending")
    return render("training/admin_external.html", rows=rows, shown=status)


def _external_page(cert_id: int, form: DeclineForm | None = None, http_status: int = 200, **extra):
    view = external.network_submission(cert_id)
    return render(
        "training/admin_external_review.html",
        cert=view,
        http_status=http_status,
        form=form or DeclineForm(formdata=None),
        action=ActionForm(),
        **extra,
    )


@bp.get("/training/external/<int:cert_id>")
def external_review(cert_id: int):
    return _external_page(cert_id)


@bp.post("/training/external/<int:cert_id>/accept")
def external_accept(cert_id: int):
    try:
        external.accept_external(cert_id, actor=current_user, on=network_day())
    except DomainError as exc:
        return _external_page(cert_id, http_status=exc.status_code, error=exc.message)
    return redirect_to(url_for(".external_list"))


@bp.post("/training/external/<int:cert_id>/decline")
def external_decline(cert_id: int):
    form = DeclineForm()
    try:
        external.decline_external(
            cert_id, reason=form.reason.data or "", actor=current_user, on=network_day()
        )
    except DomainError as exc:
        return _external_page(cert_id, form, http_status=exc.status_code, error=exc.message)
    return redirect_to(url_for(".external_list"))


@bp.get("/training/external/<int:cert_id>/file")
def external_file(cert_id: int):
    found = external.certificate_file(external.network_certificate(cert_id))
    return send_file(
        found.path,
        mimetype=found.content_type,
        as_attachment=True,
        download_name=found.download_name,
        max_age=0,
    )
