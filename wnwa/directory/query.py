"""The one directory query module: search and read the cross-department read model.

Reads only `directory_entry` (directory-safe columns) and its full-text index: SQLite FTS5
(`directory_fts`, `directory_now_fts`) or PostgreSQL tsvector with GIN; close spellings of names
through the name trigrams (`directory_name_gram`), the same table and SQL on both engines.
It writes nothing. Search terms travel only as bound parameters, never in SQL text, and are
cut down to letters and digits before they reach either engine's query syntax.

Order: supporters available now first, then everyone else; inside each group the fixed
shuffle of the random entry ids. Both groups are read straight off the index in id order, so
a page costs about 26 rows whatever the number of matches; no count, no sort of all matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import bindparam, text

from wnwa import phones
from wnwa.directory import vocab
from wnwa.directory.readmodel import (
    PG_PREFIX_MARK,
    PG_TAG_MARK,
    PREFIX,
    fold,
    name_grams,
    tag_word,
)
from wnwa.extensions import db
from wnwa.us_states import county_label, county_name, local_zone, network_day

PAGE_SIZE = 25
MAX_WORDS = 8
MAX_WORD_LENGTH = 40
SIMILAR_NAMES = 10
TEXT_COLUMNS = "{name department place bio topics}"

# A result row needs these; a profile page needs the rest too.
LIST_COLUMNS = (
    "e.id, e.department_id, e.display_name, e.department_name, e.county, e.state, e.phone, "
    "e.accepts_texts, e.contact_email, e.topics, e.languages, e.status, e.status_until"
)
COLUMNS = LIST_COLUMNS + ", e.years_of_service, e.assignments, e.gender, e.career, e.bio"
COUNT_CAP = 100  # a count stops here: "more than 100" says enough; each row past it costs
VALID = "e.cert_from <= :today AND e.cert_until > :today"
OTHER_DEPARTMENTS = " AND e.department_id <> :own"
NOW = "e.status = 'now' AND e.status_until > :now"
TIER = {"now": f" AND {NOW}", "rest": f" AND NOT ({NOW})"}


@dataclass(frozen=True)
class SearchFilters:
    text: str = ""
    state: str = ""
    county: str = ""
    topics: tuple[str, ...] = ()
    assignments: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    gender: str = ""
    career: str = ""
    available_now: bool = False
    include_own: bool = False
    page: int = 1


@dataclass(frozen=True)
class Listing:
    """One supporter as the directory shows them: ready-made values, nothing to compute."""

    id: int
    own_department: bool
    display_name: str
    department_name: str
    place: str
    phone_display: str
    tel: str
    sms: str
    mailto: str
    contact_email: str
    years_of_service: int
    assignments: list[str]
    topics: list[str]
    languages: list[str]
    gender: str
    career: str
    bio: str
    availability: str
    available_now: bool


@dataclass
class SearchPage:
    listings: list[Listing] = field(default_factory=list)
    page: int = 1
    has_next: bool = False
    similar_names: bool = False
    total: int | None = None  # every match (capped at COUNT_CAP), when counted
    total_now: int | None = None  # of which available now


def words(value: str) -> list[str]:
    """Search words: letters and digits only, two characters or more, at most eight."""
    found = [w[:MAX_WORD_LENGTH] for w in re.findall(r"[^\W_]+", fold(value or "")) if len(w) > 1]
    return found[:MAX_WORDS]


def _tag_groups(filters: SearchFilters) -> list[list[str]]:
    """Filter tags: any tag of a group (OR), every group (AND)."""
    groups: list[list[str]] = []
    if filters.state:
        groups.append(["st" + tag_word(filters.state)])
    county = tag_word(county_name(filters.county))
    if county:
        groups.append(["cty" + county])
    for prefix, codes in (("tp", filters.topics), ("as", filters.assignments)):
        if codes:
            groups.append([prefix + tag_word(c) for c in codes])
    if filters.languages:
        groups.append(["lg" + tag_word(c) for c in filters.languages])
    if filters.gender:
        groups.append(["gn" + tag_word(filters.gender)])
    if filters.career:
        groups.append(["cr" + tag_word(filters.career)])
    return groups


# --- engine-specific match expressions ------------------------------------------------------


def fts5_match(terms: list[str], groups: list[list[str]]) -> str:
    parts = []
    if terms:
        prefixes = " AND ".join(f'"{t[:PREFIX]}"*' for t in terms)
        parts.append(f"{TEXT_COLUMNS} : ({prefixes})")
    parts += ["tags : (" + " OR ".join(group) + ")" for group in groups]
    return " AND ".join(parts)


def pg_tsquery(terms: list[str], groups: list[list[str]]) -> str:
    """Each word is the exact lexeme of its indexed prefix; each tag group an OR of tags."""
    parts = [f"'{PG_PREFIX_MARK}{t[:PREFIX]}'" for t in terms]
    parts += ["(" + " | ".join(f"'{PG_TAG_MARK}{tag}'" for tag in group) + ")" for group in groups]
    return " & ".join(parts)


def _tier_sql(dialect: str, *, matching: bool, tier: str, own: bool, match: str) -> str:
    """One group's SELECT. The "now" group reads a small index of the listings marked available
    now: `directory_now_fts` on SQLite, the partial GIN index (status = 'now') on PostgreSQL."""
    where = VALID + ("" if own else OTHER_DEPARTMENTS) + TIER[tier]
    rank = 0 if tier == "now" else 1
    if dialect == "sqlite" and (matching or tier == "now"):
        index = "directory_now_fts" if tier == "now" else "directory_fts"
        source = f"{index} JOIN directory_entry e ON e.id = {index}.rowid"
        order = f"{index}.rowid"
        if matching:
            where = f"{index} MATCH :{match} AND {where}"
    elif matching:
        source, order = "directory_entry e", "e.id"
        where = f"e.search @@ to_tsquery('simple'::regconfig, CAST(:{match} AS text)) AND {where}"
    else:
        source, order = "directory_entry e", "e.id"
    return f"SELECT {rank} AS tier, {LIST_COLUMNS} FROM {source} WHERE {where} ORDER BY {order}"  # noqa: S608


def _statement(dialect: str, *, matching: bool, tier: str, own: bool) -> str:
    sql = _tier_sql(dialect, matching=matching, tier=tier, own=own, match="match")
    return f"{sql} LIMIT :limit OFFSET :offset"


def _capped_count(group_sql: str, alias: str) -> str:
    """A scalar subquery counting `group_sql`'s rows, no further than :cap."""
    return f"(SELECT count(*) FROM ({group_sql} LIMIT :cap) AS {alias})"  # noqa: S608


