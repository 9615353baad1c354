"""The chief's department pages."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from wnwa.auth.guards import require_roles
from wnwa.htmx import render
from wnwa.tenants import services

bp = Blueprint("tenants", __name__, url_prefix="/department")
require_roles(bp, "chief")


@bp.route("/")
def dashboard():
    department = current_user.department
    return render(
        "tenants/dashboard.html",
        department=department,
        completeness=services.roster_completeness(department),
    )
