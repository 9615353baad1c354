"""Directory pages: search (GET, live with htmx, fine without JavaScript), a supporter's page,
and the member's own listing.

Searching and reading write nothing and log nothing. Calls are plain tel:/sms:/mailto: links.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, request, url_for
from flask_login import current_user

from wnwa.auth.guards import require_roles
from wnwa.directory import forms, services
from wnwa.directory.query import COUNT_CAP, PAGE_SIZE, SearchPage
from wnwa.errors import DomainError
from wnwa.htmx import is_partial, redirect_to, render

bp = Blueprint("directory", __name__, url_prefix="/directory")
require_roles(bp, "officer")


ROWS_ONLY = "rows"  # query flag of "Show more": answer only the next rows, to append in place


def _page_url(page: int, *extra: tuple[str, str]) -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", ROWS_ONLY)]
    return url_for("directory.search") + "?" + urlencode([*args, ("page", str(page)), *extra])


def _pages(result: SearchPage) -> dict[str, object]:
    shown = (result.page - 1) * PAGE_SIZE + len(result.listings)
    # How many the next page holds is known only while the count is exact (not capped)
    exact = result.total is not None and result.total <= COUNT_CAP
    left = max(0, result.total - shown) if exact else 0
    return {
        "prev_url": _page_url(result.page - 1) if result.page > 1 else "",
        "next_url": _page_url(result.page + 1) if result.has_next else "",
        "more_url": _page_url(result.page + 1, (ROWS_ONLY, "1")) if result.has_next else "",
        "more_count": min(PAGE_SIZE, left) if left else None,
        "shown": shown,
        "total_label": _total_label(result.total),
        "now_label": _now_label(result.total_now),
    }


def _now_label(total_now: int | None) -> str:
    if not total_now:
        return ""
    count = f"{COUNT_CAP:,}+" if total_now > COUNT_CAP else f"{total_now:,}"
    return f"{count} available now, listed first"


def _total_label(total: int | None) -> str:
    if total is None:
        return ""
    if total > COUNT_CAP:
        return f"More than {COUNT_CAP:,} peer supporters"
    return f"{total:,} peer supporter{'' if total == 1 else 's'}"


@bp.route("/")
def search():
    filters = forms.filters_from_args(request.args)
    result = services.search_directory(filters, department_id=current_user.department_id)
    ctx = {
        "result": result,
        "filters": filters,
        "profile_base": url_for("directory.search"),
        **_pages(result),
    }
    if not is_partial():
        ctx["form"] = forms.search_form(filters)
    rows_only = is_partial() and request.args.get(ROWS_ONLY) == "1" and result.page > 1
    partial = "directory/_more.html" if rows_only else "directory/_results.html"
    return render("directory/search.html", partial, **ctx)


@bp.route("/<int:entry_id>")
def profile(entry_id: int):
    listing = services.listing(entry_id, department_id=current_user.department_id)
    # htmx: the details open in place under the name in the results, so no page (and no name
    # in the title) is added to a shared computer's browser history.
    return render("directory/profile.html", "directory/_about_inline.html", listing=listing)


def _my_page(http_status: int = 200, **forms_in_use):
    mine = services.my_listing(current_user)
    page_forms = {
        "profile_form": forms.profile_form(mine.profile, current_user.display_name),
        "availability_form": forms.AvailabilityForm(
            status=mine.profile.status if mine.profile else ""
        ),
        "listing_form": forms.ListingForm(),
        **forms_in_use,
    }
    return render("directory/me.html", http_status=http_status, mine=mine, **page_forms)


def _show_error(form, exc: DomainError) -> None:
    """The service's message beside the field it is about, else above the form."""
    if exc.field and exc.field in form:
        form[exc.field].errors = [*form[exc.field].errors, exc.message]
    else:
        form.form_errors.append(exc.message)


@bp.route("/me", methods=["GET", "POST"])
def me():
    form = forms.ProfileForm()
    if request.method == "GET":
        return _my_page()
    if not form.validate_on_submit():
        return _my_page(422, profile_form=form)
    try:
        services.save_profile(current_user, form.to_input())
    except DomainError as exc:
        _show_error(form, exc)
        return _my_page(422, profile_form=form)
    return redirect_to(url_for("directory.me", saved="profile"))


@bp.route("/me/availability", methods=["POST"])
def availability():
    form = forms.AvailabilityForm()
    if not form.validate_on_submit():
        return _my_page(422, availability_form=form)
    try:
        services.set_availability(
            current_user, form.status.data or "", hours=int(form.hours.data), until=form.until.data
        )
    except DomainError as exc:
        _show_error(form, exc)
        return _my_page(422, availability_form=form)
    return redirect_to(url_for("directory.me", saved="availability"))


@bp.route("/me/listing", methods=["POST"])
def listing():
    form = forms.ListingForm()
    if not form.validate_on_submit():
        return _my_page(422)
    try:
        services.set_listed(current_user, request.form.get("listed") == "1")
    except DomainError as exc:
        _show_error(form, exc)
        return _my_page(422, listing_form=form)
    return redirect_to(url_for("directory.me", saved="listing"))