def _page(dialect: str, *, matching: bool, own: bool, later: bool) -> str:
    """A page in one statement: those available now, then the others, 26 rows at most. Each
    row also carries how many match in each group (`count_now`, `count_rest`, each counted no
    further than :cap): uncorrelated subqueries, run once, so the count is no extra round trip.
    A later page reads each group from its own offset, never the pages before it: those
    available now from :offset, the others from :offset less those available now (counted no
    further than :offset).
    """
    now = _tier_sql(dialect, matching=matching, tier="now", own=own, match="match")
    rest = _tier_sql(dialect, matching=matching, tier="rest", own=own, match="match")
    counts = (
        f"{_capped_count(now, 'c_now')} AS count_now, {_capped_count(rest, 'c_rest')} AS count_rest"
    )
    skip_now = skip_rest = ""
    if later:
        skip_now = " OFFSET :offset"
        before = f"(SELECT count(*) FROM ({now} LIMIT :offset) AS before_page)"  # noqa: S608
        skip_rest = f" OFFSET :offset - {before}"
    return (
        f"WITH available AS MATERIALIZED ({now} LIMIT :limit{skip_now}) "  # noqa: S608
        f"SELECT page.*, {counts} FROM (SELECT * FROM available UNION ALL "
        f"SELECT * FROM ({rest} LIMIT :limit{skip_rest}) AS others "
        "WHERE (SELECT count(*) FROM available) < :limit) AS page ORDER BY tier, id LIMIT :limit"
    )


# "Available now" ticked: that group alone, from the page's offset (counted separately).
_NOW_PAGES = {
    (dialect, matching, own): text(_statement(dialect, matching=matching, tier="now", own=own))
    for dialect in ("sqlite", "postgresql")
    for matching in (False, True)
    for own in (False, True)
}
_PAGES = {
    (dialect, matching, own, later): text(_page(dialect, matching=matching, own=own, later=later))
    for dialect in ("sqlite", "postgresql")
    for matching in (False, True)
    for own in (False, True)
    for later in (False, True)
}


# --- search ---------------------------------------------------------------------------------


