"""The chief's department pages: roster, import, one person, SCIM tokens, history."""

from __future__ import annotations

from flask import Blueprint, Response, after_this_request, flash, request, url_for
from flask_login import current_user

from wnwa.auth.guards import require_roles
from wnwa.errors import DomainError
from wnwa.htmx import invalid, redirect_to, render
from wnwa.memory import give_back_memory
from wnwa.roster import people, scim_tokens, uploads
from wnwa.roster.forms import PersonForm, RolesForm, TicketForm, TokenForm, UploadForm
from wnwa.roster.provisioning import RosterInvalid
from wnwa.roster.roster import template_csv
from wnwa.tenants import services
from wnwa.training.overview import quota_card
from wnwa.us_states import network_day

bp = Blueprint("tenants", __name__, url_prefix="/department")
require_roles(bp, "chief")

PREVIEW_LIMIT = 100
ERROR_LIMIT = 500


def _department():
    return current_user.department


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/")
def dashboard():
    department = _department()
    completeness = services.roster_completeness(department)
    return render(
        "tenants/dashboard.html",
        department=department,
        completeness=completeness,
        # the sworn officers were just counted: the quota's N reuses that count
        quota_card=quota_card(department, network_day(), roster_sworn=completeness.provisioned),
    )


@bp.route("/roster")
def roster():
    query = people.RosterQuery(
        q=request.args.get("q", ""),
        sort=request.args.get("sort", "name"),
        order=request.args.get("order", "asc"),
        status=request.args.get("status", "active"),
        page=request.args.get("page", 1, type=int),
        after=request.args.get("after", None, type=int),
        before=request.args.get("before", None, type=int),
    )
    department = _department()
    return render(
        "tenants/roster.html",
        "tenants/_roster_table.html",
        department=department,
        result=people.roster_page(department, query),
        completeness=services.roster_completeness(department),
    )


@bp.post("/declared-strength")
def declared_strength():
    try:
        count = services.raise_declared_strength(_department(), actor=current_user)
    except DomainError as exc:
        flash(exc.message)
    else:
        flash(f"Declared sworn strength updated to {count:,}.")
    return redirect_to(url_for(".dashboard"))


@bp.route("/roster/export.csv")
def export():
    departed = request.args.get("departed") == "1"
    text = people.export_roster(_department(), include_departed=departed)
    return _csv(text, f"{_department().slug}-roster.csv")


@bp.route("/roster/template.csv")
def template():
    return _csv(template_csv(), "roster-template.csv")


@bp.route("/roster/import", methods=["GET", "POST"])
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        if form.is_submitted():
            return invalid("tenants/import.html", "tenants/_import_form.html", form=form)
        return render("tenants/import.html", form=form)
    after_this_request(give_back_memory)  # thousands of rows read and checked
    data = form.roster.data.read()
    preview = uploads.preview_upload(
        _department(), data, full_sync=form.mode.data == "full", actor=current_user
    )
    status = 200 if preview.plan.ok else 422
    return render(
        "tenants/preview.html",
        "tenants/_preview.html",
        http_status=status,
        plan=preview.plan,
        ticket=preview.ticket,
        limit=PREVIEW_LIMIT,
        error_limit=ERROR_LIMIT,
    )


@bp.route("/roster/import/confirm", methods=["POST"])
def confirm():
    form = TicketForm()
    if not form.validate_on_submit():
        return redirect_to(url_for("tenants.upload"))
    after_this_request(give_back_memory)  # thousands of rows written
    try:
        result = uploads.confirm_upload(_department(), form.ticket.data, actor=current_user)
    except RosterInvalid as exc:
        return render(
            "tenants/preview.html",
            "tenants/_preview.html",
            http_status=422,
            plan=exc.plan,
            ticket=None,
            limit=PREVIEW_LIMIT,
            error_limit=ERROR_LIMIT,
        )
    flash(
        f"Roster imported: {result.added:,} added, {result.updated:,} updated, "
        f"{result.departed:,} left the roster, {result.unchanged:,} unchanged. "
        f"{result.invited:,} invitations are on their way."
    )
    return redirect_to(url_for("tenants.roster"))


@bp.route("/roster/import/cancel", methods=["POST"])
def cancel():
    form = TicketForm()
    if form.validate_on_submit():
        uploads.cancel_upload(_department(), form.ticket.data, actor=current_user)
    flash("Import cancelled. Nothing was changed.")
    return redirect_to(url_for("tenants.upload"))


