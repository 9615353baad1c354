"""Resources and news: what officers may read, and how network admins write it.

Reading records nothing: no view counts, no "recently read", no search log (the queries below
only SELECT, and GET requests run read-only on PostgreSQL). An item is visible to officers when
it is published and its publish date has come.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from wnwa import audit
from wnwa.database import locked, serialized_on
from wnwa.errors import InvalidInput, NotFound
from wnwa.extensions import db, utcnow
from wnwa.history import actor_name
from wnwa.resources.models import CATEGORIES, DRAFT, KINDS, PUBLISHED, STATES, NewsPost, Resource
from wnwa.us_states import local_time

PER_PAGE = 20
SERVICE_KINDS = ("local_service", "national_service")
MAX_QUERY = 100


def _visible(model, today: date):
    return (model.state == PUBLISHED) & (model.publish_on <= today)


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class LibraryQuery:
    q: str = ""
    category: str = ""
    kind: str = ""
    page: int = 1

    @classmethod
    def parse(cls, args: Any) -> LibraryQuery:
        category = args.get("category", "")
        kind = args.get("kind", "")
        page = args.get("page", "1")
        return cls(
            q=" ".join((args.get("q") or "").split())[:MAX_QUERY],
            category=category if category in CATEGORIES else "",
            kind=kind if kind in KINDS else "",
            page=int(page) if page.isdecimal() and 0 < int(page) < 10_000 else 1,
        )


@dataclass(frozen=True)
class LibraryPage:
    query: LibraryQuery
    items: list[Resource]
    total: int
    page: int
    pages: int
    categories: list[tuple[str, str, int]]  # key, label, published items


def library(query: LibraryQuery, today: date) -> LibraryPage:
    stmt = select(Resource).where(_visible(Resource, today))
    if query.category:
        stmt = stmt.where(Resource.category == query.category)
    if query.kind:
        stmt = stmt.where(Resource.kind == query.kind)
    for word in query.q.split()[:8]:
        pattern = _like(word.lower())
        stmt = stmt.where(
            or_(
                func.lower(Resource.title).like(pattern, escape="\\"),
                func.lower(Resource.summary).like(pattern, escape="\\"),
                func.lower(Resource.body).like(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(query.page, pages)
    items = db.session.scalars(
        stmt.order_by(Resource.title, Resource.id).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    counts = dict(
        db.session.execute(
            select(Resource.category, func.count())
            .where(_visible(Resource, today))
            .group_by(Resource.category)
        ).all()
    )
    categories = [(key, label, counts.get(key, 0)) for key, label in CATEGORIES.items()]
    return LibraryPage(query, list(items), total, page, pages, categories)


def published_resource(slug: str, today: date) -> Resource:
    item = db.session.scalars(
        select(Resource).where(Resource.slug == slug, _visible(Resource, today))
    ).first()
    if item is None:
        raise NotFound("There is no such resource.")
    return item


@dataclass(frozen=True)
class NewsPage:
    posts: list[NewsPost]
    page: int
    pages: int


def news(page: int, today: date) -> NewsPage:
    stmt = select(NewsPost).where(_visible(NewsPost, today))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    posts = db.session.scalars(
        stmt.order_by(NewsPost.publish_on.desc(), NewsPost.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return NewsPage(list(posts), page, pages)


def published_post(slug: str, today: date) -> NewsPost:
    post = db.session.scalars(
        select(NewsPost).where(NewsPost.slug == slug, _visible(NewsPost, today))
    ).first()
    if post is None:
        raise NotFound("There is no such news post.")
    return post


# --- network admins -------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceInput:
    title: str
    kind: str
    category: str
    summary: str
    body: str
    url: str
    phone: str
    state: str
    publish_on: date


@dataclass(frozen=True)
class NewsInput:
    title: str
    summary: str
    body: str
    state: str
    publish_on: date


def slug_for(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:100]
    return slug or "item"


def _unique_slug(model, title: str) -> str:
    """The address of a new item, made from its first title. It never changes after: renaming
    an item (before or after it is published) breaks no bookmark or shared link."""
    base = slug_for(title)
    # two items of one title created at once take turns, so they never pick the same address
    serialized_on(f"{model.__tablename__}-slug:{base}")
    taken = set(db.session.scalars(select(model.slug).where(model.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def resource_problems(data: ResourceInput) -> list[str]:
    problems = []
    if data.kind not in KINDS:
        problems.append("Choose what kind of resource this is.")
    if data.category not in CATEGORIES:
        problems.append("Choose a category.")
    if data.state not in STATES:
        problems.append("Choose draft or published.")
    if data.url and not re.match(r"^https?://[^\s/$.?#][^\s]*$", data.url, re.I):
        problems.append("The link must be a web address starting with https:// or http://.")
    if not data.url and not data.body.strip() and data.kind not in SERVICE_KINDS:
        problems.append("Give a link, or write the text of the resource.")
    if data.kind in SERVICE_KINDS and not (data.phone or data.url):
        problems.append("A service needs a phone number or a web address.")
    if data.phone and not re.match(r"^[0-9+()\-. ]{3,40}$", data.phone):
        problems.append("Write the phone number with digits, spaces, dashes or a leading +.")
    return problems


class SavedMeanwhile(InvalidInput):
    """Someone saved the item after this form was opened: saving would silently undo their
    change. `version` is the item's version now, for a form that means to save over it."""

    def __init__(self, item: Resource | NewsPost, noun: str) -> None:
        super().__init__(
            f"{actor_name(item.updated_by)} saved this {noun} ({local_time(item.updated_at)}) "
            "after you opened it. Your text is still below: save again to replace their "
            "version with yours, or open the item again to see theirs."
        )
        self.version = version_of(item)


