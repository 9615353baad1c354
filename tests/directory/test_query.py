"""The query module itself: word cleaning, engine syntax, and the index-only query path."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from unittest.mock import patch

from sqlalchemy import text

from tests.directory.conftest import make_supporter
from wnwa.directory import query, readmodel, services
from wnwa.extensions import db
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context


def test_words_keep_letters_and_digits_only():
    assert query.words('Grief "OR" NEAR(x) K9 a José-Luis _drop_ ' + "y" * 50) == [
        "grief",
        "or",
        "near",
        "k9",
        "jose",
        "luis",
        "drop",
        "y" * 40,
    ]
    assert query.words("") == [] and query.words("*:^-()") == []
    assert len(query.words(" ".join(f"w{i}" for i in range(20)))) == query.MAX_WORDS


def test_match_expressions_quote_every_term():
    groups = [["tpgrief", "tpfamily"], ["stil"]]
    assert query.fts5_match(["gri", "kowalczyk"], groups) == (
        '{name department place bio topics} : ("gri"* AND "kowalc"*) AND '
        "tags : (tpgrief OR tpfamily) AND tags : (stil)"
    )
    assert query.pg_tsquery(["gri", "kowalczyk"], groups) == (
        "'qzpgri' & 'qzpkowalc' & ('qzxtpgrief' | 'qzxtpfamily') & ('qzxstil')"
    )
    assert query.fts5_match([], []) == ""


def test_postgres_vector_holds_marked_prefixes_and_tags():
    doc = readmodel.document(
        {
            "display_name": "Ana Li",
            "department_name": "Kent PD",
            "county": "Kent",
            "state": "MI",
            "bio": "Sober",
            "topics": "grief",
            "assignments": "k9",
            "languages": "en",
            "gender": "",
            "career": "active",
            "status": "now",
        }
    )
    lexemes = set(readmodel.pg_vector_params(doc)["lexemes"].split())
    assert {"qzxtpgrief", "qzxstmi", "qzxznow", "qzxask9", "qzxctykent"} <= lexemes
    assert {"qzpso", "qzpsob", "qzpsober", "qzpgrief", "qzpbereav", "qzpk9"} <= lexemes
    assert "sober" not in lexemes and "qzpbereave" not in lexemes and "qzps" not in lexemes


def test_search_uses_the_full_text_index_and_no_like(ctx, make, statements, engine_name):
    home, other = make.department(), make.department(state="TX", county="Travis")
    make_supporter(other, display_name="Indexed Person", topics="grief", bio="sober since 2015")
    statements.clear()
    filters = query.SearchFilters(text="sob", state="TX", topics=("grief",))
    page = query.search(filters, viewer_department_id=home.id, now=datetime.now(UTC))
    assert [item.display_name for item in page.listings] == ["Indexed Person"]
    searches = [s for s in statements if "directory_entry" in s]
    assert len(searches) == 1  # page one: available now and everyone else in one statement
    assert "UNION ALL" in searches[0]
    for statement in searches:
        assert " LIKE " not in statement.upper() and "ILIKE" not in statement.upper()
        if engine_name == "sqlite":
            assert "directory_fts MATCH" in statement
        else:
            assert "e.search @@ to_tsquery(" in statement
    assert "sob" not in " ".join(statements)  # terms are bound parameters, never SQL text
    statements.clear()
    query.search(
        query.SearchFilters(text="sob", page=2), viewer_department_id=home.id, now=datetime.now(UTC)
    )
    later = [s for s in statements if "directory_entry" in s]
    # one statement too: each group from its own offset (the others' offset less those
    # available now, counted no further than the page's offset); every count stops at a LIMIT,
    # so nothing counts the whole directory
    assert len(later) == 1 and " LIKE " not in later[0].upper()
    assert re.search(r"OFFSET \S+ - \(SELECT count\(\*\) FROM \(", later[0])
    limited = re.findall(r"LIMIT \S+\) AS (c_now|c_rest|before_page)\b", later[0])
    assert sorted(limited) == ["before_page", "c_now", "c_rest"]


def test_the_county_filter_takes_the_word_county_as_listings_show_it(ctx, make):
    home, other = make.department(), make.department(state="TX", county="Travis")
    make_supporter(other, display_name="Travis Person", topics="grief")
    now = datetime.now(UTC)
    for typed in ("Travis", "Travis County", "travis county "):
        page = query.search(
            query.SearchFilters(county=typed), viewer_department_id=home.id, now=now
        )
        assert [item.display_name for item in page.listings] == ["Travis Person"], typed


def test_the_total_is_one_capped_statement(ctx, make, statements):
    home, other = make.department(), make.department(state="TX", county="Travis")
    for n in range(4):
        make_supporter(other, display_name=f"Counted Person{n}", topics="grief")
    now = datetime.now(UTC)
    statements.clear()
    filters = query.SearchFilters(topics=("grief",))
    assert query.count(filters, viewer_department_id=home.id, now=now) == (4, 0)
    counts = [s for s in statements if "directory_entry" in s]
    assert len(counts) == 1 and counts[0].count("count(*)") == 2  # both groups, one trip
    assert query.count(filters, viewer_department_id=home.id, now=now, cap=2) == (3, 0)
    now_only = query.SearchFilters(topics=("grief",), available_now=True)
    assert query.count(now_only, viewer_department_id=home.id, now=now) == (0, 0)


def test_page_one_carries_the_same_capped_counts_in_its_own_statement(ctx, make, statements):
    home, other = make.department(), make.department(state="TX", county="Travis")
    ready = [make_supporter(other, first_name=f"Ready{n}", topics="grief") for n in range(3)]
    for n in range(5):
        make_supporter(other, first_name=f"Later{n}", topics="grief")
    make_supporter(other, first_name="Elsewhere", topics="stress")
    with tenant_context(other.id):
        for user in ready:
            services.set_availability(db.session.get(User, user.id), "now", hours=1)
    now = datetime.now(UTC)
    for filters, expected in (
        (query.SearchFilters(topics=("grief",)), (8, 3)),
        (query.SearchFilters(text="ready"), (3, 3)),
        (query.SearchFilters(text="later"), (5, 0)),
        (query.SearchFilters(), (9, 3)),
        (query.SearchFilters(state="AK"), (0, 0)),
    ):
        statements.clear()
        page = query.search(filters, viewer_department_id=home.id, now=now)
        assert len([s for s in statements if "directory_entry" in s]) == 1, filters
        assert (page.total, page.total_now) == expected, filters
        assert query.count(filters, viewer_department_id=home.id, now=now) == expected
    with patch.object(query, "COUNT_CAP", 4):
        # the cap is bound when the statement runs: the first page counts no further either
        capped = query.search(query.SearchFilters(), viewer_department_id=home.id, now=now)
    assert (capped.total, capped.total_now) == (5, 3)
    later = query.search(query.SearchFilters(page=2), viewer_department_id=home.id, now=now)
    assert later.total is None  # a later page leaves counting to the caller


def test_sqlite_plan_reads_the_fts_index_then_rows_by_key(ctx, engine_name, make):
    if engine_name != "sqlite":
        plan = db.session.execute(
            text(
                "EXPLAIN SELECT id FROM directory_entry e WHERE e.search @@ "
                "to_tsquery('simple', 'grief:*') ORDER BY e.id LIMIT 26"
            )
        ).all()
        assert plan  # the GIN index exists; the planner picks it at scale (see docs/bench)
        indexes = (
            db.session.execute(
                text("SELECT indexdef FROM pg_indexes WHERE tablename = 'directory_entry'")
            )
            .scalars()
            .all()
        )
        assert any("gin (search)" in i for i in indexes)
        return
    statement = query._statement("sqlite", matching=True, tier="rest", own=False)
    plan = " | ".join(
        row[-1]
        for row in db.session.execute(
            text("EXPLAIN QUERY PLAN " + statement),
            {"match": "tags : zall", "today": 1, "own": 1, "now": 1, "limit": 26, "offset": 0},
        )
    )
    assert "VIRTUAL TABLE INDEX" in plan and "INTEGER PRIMARY KEY" in plan
    assert "TEMP B-TREE" not in plan  # no sort: pages come off the index in order


def test_later_pages_read_each_group_from_its_offset(ctx, make):
    """Pages walk the available-now group, then the others, without gaps or repeats."""
    from wnwa.directory import services
    from wnwa.tenants.models import User
    from wnwa.tenants.scoping import tenant_context

    home, other = make.department(), make.department(state="OH", county="Franklin")
    ready = [
        make_supporter(other, display_name=f"Ready {n:02d}", topics="stress") for n in range(30)
    ]
    for n in range(30):
        make_supporter(other, display_name=f"Later {n:02d}", topics="stress")
    with tenant_context(other.id):
        for user in ready:
            services.set_availability(db.session.get(User, user.id), "now", hours=1)
    now = datetime.now(UTC)

    def walk(**options) -> list[str]:
        names, page = [], 1
        while True:
            filters = query.SearchFilters(topics=("stress",), page=page, **options)
            result = query.search(filters, viewer_department_id=home.id, now=now)
            names += [item.display_name for item in result.listings]
            if not result.has_next:
                return names
            page += 1

    everyone = walk()
    assert len(everyone) == len(set(everyone)) == 60
    assert all(name.startswith("Ready") for name in everyone[:30])
    assert all(name.startswith("Later") for name in everyone[30:])
    assert walk(available_now=True) == everyone[:30]
