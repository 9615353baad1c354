"""The network staff console."""

from __future__ import annotations

from flask import Blueprint

from wnwa.auth.guards import require_roles
from wnwa.htmx import render
from wnwa.network import services

bp = Blueprint("network", __name__, url_prefix="/network")
require_roles(bp, "network_admin", "network_finance", "vetter")


@bp.route("/")
def overview():
    return render("network/overview.html", rows=services.department_overview())
