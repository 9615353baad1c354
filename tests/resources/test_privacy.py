"""Reading resources and news records nothing: browsing, searching and opening every item
writes nothing to the database, and no search term, address or user agent reaches any log."""

from __future__ import annotations

import re

import pytest

from tests.privacy.logs import every_log
from tests.privacy.snapshots import diff, snapshot
from tests.resources.conftest import add_post, add_resource
from wnwa.extensions import db

CANARY_TERM = "zzcanaryresource"
HEADERS = {"User-Agent": "CanaryAgent/3.1 (zzcanaryagent)", "X-Forwarded-For": "198.51.100.77"}


@pytest.fixture
def reader(make):
    for n in range(25):
        add_resource(f"Guide number {n:02d}", category="stress", summary="calm")
    add_resource("Sleep guide", category="sleep", body="Blackout curtains.")
    add_post("Network news one")
    return make.officer(make.department("Zzcanary Reader PD"), email="zzcanary.reader@pd.example")


def _read_everything(client) -> int:
    pages = [
        "/resources/",
        f"/resources/?q={CANARY_TERM}",
        "/resources/?q=guide&page=2",
        "/resources/?category=sleep",
        "/resources/?kind=guide&category=stress",
        "/news/",
    ]
    bodies = []
    for url in pages:
        for extra in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers={**HEADERS, **extra})
            assert response.status_code == 200, url
            bodies.append(response.get_data(as_text=True))
    links = sorted(set(re.findall(r'href="(/(?:resources|news)/[a-z0-9-]+)"', "".join(bodies))))
    assert len(links) >= 10
    for link in links:
        assert client.get(link, headers=HEADERS).status_code == 200, link
    return len(links)


def test_reading_resources_and_news_writes_nothing(client, login, reader):
    login(reader)
    client.get("/resources/?q=warm+up")  # the session cookie's own first refresh
    db.session.expire_all()
    before = snapshot()
    _read_everything(client)
    db.session.expire_all()  # read afresh (a rollback would also discard what a request wrote)
    after = snapshot()
    assert diff(before, after) == {}
    assert "resource" in before and "news_post" in before


def test_no_canary_reaches_any_log(client, login, reader, caplog):
    with every_log(caplog) as logs:
        login(reader)
        _read_everything(client)
    for canary in (CANARY_TERM, "zzcanaryagent", "198.51.100.77", "zzcanary.reader"):
        assert canary not in logs.app
    assert CANARY_TERM not in logs.server
