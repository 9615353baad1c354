"""Professionals' pages.

* `professionals_public`: the application (no sign-in), its private status page and the
  re-confirmation page (signed links).
* `professionals`: the officers' directory. Searching and reading write nothing and log
  nothing; the ZIP code, state and filters are used for the query only. Calls are plain `tel:`
  links. The one write is the "didn't work for me" report, which carries nothing about the
  officer (see listings.report_problem).
* `professionals_staff` (vetters and network admins): queue, vetting, listing upkeep, documents
  (served only here, always as attachments). `professionals_admin`: the settings.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, request, send_file, url_for
from flask_login import current_user

from wnwa import phones
from wnwa.auth.guards import public, require_roles
from wnwa.errors import DomainError, InvalidInput
from wnwa.extensions import db, limiter, public_form_limit, utcnow
from wnwa.htmx import is_partial, redirect_to, render
from wnwa.input_guard import request_limit
from wnwa.professionals import (
    applications,
    forms,
    geo,
    listings,
    uploads,
    vetting,
    vocab,
)
from wnwa.professionals import search as query
from wnwa.professionals import settings as settings_service
from wnwa.professionals.applications import ApplicationInput, ApplicationInvalid
from wnwa.professionals.models import Document
from wnwa.shared_state import counters_unreachable
from wnwa.us_states import network_day

public_bp = Blueprint("professionals_public", __name__, url_prefix="/professionals")
bp = Blueprint("professionals", __name__, url_prefix="/professionals")
require_roles(bp, "officer")
staff_bp = Blueprint("professionals_staff", __name__, url_prefix="/network/professionals")
staff_bp.add_app_template_filter(phones.display, "phone")  # +13125550123 -> (312) 555-0123
require_roles(staff_bp, "network_admin", "vetter")
admin_bp = Blueprint("professionals_admin", __name__, url_prefix="/network/professionals")
require_roles(admin_bp, "network_admin")
# The ZIP table is made when the app starts, never by a request (an officer's search least of all).
bp.record_once(lambda state: geo.prepare_table(state.app))

APPLY_REQUEST_LIMIT = 27 * uploads.MiB  # 25 MiB of documents plus the form itself


def _vocab() -> dict:
    return {"v": vocab, "license_rows": range(forms.LICENSE_ROWS)}


# --- public --------------------------------------------------------------------------------


def _apply_page(data: ApplicationInput, problems: dict[str, str], http_status: int = 200):
    return render(
        "professionals/apply.html",
        "professionals/_apply_form.html",
        http_status=http_status,
        data=data,
        problems=problems,
        **_vocab(),
    )


@public_bp.route("/apply", methods=["GET", "POST"])
@public
@limiter.limit(public_form_limit, methods=["POST"], exempt_when=counters_unreachable)
@request_limit(APPLY_REQUEST_LIMIT)
def apply():
    if request.method == "GET":
        return _apply_page(ApplicationInput(), {})
    if forms.is_spam(request.form):
        return redirect_to(url_for(".received"))  # the bot is told nothing; nothing is kept
    data = forms.application(request.form)
    try:
        _, token = applications.submit_application(data, forms.documents(request.files))
    except ApplicationInvalid as exc:
        return _apply_page(data, exc.problems, 422)
    except DomainError as exc:
        return _apply_page(data, {"form": exc.message}, exc.status_code)
    return redirect_to(url_for(".status", token=token, new=1))


@public_bp.get("/received")
@public
def received():
    return render("professionals/received.html")


@public_bp.get("/status/<token>")
@public
def status(token: str):
    professional = applications.for_status_token(token)
    return render(
        "professionals/status.html",
        p=professional,
        view=applications.status_view(professional),
        new=request.args.get("new") == "1",
    )


def _confirm_page(p, data, problems, link: str, http_status: int = 200):
    return render(
        "professionals/confirm.html",
        "professionals/_confirm_form.html",
        http_status=http_status,
        p=p,
        data=data,
        problems=problems,
        token=link,
        **_vocab(),
    )


@public_bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
def confirm(token: str):
    p = listings.for_reconfirm_token(token)
    if request.method == "GET":
        return _confirm_page(p, listings.input_from(p), {}, token)
    data = forms.reconfirmation(request.form)
    try:
        listings.reconfirm(token, data)
    except ApplicationInvalid as exc:
        return _confirm_page(p, data, exc.problems, token, 422)
    return render("professionals/confirmed.html", p=p)


# --- officers ------------------------------------------------------------------------------


def _page_url(page: int) -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    return url_for("professionals.search") + "?" + urlencode([*args, ("page", str(page))])


@bp.get("/")
def search():
    filters = forms.filters(request.args)
    result = query.search(filters, now=utcnow())
    ctx = {
        "result": result,
        "filters": filters,
        "prev_url": _page_url(result.page - 1) if result.page > 1 else "",
        "next_url": _page_url(result.page + 1) if result.has_next else "",
    }
    if not is_partial():
        ctx.update(_vocab())
    return render("professionals/search.html", "professionals/_results.html", **ctx)


@bp.get("/<int:professional_id>")
def profile(professional_id: int):
    # htmx: the details open in place under the name in the results, so no page (and no name
    # in the title) is added to a shared computer's browser history.
    return render(
        "professionals/profile.html",
        "professionals/_about_inline.html",
        profile=query.profile(professional_id, now=utcnow()),
        professional_id=professional_id,
        reported=request.args.get("reported") == "1",
    )


@bp.post("/<int:professional_id>/report")
def report(professional_id: int):
    listings.report_problem(professional_id, today=network_day())
    if is_partial():
        return render("professionals/_report.html", reported=True, professional_id=professional_id)
    return redirect_to(url_for(".profile", professional_id=professional_id, reported=1))


# --- network staff -------------------------------------------------------------------------


@staff_bp.get("/")
def overview():
    now = utcnow()
    return render(
        "professionals/staff_overview.html",
        queue=vetting.queue(now),
        upkeep=listings.overview(now),
        settings=settings_service.current(),
        can_configure="network_admin" in current_user.roles,
    )


def _detail(professional_id: int, http_status: int = 200, error: str = "", failed: str = ""):
    """The application's page; after a refused action (`failed`: which form), that form keeps
    what was typed, to correct it, and the page shows what is stored."""
    return render(
        "professionals/staff_detail.html",
        http_status=http_status,
        d=vetting.detail(professional_id, current_user),
        error=error,
        failed=failed,
        typed=request.form if failed else {},
        **_vocab(),
    )


def _act(professional_id: int, action, form: str = ""):
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        return _detail(professional_id, exc.status_code, exc.message, failed=form)
    return redirect_to(url_for(".detail", professional_id=professional_id))


@staff_bp.get("/<int:professional_id>")
def detail(professional_id: int):
    return _detail(professional_id)


@staff_bp.post("/<int:professional_id>/vetters")
def assign(professional_id: int):
    vetter_id = forms.number(request.form.get("vetter_id", ""))
    return _act(
        professional_id, lambda: vetting.assign(professional_id, vetter_id, actor=current_user)
    )


@staff_bp.post("/<int:professional_id>/vetters/<int:vetter_id>/remove")
def unassign(professional_id: int, vetter_id: int):
    return _act(
        professional_id, lambda: vetting.unassign(professional_id, vetter_id, actor=current_user)
    )


@staff_bp.post("/<int:professional_id>/assessment")
def assessment(professional_id: int):
    form = request.form
    return _act(
        professional_id,
        lambda: vetting.schedule(
            professional_id,
            kind=form.get("kind", ""),
            at=forms.when(form.get("at", "")),
            held=form.get("held") == "1",
            notes=form.get("notes", ""),
            actor=current_user,
        ),
        form="assessment",
    )


@staff_bp.post("/<int:professional_id>/vote")
def vote(professional_id: int):
    form = request.form
    return _act(
        professional_id,
        lambda: vetting.vote(
            professional_id,
            choice=form.get("choice", ""),
            reason=form.get("reason", ""),
            actor=current_user,
        ),
        form="vote",
    )


@staff_bp.post("/<int:professional_id>/reapply")
def reapply(professional_id: int):
    on = forms.day(request.form.get("reapply_on", ""))

    def action():
        if on is None:
            raise InvalidInput("Give the date from which they may apply again.")
        vetting.set_reapply_date(professional_id, on, today=network_day(), actor=current_user)

    return _act(professional_id, action, form="reapply")


@staff_bp.post("/<int:professional_id>/suspend")
def suspend(professional_id: int):
    reason = request.form.get("reason", "")
    return _act(
        professional_id,
        lambda: listings.suspend(professional_id, reason, actor=current_user),
        form="suspend",
    )


@staff_bp.post("/<int:professional_id>/reinstate")
def reinstate(professional_id: int):
    return _act(professional_id, lambda: listings.reinstate(professional_id, actor=current_user))


@staff_bp.post("/<int:professional_id>/recheck")
def recheck(professional_id: int):
    return _act(
        professional_id, lambda: listings.close_recheck(professional_id, actor=current_user)
    )


def _edit_page(professional_id, data, problems, http_status=200):
    return render(
        "professionals/staff_edit.html",
        "professionals/_edit_form.html",
        http_status=http_status,
        p=vetting.get(professional_id),
        data=data,
        problems=problems,
        **_vocab(),
    )


@staff_bp.route("/<int:professional_id>/edit", methods=["GET", "POST"])
def edit(professional_id: int):
    if request.method == "GET":
        return _edit_page(professional_id, listings.input_from(vetting.get(professional_id)), {})
    data = forms.application(request.form)
    data.no_fitness_for_duty = True  # confirmed at application; staff edits do not revisit it
    try:
        listings.edit(professional_id, data, actor=current_user)
    except ApplicationInvalid as exc:
        return _edit_page(professional_id, data, exc.problems, 422)
    return redirect_to(url_for(".detail", professional_id=professional_id))


@staff_bp.get("/documents/<int:document_id>")
def document(document_id: int):
    found = vetting.document(document_id)
    response = send_file(
        uploads.path_of(found.stored_name),
        mimetype=found.content_type,
        as_attachment=True,
        download_name=_download_name(found),
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _download_name(found: Document) -> str:
    extension = found.stored_name.rsplit(".", 1)[-1]
    return f"application-{found.professional_id}-{found.kind}-{found.id}.{extension}"


@admin_bp.route("/settings", methods=["GET", "POST"])
def settings():
    current = settings_service.current()
    if request.method == "GET":
        return render("professionals/settings.html", s=current, rules=settings_service.RULES)
    form = request.form
    try:
        settings_service.update(
            rule=form.get("rule", ""),
            min_votes=forms.number(form.get("min_votes", "")),
            reconfirm_days=forms.number(form.get("reconfirm_days", "")),
            grace_days=forms.number(form.get("grace_days", ""), default=-1),
            actor=current_user,
        )
    except DomainError as exc:
        return render(
            "professionals/settings.html",
            http_status=exc.status_code,
            s=current,
            rules=settings_service.RULES,
            error=exc.message,
        )
    return redirect_to(url_for("professionals_staff.overview", saved=1))
