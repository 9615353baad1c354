"""Public pages: the next peer-support class and how to enrol; the membership quota
calculator."""

from __future__ import annotations

from flask import Blueprint, request

from wnwa.auth.guards import public
from wnwa.htmx import render
from wnwa.tenants.quota import SWORN_MESSAGE, sworn_count
from wnwa.training import classes, overview
from wnwa.us_states import network_day

bp = Blueprint("training_public", __name__)
bp.add_app_template_filter(classes.day_list, "day_list")
bp.add_app_template_filter(overview.count_words, "count_words")


@bp.route("/training")
@public
def training():
    today = network_day()
    coming = classes.next_class(today)
    # After the next class, those that start later (not one already under way, not it again).
    after = (coming.cls.starts_on, coming.cls.id) if coming else (today, 0)
    later = [
        c
        for c in classes.upcoming_classes(today)
        if (c.cls.starts_on, c.cls.id) > after and c.cls.starts_on >= today
    ]
    return render("training/public_training.html", next_class=coming, later=later, today=today)


@bp.route("/membership")
@public
def membership():
    raw = (request.args.get("sworn") or "").strip()
    result, error = None, None
    if raw:
        sworn = sworn_count(raw)
        if sworn is not None:
            result = overview.calculate(sworn)
        else:
            error = SWORN_MESSAGE
    return render(
        "training/membership.html",
        "training/_calculator_result.html",
        http_status=422 if error else 200,
        raw=raw,
        result=result,
        error=error,
        quote_sworn=raw if result else None,
        shares=overview.shares(),
    )