def search(filters: SearchFilters, *, viewer_department_id: int, now: datetime) -> SearchPage:
    """One page of listings for an officer of `viewer_department_id` (writes nothing)."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    terms, groups = words(filters.text), _tag_groups(filters)
    page = max(1, filters.page)
    offset = (page - 1) * PAGE_SIZE
    params = {
        "today": network_day(now).toordinal(),
        "now": int(now.timestamp()),
        "own": viewer_department_id,
    }

    if dialect == "sqlite":
        match = fts5_match(terms, groups)
    else:
        match = pg_tsquery(terms, groups)
    params["match"] = match

    counted: tuple[int, int] | None = None
    if filters.available_now:  # one group: read from the page's offset, counted separately
        rows = connection.execute(
            _NOW_PAGES[(dialect, bool(match), filters.include_own)],
            {**params, "limit": PAGE_SIZE + 1, "offset": offset},
        ).all()
    else:
        later = {"offset": offset} if offset else {}
        rows = connection.execute(
            _PAGES[(dialect, bool(match), filters.include_own, bool(later))],
            {**params, **later, "limit": PAGE_SIZE + 1, "cap": COUNT_CAP + 1},
        ).all()
        if rows:
            counted = _capped(rows[0].count_now, rows[0].count_rest, COUNT_CAP)
        elif not offset:
            counted = (0, 0)
    listings = [to_listing(r, viewer_department_id, now, full=False) for r in rows[:PAGE_SIZE]]
    result = SearchPage(listings, page, has_next=len(rows) > PAGE_SIZE)
    if not result.listings and page == 1 and terms:
        result.listings = similar_names(terms, filters, viewer_department_id, now)
        result.similar_names = bool(result.listings)
    if counted is not None and not result.similar_names:
        result.total, result.total_now = counted
    return result


def _counts(dialect: str, *, matching: bool, own: bool, rest: bool) -> str:
    """Both groups counted in one statement (one round trip), each no further than :cap."""
    parts = [
        _tier_sql(dialect, matching=matching, tier=tier, own=own, match="match")
        for tier in (("now", "rest") if rest else ("now",))
    ]
    return "SELECT " + ", ".join(_capped_count(part, f"n{i}") for i, part in enumerate(parts))


_COUNTS = {
    (dialect, matching, own, rest): text(_counts(dialect, matching=matching, own=own, rest=rest))
    for dialect in ("sqlite", "postgresql")
    for matching in (False, True)
    for own in (False, True)
    for rest in (False, True)
}


def count(
    filters: SearchFilters, *, viewer_department_id: int, now: datetime, cap: int = COUNT_CAP
) -> tuple[int, int]:
    """(matches, of which available now) for a search, each counted up to `cap` + 1 rows so
    the count stays cheap however many match. Writes nothing."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    terms, groups = words(filters.text), _tag_groups(filters)
    match = fts5_match(terms, groups) if dialect == "sqlite" else pg_tsquery(terms, groups)
    params = {
        "today": network_day(now).toordinal(),
        "now": int(now.timestamp()),
        "own": viewer_department_id,
        "match": match,
        "cap": cap + 1,
    }
    key = (dialect, bool(match), filters.include_own, not filters.available_now)
    available, *rest = connection.execute(_COUNTS[key], params).one()
    return _capped(available, rest[0] if rest else 0, cap)


def _capped(available: int, others: int, cap: int) -> tuple[int, int]:
    """(matches, of which available now), neither past `cap` + 1 ("more than `cap`")."""
    return min(available + others, cap + 1), min(available, cap + 1)


def similar_names(
    terms: list[str], filters: SearchFilters, viewer_department_id: int, now: datetime
) -> list[Listing]:
    """Close spellings of a name, when the words themselves found nobody: the listings whose
    names share at least a third of the phrase's trigrams, most shared first, then the shorter
    name, then the shuffled order. One statement, the same on both engines (integers only), so
    both find the same people in the same order. The search's filters apply."""
    phrase = " ".join(terms)
    if len(phrase) < 3:
        return []
    grams = name_grams(phrase)
    connection = db.session.connection()
    dialect = connection.dialect.name
    groups = _tag_groups(filters)
    params = {
        "today": network_day(now).toordinal(),
        "now": int(now.timestamp()),
        "own": viewer_department_id,
        "grams": grams,
        "needed": len(grams),
        "limit": SIMILAR_NAMES,
    }
    if groups:
        params["match"] = fts5_match([], groups) if dialect == "sqlite" else pg_tsquery([], groups)
    key = (dialect, bool(groups), filters.include_own, filters.available_now)
    rows = connection.execute(_SIMILAR[key], params).all()
    return [to_listing(r, viewer_department_id, now, full=True) for r in rows]