@bp.route("/roster/import/preview.csv", methods=["POST"])
def preview_csv():
    form = TicketForm()
    if not form.validate_on_submit():
        return redirect_to(url_for("tenants.upload"))
    after_this_request(give_back_memory)
    text = uploads.full_preview_csv(_department(), form.ticket.data, actor=current_user)
    return _csv(text, "roster-preview.csv")


def _person_page(user, form=None, roles_form=None, *, http_status=200, message=None, error=None):
    return render(
        "tenants/person.html",
        "tenants/_person.html",
        http_status=http_status,
        person=user,
        kind=people.sworn_label(user.sworn),
        form=form or PersonForm(data=people.form_data(user)),
        roles_form=roles_form or RolesForm(chief=user.is_chief, finance=user.is_finance),
        message=message,
        error=error,
    )


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
def person(user_id: int):
    user = people.get_person(user_id)
    form = PersonForm() if request.method == "POST" else None
    if form is None or not form.validate_on_submit():
        return _person_page(user, form, http_status=422 if form is not None else 200)
    try:
        user = people.update_person(
            _department(), user_id, form.values(), actor=current_user, opened=form.opened.data
        )
    except people.ChangedMeanwhile as exc:
        form.opened.data = exc.version  # saving again means: over their version
        return _person_page(people.get_person(user_id), form, http_status=409, error=exc.message)
    except DomainError as exc:
        return _person_page(
            people.get_person(user_id), form, http_status=exc.status_code, error=exc.message
        )
    return _person_page(user, message="Saved.")


@bp.route("/people/<int:user_id>/roles", methods=["POST"])
def roles(user_id: int):
    form = RolesForm()
    try:
        user = people.set_roles(
            _department(),
            user_id,
            chief=form.chief.data,
            finance=form.finance.data,
            actor=current_user,
        )
    except DomainError as exc:
        return _person_page(
            people.get_person(user_id), http_status=exc.status_code, error=exc.message
        )
    if user.id == current_user.id and not user.is_chief:
        # their own chief role given up: the roster is no longer theirs to manage
        flash("You are no longer a chief of this department.")
        return redirect_to(url_for("site.home"))
    return _person_page(user, message="Roles saved.")


@bp.route("/people/<int:user_id>/depart", methods=["POST"])
def depart(user_id: int):
    user = people.depart_person(_department(), user_id, actor=current_user)
    return _person_page(user, message=f"{user.display_name} has left the roster.")


@bp.route("/people/<int:user_id>/reinstate", methods=["POST"])
def reinstate(user_id: int):
    try:
        user = people.reinstate_person(_department(), user_id, actor=current_user)
    except DomainError as exc:
        return _person_page(
            people.get_person(user_id), http_status=exc.status_code, error=exc.message
        )
    return _person_page(
        user,
        message=f"{user.display_name} is back on the roster, without a role. An invitation to "
        f"choose a password is on its way to {user.email}.",
    )


@bp.route("/people/<int:user_id>/invite", methods=["POST"])
def invite(user_id: int):
    email = people.resend_invitation(_department(), user_id, actor=current_user)
    return _person_page(
        people.get_person(user_id), message=f"An invitation is on its way to {email}."
    )


@bp.route("/roster/history")
def history():
    department = _department()
    return render(
        "tenants/history.html", entries=services.roster_history(department), state=department.state
    )


@bp.route("/scim", methods=["GET", "POST"])
def scim():
    form = TokenForm()
    department = _department()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render(
            "tenants/scim.html",
            "tenants/_scim.html",
            http_status=status,
            form=form,
            tokens=scim_tokens.list_tokens(department),
            base_url=scim_tokens.scim_base_url(),
            secret=None,
        )
    secret = scim_tokens.create_token(department, label=form.label.data, actor=current_user)
    return render(
        "tenants/scim.html",
        "tenants/_scim.html",
        form=TokenForm(formdata=None),
        tokens=scim_tokens.list_tokens(department),
        base_url=scim_tokens.scim_base_url(),
        secret=secret,
    )


@bp.route("/scim/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    scim_tokens.revoke_token(_department(), token_id, actor=current_user)
    return redirect_to(url_for("tenants.scim"))
