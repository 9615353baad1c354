"""The privacy promise for the directory: searching, paging, opening profiles and following
call links write nothing, and no search term, address or user agent reaches any log."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.directory.conftest import fresh, make_supporter
from tests.privacy.logs import every_log
from tests.privacy.snapshots import diff, snapshot
from wnwa.directory import query
from wnwa.extensions import db, utcnow

CANARY_TERM = "zzcanaryterm"
CANARY_AGENT = "CanaryAgent/7.1 (zzcanaryagent)"
CANARY_IP = "198.51.100.123"
HEADERS = {"User-Agent": CANARY_AGENT, "X-Forwarded-For": CANARY_IP}


@pytest.fixture
def scene(make):
    home = make.department("Canary Home PD")
    other = make.department("Canary Other PD", county="Lake", state="IN")
    officer = make.officer(home)
    for n in range(30):
        make_supporter(
            other,
            first_name=f"Peer{n:02d}",
            last_name="Quiet",
            topics="grief stress",
            bio="I listen.",
            accepts_texts=True,
            contact_email=f"p{n}@example.org",
        )
    return fresh(officer)


def _browse(client, officer):
    pages = [
        "/directory/",
        "/directory/?q=grief",
        "/directory/?q=grief&page=2",
        f"/directory/?q={CANARY_TERM}",
        f"/directory/?q={CANARY_TERM}&own=1&now=1&state=IN&topic=grief",
        "/directory/?topic=stress&language=en&page=2",
        "/directory/?q=quiet+pe",
        "/directory/me",
    ]
    bodies = []
    for url in pages:
        for extra in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers={**HEADERS, **extra})
            assert response.status_code == 200, url
            bodies.append(response.get_data(True))
    entry_ids = sorted(set(re.findall(r'href="/directory/(\d+)"', "".join(bodies))))
    assert len(entry_ids) >= 25
    for entry_id in entry_ids[:10]:
        for extra in ({}, {"HX-Request": "true"}):  # the page, and the details in place
            response = client.get(f"/directory/{entry_id}", headers={**HEADERS, **extra})
            assert response.status_code == 200
    assert client.get("/directory/123", headers=HEADERS).status_code == 404
    links = re.findall(r'href="((?:tel|sms|mailto):[^"]+)"', "".join(bodies))
    assert links and all(
        link.startswith(("tel:+", "tel:988", "sms:+", "sms:988", "mailto:")) for link in links
    )
    return bodies


def test_searching_and_profiles_write_nothing(client, login, scene):
    login(scene)
    client.get("/directory/?q=warm+up")  # the session cookie's own first refresh, not the db
    db.session.expire_all()
    before = snapshot()
    _browse(client, scene)
    db.session.expire_all()  # read afresh (a rollback would also discard what a request wrote)
    after = snapshot()
    assert diff(before, after) == {}
    assert before == after
    assert any(name.startswith("directory_fts") for name in before) or "directory_entry" in before


def test_no_canary_reaches_any_log(client, login, scene, caplog):
    with every_log(caplog) as logs:
        login(scene)
        _browse(client, scene)
    for canary in (CANARY_TERM, "zzcanaryagent", CANARY_IP, scene.email):
        assert canary not in logs.app
    assert CANARY_TERM not in logs.server


def test_a_failing_search_statement_leaves_no_term_in_the_database_log(ctx, engine_name, make):
    """Provoke a database error during a search (a lock timeout on PostgreSQL, an interrupted
    statement on SQLite): the error carries no term, and neither does the log. The test writes
    no listing first, so another connection can lock the read model against the search."""
    department_id = make.department().id
    filters = query.SearchFilters(text=CANARY_TERM + " grief")
    connection = db.session.connection()
    if engine_name == "postgresql":
        holder = create_engine(os.environ["WNWA_TEST_DATABASE_URL"], poolclass=NullPool)
        with holder.connect() as other:
            other.execute(text("SET lock_timeout = '5s'"))
            other.execute(text("LOCK TABLE directory_entry IN ACCESS EXCLUSIVE MODE"))
            connection.execute(text("SET LOCAL lock_timeout = '100ms'"))
            with pytest.raises(Exception) as failure:  # noqa: B017, PT011
                query.search(filters, viewer_department_id=department_id, now=utcnow())
            other.rollback()
        holder.dispose()
    else:
        raw = connection.connection.driver_connection
        raw.set_progress_handler(lambda: 1, 1)
        try:
            with pytest.raises(Exception) as failure:  # noqa: B017, PT011
                query.search(filters, viewer_department_id=department_id, now=utcnow())
        finally:
            raw.set_progress_handler(None, 1)
    assert CANARY_TERM not in str(failure.value)
    db.session.rollback()
    pg_log = os.environ.get("WNWA_PG_LOG")
    if engine_name == "postgresql":
        assert pg_log, "WNWA_PG_LOG must name the server log on PostgreSQL"
        content = Path(pg_log).read_text(errors="replace")
        assert "lock timeout" in content
        assert CANARY_TERM not in content


READ_MODEL = ("supporter_profile", "directory_entry", "directory_name_gram")


def test_a_supporter_keeping_their_own_listing_writes_only_that_listing(
    client, login, make, caplog
):
    """Their own profile, availability and listing are theirs to keep: those rows (and the
    search index made from them) change, and nothing else does: no history, no mail, no
    note of when; none of what they typed reaches a log."""
    me = make_supporter(make.department("Own Listing PD"), display_name="Own Listing")
    login(fresh(me))
    client.get("/directory/me")
    db.session.expire_all()
    before = snapshot()
    canary = "zzcanarybio"
    with every_log(caplog) as logs:
        posts = [
            (
                "/directory/me",
                {
                    "display_name": "Own Listing",
                    "phone": "(312) 555-0199",
                    "years_of_service": "12",
                    "career": "active",
                    "languages": "en",
                    "topics": "critical",
                    "gender": "",
                    "bio": f"I listen. {canary}",
                },
            ),
            ("/directory/me/availability", {"status": "now", "hours": "2"}),
            ("/directory/me/listing", {"listed": ""}),
            ("/directory/me/listing", {"listed": "1"}),
        ]
        for url, form in posts:
            response = client.post(url, data=form, headers=HEADERS)
            assert response.status_code in (200, 303), (url, response.status_code)
    db.session.expire_all()
    changed = diff(before, snapshot())
    assert "supporter_profile" in changed
    assert all(t in READ_MODEL or t.startswith("directory_") for t in changed), changed
    for canary_value in (canary, "zzcanaryagent", CANARY_IP, me.email):
        assert canary_value not in logs.app and canary_value not in logs.server