def version_of(item: Resource | NewsPost) -> str:
    """What an edit form carries to tell whether the item was saved since it was opened."""
    return item.updated_at.isoformat()


def _unchanged_since(model, item_id: int, opened: str | None, noun: str):
    """The item, locked until the transaction ends, if it is as it was when the form opened."""
    item = locked(model, item_id, model.title)
    if item is None:
        raise NotFound(f"There is no such {noun}.")
    if opened is not None and opened != version_of(item):
        raise SavedMeanwhile(item, noun)
    return item


def get_resource(resource_id: int) -> Resource:
    item = db.session.get(Resource, resource_id)
    if item is None:
        raise NotFound("There is no such resource.")
    return item


def save_resource(
    resource_id: int | None, data: ResourceInput, *, actor, opened: str | None = None
) -> Resource:
    """Create, or save over an existing resource. `opened`: the version the form was opened at
    (`version_of`); a save over a newer version is refused (SavedMeanwhile)."""
    problems = resource_problems(data)
    if problems:
        raise InvalidInput(" ".join(problems))
    if resource_id:
        item = _unchanged_since(Resource, resource_id, opened, "resource")
    else:
        item = Resource(created_at=utcnow(), slug=_unique_slug(Resource, data.title))
    item.title = data.title.strip()
    item.kind, item.category, item.state = data.kind, data.category, data.state
    item.summary, item.body = data.summary.strip(), data.body
    item.url, item.phone = data.url.strip(), data.phone.strip()
    item.publish_on = data.publish_on
    item.updated_at, item.updated_by = utcnow(), audit.actor_label(actor)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "resources.saved", subject=f"resource {item.id} ({item.state})")
    db.session.commit()
    return item


def get_post(post_id: int) -> NewsPost:
    post = db.session.get(NewsPost, post_id)
    if post is None:
        raise NotFound("There is no such news post.")
    return post


def save_post(
    post_id: int | None, data: NewsInput, *, actor, opened: str | None = None
) -> NewsPost:
    """Create, or save over an existing post (`opened`: as for save_resource)."""
    if data.state not in STATES:
        raise InvalidInput("Choose draft or published.")
    if not data.body.strip():
        raise InvalidInput("Write the post.")
    if post_id:
        post = _unchanged_since(NewsPost, post_id, opened, "news post")
    else:
        post = NewsPost(created_at=utcnow(), slug=_unique_slug(NewsPost, data.title))
    post.title, post.summary, post.body = data.title.strip(), data.summary.strip(), data.body
    post.state, post.publish_on = data.state, data.publish_on
    post.updated_at, post.updated_by = utcnow(), audit.actor_label(actor)
    db.session.add(post)
    db.session.flush()
    audit.record(actor, "news.saved", subject=f"news post {post.id} ({post.state})")
    db.session.commit()
    return post


def all_resources() -> list[Resource]:
    return list(db.session.scalars(select(Resource).order_by(Resource.state, Resource.title)))


def all_posts() -> list[NewsPost]:
    return list(db.session.scalars(select(NewsPost).order_by(NewsPost.publish_on.desc())))


@dataclass(frozen=True)
class LibraryCounts:
    drafts: int
    scheduled: int
    published: int
    news_drafts: int


def library_counts(today: date) -> LibraryCounts:
    def count(model, *where) -> int:
        return db.session.scalar(select(func.count(model.id)).where(*where)) or 0

    return LibraryCounts(
        drafts=count(Resource, Resource.state == DRAFT),
        scheduled=count(Resource, Resource.state == PUBLISHED, Resource.publish_on > today),
        published=count(Resource, _visible(Resource, today)),
        news_drafts=count(NewsPost, NewsPost.state == DRAFT),
    )
