"""Public pages, and the signed-in home that sends each role to its work."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from wnwa.auth.guards import public
from wnwa.htmx import render
from wnwa.site import services

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
    return render("site/welcome.html")


@bp.route("/crisis-lines")
@public
def crisis():
    return render("site/crisis.html", lines=services.CRISIS_LINES)


@bp.route("/privacy")
@public
def privacy():
    return render("site/privacy.html", tables=services.what_we_store())


@bp.route("/healthz")
@public
def healthz():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
