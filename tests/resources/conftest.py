from __future__ import annotations

from datetime import timedelta

import pytest

from wnwa.extensions import db
from wnwa.resources.models import DRAFT, PUBLISHED, NewsPost, Resource
from wnwa.us_states import network_day

TODAY = network_day()


def add_resource(title, *, category="sleep", kind="guide", state=PUBLISHED, days=-1, **extra):
    item = Resource(
        slug=extra.pop("slug", title.lower().replace(" ", "-")),
        kind=kind,
        category=category,
        title=title,
        summary=extra.pop("summary", ""),
        body=extra.pop("body", "Some text."),
        state=state,
        publish_on=TODAY + timedelta(days=days),
        **extra,
    )
    db.session.add(item)
    db.session.commit()
    return item


def add_post(title, *, state=PUBLISHED, days=-1, body="News text."):
    post = NewsPost(
        slug=title.lower().replace(" ", "-"),
        title=title,
        body=body,
        state=state,
        publish_on=TODAY + timedelta(days=days),
    )
    db.session.add(post)
    db.session.commit()
    return post


@pytest.fixture
def library(make):
    add_resource("Sleeping after nights", category="sleep", summary="Day sleep for shift workers")
    add_resource("Money stress first steps", category="finances", body="Budget on base pay.")
    add_resource("Copline", category="stress", kind="national_service", phone="1-800-267-5463")
    add_resource("Unfinished guide", category="sleep", state=DRAFT)
    add_resource("Next month guide", category="sleep", days=30)
    add_post("Class registration open")
    add_post("Draft news", state=DRAFT)
    return None
