"""A bare Flask baseline for the directory benchmark: the same search SQL and the same 25-row
template as the portal, without its middleware (no session, no sign-in, no tenant binding,
no guards, no limiter, no security headers, no ORM session). One connection per request in
autocommit, as a small prototype would have it.

    DATABASE_URL=... gunicorn -w 2 -k sync --chdir bench baseline_app:app

`/ping` is the bare route beside the portal's `/healthz`; `/directory/` answers the search
with the `_results.html` partial the portal renders for htmx: the same statement as the
portal's page one (the page, carrying the capped counts of matches shown above it).
Benchmark use only.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wnwa.directory import query  # noqa: E402 - the portal's SQL text and row shaping
from wnwa.us_states import network_day  # noqa: E402

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"], isolation_level="AUTOCOMMIT")
templates = Environment(
    loader=FileSystemLoader(str(ROOT / "templates")), autoescape=select_autoescape()
)
results = templates.get_template("directory/_results.html")
VIEWER = int(os.environ.get("BASELINE_VIEWER_DEPARTMENT", "1"))


@app.get("/ping")
def ping():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.get("/directory/")
def search():
    args = request.args
    filters = query.SearchFilters(
        text=args.get("q", ""),
        state=args.get("state", ""),
        topics=tuple(args.getlist("topic")),
        assignments=tuple(args.getlist("assignment")),
        languages=tuple(args.getlist("language")),
        gender=args.get("gender", ""),
        career=args.get("career", ""),
    )
    now = datetime.now(UTC)
    terms, groups = query.words(filters.text), query._tag_groups(filters)
    dialect = engine.dialect.name
    match = (
        query.fts5_match(terms, groups) if dialect == "sqlite" else query.pg_tsquery(terms, groups)
    )
    params = {
        "today": network_day(now).toordinal(),
        "now": int(now.timestamp()),
        "own": VIEWER,
        "match": match,
        "limit": query.PAGE_SIZE + 1,
        "cap": query.COUNT_CAP + 1,
    }
    with engine.connect() as connection:
        rows = connection.execute(query._PAGES[(dialect, bool(match), False, False)], params).all()
    counts = (rows[0].count_now, rows[0].count_rest) if rows else (0, 0)
    listings = [query.to_listing(r, VIEWER, now, full=False) for r in rows[: query.PAGE_SIZE]]
    page = query.SearchPage(listings, 1, has_next=len(rows) > query.PAGE_SIZE)
    total, now_count = counts[0] + counts[1], counts[0]
    next_url = "/directory/?page=2" if page.has_next else ""
    return results.render(
        result=page,
        filters=filters,
        profile_base="/directory/",
        prev_url="",
        next_url=next_url,
        more_url=next_url + "&rows=1" if next_url else "",
        more_count=query.PAGE_SIZE,
        total_label=f"{total:,} peer supporters",
        now_label=f"{now_count:,} available now, listed first" if now_count else "",
    )
