"""Public pages, the visitors' forms, and the signed-in home that sends each role to its work.

Pages that only inform set no cookie (wnwa/sessions.py) and load nothing from another origin.
The forms never see the visitor's address: the rate limit counts a keyed hash of it in memory
(or the RAM-only shared state), and nothing about the request is logged.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, url_for
from flask_login import current_user

from wnwa.auth.guards import public
from wnwa.extensions import limiter, public_form_limit
from wnwa.htmx import invalid, redirect_to, render
from wnwa.shared_state import counters_unreachable
from wnwa.site import facts, forms, requests, services
from wnwa.site.navigation import officer_links
from wnwa.us_states import network_day

bp = Blueprint("site", __name__)

SENT = {
    "member-list": "site/sent_member_list.html",
    "contact": "site/sent_contact.html",
    "demo": "site/sent_demo.html",
}


def _visitor(form) -> requests.Visitor:
    return requests.Visitor(
        name=form.name.data,
        email=form.email.data,
        organisation=form.organisation.data or "",
        job_title=form.job_title.data or "",
        phone=getattr(form, "phone", None) and form.phone.data or "",
    )


@bp.route("/")
@public
def index():
    return render("site/index.html", membership=facts.membership())


@bp.route("/faq")
@public
def faq():
    return render("site/faq.html", facts=facts.network_facts(network_day()))


@bp.route("/member-agencies", methods=["GET", "POST"])
@public
@limiter.limit(public_form_limit, methods=["POST"], exempt_when=counters_unreachable)
def member_list():
    form = forms.MemberListForm()
    page, partial = "site/member_list.html", "site/_member_list_form.html"
    if not form.validate_on_submit():
        if form.is_submitted():
            return invalid(page, partial, form=form, membership=facts.membership())
        return render(page, form=form, membership=facts.membership())
    if not form.is_spam():
        requests.request_member_list(_visitor(form), reason=form.reason.data)
    return redirect_to(url_for("site.sent", kind="member-list"))


@bp.route("/contact", methods=["GET", "POST"])
@public
@limiter.limit(public_form_limit, methods=["POST"], exempt_when=counters_unreachable)
def contact():
    form = forms.ContactForm()
    page, partial = "site/contact.html", "site/_contact_form.html"
    if not form.validate_on_submit():
        if form.is_submitted():
            return invalid(page, partial, form=form)
        return render(page, form=form)
    if not form.is_spam():
        requests.send_message(_visitor(form), message=form.message.data)
    return redirect_to(url_for("site.sent", kind="contact"))


@bp.route("/demo", methods=["GET", "POST"])
@public
@limiter.limit(public_form_limit, methods=["POST"], exempt_when=counters_unreachable)
def demo():
    form = forms.DemoForm()
    page, partial = "site/demo.html", "site/_demo_form.html"
    if not form.validate_on_submit():
        if form.is_submitted():
            return invalid(page, partial, form=form)
        return render(page, form=form)
    if not form.is_spam():
        requests.request_demo(
            _visitor(form),
            sworn=form.sworn.data,
            demo_format=form.demo_format.data,
            preferred_times=form.preferred_times.data,
            message=form.message.data or "",
        )
    return redirect_to(url_for("site.sent", kind="demo"))


@bp.route("/sent/<any('member-list', contact, demo):kind>")
@public
def sent(kind: str):
    return render(SENT[kind])


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


@bp.route("/terms")
@public
def terms():
    return render("site/terms.html")


@bp.route("/manifest.webmanifest")
@public
def manifest():
    response = current_app.response_class(
        services.manifest_json(url_for("site.home"), url_for("static", filename="icons/")),
        mimetype="application/manifest+json",
    )
    return response


@bp.route("/healthz")
@public
def healthz():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
