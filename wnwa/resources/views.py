"""Wellness resources and news.

Officers read (`resources`): the library with search and categories, each item, the news. These
pages may not write or log anything: no view counts, no search log, no "recently read" (proof:
tests/resources/test_privacy.py and the officer zero-write test). Network admins write
(`resources_admin`), in Markdown, with draft and published states and a publish date.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_login import current_user

from wnwa.auth.guards import require_roles
from wnwa.errors import DomainError
from wnwa.htmx import redirect_to, render
from wnwa.resources import markdown, services
from wnwa.resources.forms import NewsForm, ResourceForm
from wnwa.resources.models import KINDS
from wnwa.us_states import network_day

bp = Blueprint("resources", __name__)
require_roles(bp, "officer", "network_admin")  # network admins read what they publish

admin = Blueprint("resources_admin", __name__, url_prefix="/network")
require_roles(admin, "network_admin")


@bp.app_template_filter("markdown")
def _markdown(text: str):
    return markdown.render(text)


@bp.get("/resources/")
def index():
    query = services.LibraryQuery.parse(request.args)
    return render(
        "resources/library.html",
        "resources/_results.html",
        found=services.library(query, network_day()),
        kinds=KINDS,
    )


@bp.get("/resources/<slug>")
def resource(slug: str):
    return render("resources/resource.html", item=services.published_resource(slug, network_day()))


@bp.get("/news/")
def news():
    page = request.args.get("page", "1")
    return render(
        "resources/news.html",
        news=services.news(int(page) if page.isdecimal() else 1, network_day()),
        social_url=current_app.config["NEWS_SOCIAL_URL"],
    )


@bp.get("/news/<slug>")
def post(slug: str):
    return render(
        "resources/post.html",
        post=services.published_post(slug, network_day()),
        social_url=current_app.config["NEWS_SOCIAL_URL"],
    )


# --- network admins -------------------------------------------------------------------------


@admin.get("/resources/")
def manage():
    return render(
        "resources/manage.html",
        resources=services.all_resources(),
        posts=services.all_posts(),
        today=network_day(),
    )


def _resource_form_page(form: ResourceForm, item=None, *, http_status: int = 200, error=None):
    return render(
        "resources/edit_resource.html",
        "resources/_resource_form.html",
        http_status=http_status,
        form=form,
        item=item,
        error=error,
    )


@admin.route("/resources/new", methods=["GET", "POST"])
def new_resource():
    return _save_resource(None, ResourceForm())


@admin.route("/resources/<int:resource_id>/edit", methods=["GET", "POST"])
def edit_resource(resource_id: int):
    item = services.get_resource(resource_id)
    return _save_resource(item, ResourceForm(obj=item, opened=services.version_of(item)))


def _save_resource(item, form: ResourceForm):
    done = url_for("resources_admin.manage")
    return _save(item, form, services.save_resource, _resource_form_page, done)


def _save(item, form, save, form_page, done: str):
    """One edit form's round: show it, save it, or show it again with the reason."""
    if not form.validate_on_submit():
        if form.is_submitted():
            return form_page(form, item, http_status=422)
        return form_page(form, item)
    try:
        saved = save(
            item.id if item else None,
            form.to_input(),
            actor=current_user,
            opened=form.opened.data if item else None,
        )
    except services.SavedMeanwhile as exc:
        form.opened.data = exc.version  # saving again means: over their version
        return form_page(form, item, http_status=409, error=exc.message)
    except DomainError as exc:
        return form_page(form, item, http_status=422, error=exc.message)
    flash(f"Saved “{saved.title}” ({saved.state}).")
    return redirect_to(done)


def _news_form_page(form: NewsForm, post=None, *, http_status: int = 200, error=None):
    return render(
        "resources/edit_post.html",
        "resources/_post_form.html",
        http_status=http_status,
        form=form,
        post=post,
        error=error,
    )


@admin.route("/news/new", methods=["GET", "POST"])
def new_post():
    return _save_post(None, NewsForm())


@admin.route("/news/<int:post_id>/edit", methods=["GET", "POST"])
def edit_post(post_id: int):
    post = services.get_post(post_id)
    return _save_post(post, NewsForm(obj=post, opened=services.version_of(post)))


def _save_post(post, form: NewsForm):
    done = url_for("resources_admin.manage", _anchor="news")
    return _save(post, form, services.save_post, _news_form_page, done)
