"""The engine-parity query corpus: searches an officer makes (names with and without typos,
topics, states, languages, available now, their own department, later pages), run against the
same data on both engines. The tests (demo scale: first pages identical) and the benchmark (US
scale: first pages overlap) both use it, so each engine's answers can be compared query by
query. Reads only; the names come from the data, so the corpus fits any seed."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from wnwa.directory import query
from wnwa.directory.forms import filters_from_args
from wnwa.directory.models import DirectoryEntry
from wnwa.extensions import db

FIXED = [
    "q=grief",
    "q=grief&state=TX",
    "q=divorce&language=es",
    "topic=critical&state=CA&career=active",
    "q=sober&assignment=patrol",
    "q=county&state=IL&topic=grief&gender=man",
    "q=night+shift",
    "q=dispatcher",
    "language=es",
    "state=IL",
    "now=1",
    "now=1&q=grief",
    "own=1&q=grief",
    "q=grief&page=2",
    "q=grief&page=3",
    "state=TX&page=2",
    "now=1&page=2",
    "q=zzzzqqq",
]


def typo(word: str) -> str:
    """The word with two inner letters swapped ("johnson" -> "jonhson")."""
    if len(word) < 5:
        return word + word[-1]
    middle = len(word) // 2
    return word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :]


def name_queries(limit: int = 6) -> list[str]:
    """Names from the data: a last name as typed, with a typo, and a full name with a state."""
    rows = db.session.execute(
        select(DirectoryEntry.display_name, DirectoryEntry.state).order_by(DirectoryEntry.id)
    ).all()
    found: list[str] = []
    for name, state in rows[: limit * 7 : 7]:
        parts = name.lower().split()
        last = parts[-1]
        found += [
            urlencode({"q": last}),
            urlencode({"q": typo(last)}),
            urlencode({"q": " ".join(parts), "state": state}),
            urlencode({"q": typo(parts[0]) + " " + last}),
        ]
    return found


def corpus() -> list[str]:
    return FIXED + name_queries()


def first_pages(queries: list[str], *, viewer_department_id: int, now: datetime) -> dict:
    """Query string -> the entry ids of its page, in order, and whether they are close names."""
    pages = {}
    for qs in queries:
        filters = filters_from_args(MultiDict(parse_qsl(qs, keep_blank_values=True)))
        page = query.search(filters, viewer_department_id=viewer_department_id, now=now)
        pages[qs] = ([listing.id for listing in page.listings], page.similar_names)
    return pages
