"""Network admins answer the public site's requests: the member agencies list (approve, which
emails the list, or decline), demo requests and messages (reply by email, or close)."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_login import current_user

from wnwa.auth.guards import require_roles
from wnwa.errors import DomainError
from wnwa.htmx import redirect_to, render
from wnwa.site import requests
from wnwa.site.forms import ApproveForm, DeclineForm, ReplyForm
from wnwa.site.models import KINDS, STATUSES

bp = Blueprint("network_requests", __name__, url_prefix="/network/requests")
require_roles(bp, "network_admin")


@bp.get("/")
def queue():
    filters = requests.RequestFilters.parse(request.args.get("kind"), request.args.get("show"))
    page = request.args.get("page", "1")
    listing = requests.list_requests(filters, int(page) if page.isdecimal() else 1)
    return render(
        "network/requests.html",
        "network/_requests_table.html",
        listing=listing,
        kinds=KINDS,
        statuses=STATUSES,
    )


def _detail(request_id: int, http_status: int = 200, **forms):
    item = requests.get_request(request_id)
    return render(
        "network/request.html",
        http_status=http_status,
        item=item,
        reply_form=forms.get("reply_form") or ReplyForm(formdata=None),
        approve_form=forms.get("approve_form") or ApproveForm(formdata=None),
        decline_form=forms.get("decline_form") or DeclineForm(formdata=None, prefix="decline"),
        error=forms.get("error"),
    )


@bp.get("/<int:request_id>")
def detail(request_id: int):
    return _detail(request_id)


def _done(request_id: int, message: str):
    flash(message)
    return redirect_to(url_for("network_requests.detail", request_id=request_id))


@bp.post("/<int:request_id>/reply")
def reply(request_id: int):
    form = ReplyForm()
    if not form.validate_on_submit():
        return _detail(request_id, 422, reply_form=form)
    try:
        item = requests.reply(
            request_id, message=form.message.data, close=form.close.data, actor=current_user
        )
    except DomainError as exc:
        return _detail(request_id, 422, reply_form=form, error=exc.message)
    return _done(request_id, f"Your reply is on its way to {item.email}.")


@bp.post("/<int:request_id>/approve")
def approve(request_id: int):
    form = ApproveForm()
    if not form.validate_on_submit():
        return _detail(request_id, 422, approve_form=form)
    try:
        item = requests.approve_member_list(
            request_id, note=form.note.data or "", actor=current_user
        )
    except DomainError as exc:
        return _detail(request_id, 422, approve_form=form, error=exc.message)
    return _done(request_id, f"The member agencies list is on its way to {item.email}.")


@bp.post("/<int:request_id>/decline")
def decline(request_id: int):
    form = DeclineForm(prefix="decline")
    if not form.validate_on_submit():
        return _detail(request_id, 422, decline_form=form)
    try:
        item = requests.decline_member_list(
            request_id, message=form.message.data or "", actor=current_user
        )
    except DomainError as exc:
        return _detail(request_id, 422, decline_form=form, error=exc.message)
    return _done(request_id, f"{item.name} has been told the request was declined.")


@bp.post("/<int:request_id>/close")
def close(request_id: int):
    try:
        requests.close(request_id, actor=current_user)
    except DomainError as exc:
        return _detail(request_id, 422, error=exc.message)
    return _done(request_id, "The request is closed.")