def _similar_statement(dialect: str, tags: bool, own: bool, now_only: bool):
    where = VALID + ("" if own else OTHER_DEPARTMENTS) + (f" AND {NOW}" if now_only else "")
    if tags and dialect == "sqlite":
        where += " AND e.id IN (SELECT rowid FROM directory_fts WHERE directory_fts MATCH :match)"
    elif tags:
        where += " AND e.search @@ to_tsquery('simple'::regconfig, CAST(:match AS text))"
    sql = (
        f"SELECT {COLUMNS} FROM (SELECT g.entry_id, count(*) AS shared "  # noqa: S608  # nosec B608
        "FROM directory_name_gram g WHERE g.gram IN :grams GROUP BY g.entry_id "
        "HAVING 3 * count(*) >= :needed) m JOIN directory_entry e ON e.id = m.entry_id "
        f"WHERE {where} ORDER BY m.shared DESC, length(e.display_name), e.id LIMIT :limit"
    )
    return text(sql).bindparams(bindparam("grams", expanding=True))


_SIMILAR = {
    (dialect, tags, own, now_only): _similar_statement(dialect, tags, own, now_only)
    for dialect in ("sqlite", "postgresql")
    for tags in (False, True)
    for own in (False, True)
    for now_only in (False, True)
}


def get_listing(entry_id: int, *, viewer_department_id: int, now: datetime) -> Listing | None:
    """One visible listing by its id (any department), or None."""
    sql = f"SELECT {COLUMNS} FROM directory_entry e WHERE e.id = :id AND {VALID}"  # noqa: S608
    row = (
        db.session.connection()
        .execute(text(sql), {"id": entry_id, "today": network_day(now).toordinal()})
        .first()
    )
    return None if row is None else to_listing(row, viewer_department_id, now, full=True)


# --- presentation values --------------------------------------------------------------------


@dataclass(frozen=True)
class _NoDetail:
    """What a result row (LIST_COLUMNS) leaves out and only a profile page (COLUMNS) reads."""

    years_of_service: int = 0
    assignments: str = ""
    gender: str = ""
    career: str = ""
    bio: str = ""


_NO_DETAIL = _NoDetail()


def to_listing(row, viewer_department_id: int, now: datetime, *, full: bool) -> Listing:
    """A Listing from a row of COLUMNS (`full`) or of LIST_COLUMNS."""
    detail = row if full else _NO_DETAIL
    label, available = availability(row.status, row.status_until, row.state, now)
    phone = row.phone
    return Listing(
        id=row.id,
        own_department=row.department_id == viewer_department_id,
        display_name=row.display_name,
        department_name=row.department_name,
        place=county_label(row.county, row.state),
        phone_display=phones.display(phone),
        tel="tel:" + phone,
        sms="sms:" + phone if row.accepts_texts else "",
        mailto="mailto:" + row.contact_email if row.contact_email else "",
        contact_email=row.contact_email,
        years_of_service=detail.years_of_service,
        assignments=vocab.labels(vocab.ASSIGNMENTS, detail.assignments),
        topics=vocab.labels(vocab.TOPICS, row.topics),
        languages=vocab.labels(vocab.LANGUAGES, row.languages),
        gender=vocab.GENDERS.get(detail.gender, ""),
        career=vocab.CAREERS.get(detail.career, ""),
        bio=detail.bio,
        availability=label,
        available_now=available,
    )


def availability(status: str, until_ts: int, state: str, now: datetime) -> tuple[str, bool]:
    """(label, available now) for a status that has not yet expired; ("", False) otherwise."""
    if not status or until_ts <= now.timestamp():
        return "", False
    until = datetime.fromtimestamp(until_ts, UTC).astimezone(local_zone(state))
    if status == vocab.STATUS_NOW:
        return f"Available now, until {until:%-I:%M %p} {until.tzname()}", True
    if status == vocab.STATUS_LATER:
        return "Available later today", False
    label = vocab.STATUSES.get(status, "")
    return f"{label} until {until:%a %-d %b}", False
