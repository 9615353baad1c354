"""Engine parity: the query corpus answers the same on SQLite and PostgreSQL.

Each engine's pass of `make test` checks every first page of the corpus against one reference
written here in plain Python from the rules (words match listing words by their first six
letters, filters by tag, the available-now group first, then the fixed shuffle; close names by
shared trigrams). Both engines equal to the same reference means both equal to each other:
an officer's results do not depend on the database the network runs.
"""

from __future__ import annotations

import random
import re
from datetime import datetime
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from wnwa.demo import seed_demo
from wnwa.directory import corpus, query, readmodel
from wnwa.directory.forms import filters_from_args
from wnwa.directory.models import DirectoryEntry
from wnwa.directory.us_scale import seed_us_scale
from wnwa.extensions import db, utcnow
from wnwa.us_states import network_day


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


def reference(entries: list, filters: query.SearchFilters, viewer: int, now: datetime):
    """(ids, close names) the rules give for `filters`, without either engine."""
    today, now_ts = network_day(now).toordinal(), int(now.timestamp())
    terms, groups = query.words(filters.text), query._tag_groups(filters)

    def shown(e) -> bool:
        if not (e.cert_from <= today < e.cert_until):
            return False
        if not filters.include_own and e.department_id == viewer:
            return False
        tags = set(e.doc.tags.split())
        return all(tags & set(group) for group in groups)

    def available(e) -> bool:
        return e.status == "now" and e.status_until > now_ts

    def matches(e) -> bool:
        doc = e.doc
        listed = _words(f"{doc.name} {doc.department} {doc.place} {doc.bio} {doc.topics}")
        return all(any(w.startswith(t[: readmodel.PREFIX]) for w in listed) for t in terms)

    hits = [e for e in entries if shown(e) and matches(e)]
    if filters.available_now:
        hits = [e for e in hits if available(e)]
    ordered = sorted(hits, key=lambda e: (not available(e), e.id))
    start = (filters.page - 1) * query.PAGE_SIZE
    ids = [e.id for e in ordered[start : start + query.PAGE_SIZE]]
    phrase = " ".join(terms)
    if ids or filters.page != 1 or len(phrase) < 3:
        return ids, False
    grams = set(readmodel.name_grams(phrase))
    close = []
    for e in entries:
        if not shown(e) or (filters.available_now and not available(e)):
            continue
        shared = len(grams & set(readmodel.name_grams(e.display_name)))
        if 3 * shared >= len(grams):
            close.append((-shared, len(e.display_name), e.id))
    close.sort()
    ids = [entry_id for *_, entry_id in close[: query.SIMILAR_NAMES]]
    return ids, bool(ids)


class _Entry:
    def __init__(self, row):
        self.__dict__.update(row._asdict())
        self.doc = readmodel.document(row._asdict())


def _entries() -> list[_Entry]:
    return [_Entry(r) for r in db.session.execute(select(DirectoryEntry.__table__)).all()]


def _check_corpus(viewer: int) -> dict[str, int]:
    now = utcnow()
    entries = _entries()
    queries = corpus.corpus()
    pages = corpus.first_pages(queries, viewer_department_id=viewer, now=now)
    mismatched = {}
    for qs in queries:
        filters = filters_from_args(MultiDict(parse_qsl(qs, keep_blank_values=True)))
        if pages[qs] != reference(entries, filters, viewer, now):
            mismatched[qs] = (pages[qs], reference(entries, filters, viewer, now))
    assert mismatched == {}
    return {qs: len(ids) for qs, (ids, _) in pages.items()}


def test_typos_find_the_name_on_every_engine():
    assert corpus.typo("johnson") == "jonhson"
    grams = set(readmodel.name_grams("jonhson"))
    shared = grams & set(readmodel.name_grams("Maria Johnson"))
    assert 3 * len(shared) >= len(grams)


def test_demo_network_answers_the_corpus_like_the_reference(ctx):
    seed_demo(today=network_day(), rng=random.Random(5))
    viewer = db.session.scalar(select(DirectoryEntry.department_id).order_by(DirectoryEntry.id))
    sizes = _check_corpus(viewer)
    assert sizes["q=grief"] > 0 and sizes["now=1"] > 0  # the corpus is not vacuous
    assert any(n for qs, n in sizes.items() if qs.startswith("q=") and "%20" not in qs)


@pytest.mark.parametrize("seed", [21, 22])
def test_synthetic_network_answers_the_corpus_like_the_reference(ctx, seed):
    summary = seed_us_scale(departments=60, officers=3_000, supporters=400, seed=seed)
    sizes = _check_corpus(summary.bench_department_id)
    assert sizes["q=grief&page=2"] == query.PAGE_SIZE and sizes["now=1"] > 0
    typos = [qs for qs in sizes if qs in corpus.name_queries()[1::4]]
    # every misspelt last name finds someone
    assert typos and [qs for qs in typos if not sizes[qs]] == []
