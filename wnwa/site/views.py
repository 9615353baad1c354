"""Public pages, and the signed-in home that sends each role to its work."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from wnwa.auth.guards import public
from wnwa.htmx import render
from wnwa.site import services
from wnwa.site.navigation import officer_links

bp = Blueprint("site", __name__)


@bp.route("/")
@public
def index():
    return render("site/index.html")


@bp.route("/home")
def home():
    return redirect(url_for(services.home_endpoint(current_user.roles)))


@bp.route("/welcome")
def welcome():
    return render("site/welcome.html", officer_links=officer_links())


@bp.route("/me")
def me():
    """The officer's "Me" section: who is signed in, their own pages, sign out. Reads the
    signed-in account only; writes nothing."""
    return render(
        "site/me.html",
        account=current_user,
        department=getattr(current_user, "department", None),
        officer_links=officer_links(),
        listing_url=url_for("directory.me") if "officer" in current_user.roles else "",
    )


@bp.route("/crisis-lines")
@public
def crisis():
    department = getattr(current_user, "department", None)
    return render(
        "site/crisis.html",
        lines=services.CRISIS_LINES,
        state_line=services.state_line_beyond(getattr(department, "state", None)),
    )


@bp.route("/privacy")
@public
def privacy():
    return render("site/privacy.html", tables=services.what_we_store())


@bp.route("/healthz")
@public
def healthz():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
