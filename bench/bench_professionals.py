# ruff: noqa: S603, S607 - a local benchmark starting its own tools on loopback
"""Professional search at US scale, against gunicorn (2 sync workers) on 127.0.0.1.

    .venv/bin/python bench/bench_professionals.py            # SQLite, then PostgreSQL
    .venv/bin/python bench/bench_professionals.py --engine sqlite

Measured as bench_directory.py measures the peer search (its HTTP, Redis and gunicorn helpers
are reused): 15,000 listed professionals nationwide (`demo seed --scale us` adds the same set;
the SQLite file is cached under instance/bench/), one signed-in officer with a real session
cookie, then
  1. latency with one client: full page and htmx partial, ZIP radius + insurance + specialty
     filters (p50/p95);
  2. throughput under load: the search partial vs the app's trivial /healthz, same run.
Writes docs/bench/professionals.md. Targets: p95 <= 25 ms; partial req/s >= 15% (SQLite) /
10% (PostgreSQL) of /healthz.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_directory as common  # noqa: E402 - after the path set-up above
import engines  # noqa: E402

CACHE = ROOT / "instance" / "bench" / "professionals-us.sqlite3"
REPORT = ROOT / "docs" / "bench" / "professionals.md"
COUNT = 15000
TARGET_P95_MS = 25.0
TARGET_RATIO = {"sqlite": 15.0, "postgresql": 10.0}
QUERIES = [
    {"zip": "60601", "radius": "100", "carrier": "bcbs", "specialty": "ptsd"},
    {"zip": "10001", "radius": "50", "carrier": "aetna", "specialty": "anxiety"},
    {"zip": "90012", "radius": "100", "plan": "ppo", "specialty": "critical"},
    {"zip": "77002", "radius": "50", "carrier": "uhc", "specialty": "grief"},
    {"zip": "80202", "radius": "100", "specialty": "substance", "answers_24_7": "1"},
    {"licensed_in": "TX", "carrier": "cigna", "specialty": "grief"},
]


def paths() -> list[str]:
    return ["/professionals/?" + urlencode(q) for q in QUERIES]


def prepare(engine: str, app_url: str, owner_url: str) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from wnwa.auth.passwords import hash_password
    from wnwa.extensions import db
    from wnwa.professionals.demo import seed_us_professionals
    from wnwa.professionals.models import Professional
    from wnwa.tenants.credentials import Secrets, seal
    from wnwa.tenants.models import Department, User
    from wnwa.tenants.scoping import tenant_context

    os.environ["MIGRATION_DATABASE_URL"] = owner_url
    seconds = None
    email = "bench.officer@bench-pd.example"
    with common.make_app(owner_url).app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    with common.make_app(app_url).app_context():
        if not db.session.scalar(select(func.count()).select_from(Professional)):
            started = time.perf_counter()
            seed_us_professionals(COUNT)
            seconds = time.perf_counter() - started
        dept = db.session.scalar(select(Department).where(Department.slug == "bench-pd"))
        if dept is None:
            from datetime import date

            dept = Department(
                name="Bench PD",
                slug="bench-pd",
                county="Cook",
                state="IL",
                sworn_declared=10,
                joined_on=date(2024, 1, 1),
            )
            db.session.add(dept)
            db.session.commit()
            with tenant_context(dept.id):
                db.session.add(
                    User(
                        email=email,
                        employee_number="B1",
                        first_name="Bench",
                        last_name="Officer",
                        password_hash=hash_password(common.PASSWORD),
                        secrets=seal(Secrets()),
                    )
                )
                db.session.commit()
        listed = db.session.scalar(
            select(func.count()).select_from(Professional).where(Professional.status == "listed")
        )
    with common.make_app(owner_url).app_context():
        options = {"isolation_level": "AUTOCOMMIT"} if engine == "postgresql" else {}
        with db.engine.connect().execution_options(**options) as connection:
            if engine == "postgresql":
                common.settle_postgres(connection)
                version = connection.execute(text("SHOW server_version")).scalar()
                server = "PostgreSQL " + version.split()[0]
            else:
                connection.execute(text("PRAGMA optimize"))
                server = "SQLite " + sqlite3.sqlite_version
    return {"email": email, "seed_seconds": seconds, "listed": listed, "server": server}


def _found(path: str, body: bytes) -> int:
    found = body.count(b'<li class="supporter professional')
    if found == 0:
        raise RuntimeError(f"{path} found nobody")
    return found


def latency(port: int, cookie: str, *, partial: bool, count: int) -> dict:
    return common.series(port, cookie, paths(), count=count, htmx=partial, check=_found)


def run_engine(engine: str, app_url: str, owner_url: str, args) -> dict:
    facts = prepare(engine, app_url, owner_url)
    port = common.free_port()
    redis, redis_url = common.start_redis()
    try:
        server = common.start_gunicorn(app_url, port, redis_url)
    except BaseException:
        redis.terminate()
        raise
    try:
        cookie = common.sign_in(port, facts["email"])
        full = latency(port, cookie, partial=False, count=args.requests)
        partial = latency(port, cookie, partial=True, count=args.requests)
        rates, tool = common.throughput(port, common.search_runs(cookie, paths()), args.seconds)
    finally:
        server.terminate()
        server.wait(30)
        redis.terminate()
        redis.wait(30)
    healthz = (rates["healthz"] + rates["healthz_again"]) / 2
    ratio = 100 * rates["search"] / healthz
    return {
        "engine": engine,
        "facts": facts,
        "full": full,
        "partial": partial,
        "load": rates,
        "load_tool": tool,
        "ratio": ratio,
        "ok": max(full["p95"], partial["p95"]) <= TARGET_P95_MS and ratio >= TARGET_RATIO[engine],
    }


def report(results: list[dict]) -> str:
    lines = [
        "# Professional search at US scale",
        "",
        "Command: `python bench/bench_professionals.py` (part of `make bench`).",
        f"Machine: {common.machine()}.",
        "Server: gunicorn, 2 sync workers (gunicorn.conf.py), production config, 127.0.0.1; "
        "a real signed-in officer session. Latency is measured by the client on loopback, so "
        "it includes the server's whole time for the request.",
        "Queries (rotating; ZIP radius, insurance and specialty filters): "
        + "; ".join("`" + urlencode(q) + "`" for q in QUERIES)
        + ".",
        "",
        "| engine | listings | full page p50 / p95 | htmx partial p50 / p95 | results per page "
        "(mean) | search partial req/s | /healthz req/s | ratio | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        healthz = (r["load"]["healthz"] + r["load"]["healthz_again"]) / 2
        lines.append(
            f"| {r['facts']['server']} | {r['facts']['listed']:,} | "
            f"{r['full']['p50']:.1f} / {r['full']['p95']:.1f} ms | "
            f"{r['partial']['p50']:.1f} / {r['partial']['p95']:.1f} ms | "
            f"{r['partial']['results']:.0f} | {r['load']['search']:,.0f} | {healthz:,.0f} | "
            f"{r['ratio']:.1f}% | p95 <= {TARGET_P95_MS:.0f} ms, >= "
            f"{TARGET_RATIO[r['engine']]:.0f}%: {'met' if r['ok'] else 'NOT met'} |"
        )
    lines += [
        "",
        "Each request: the ZIP code's centroid from the mapped table, one bounding-box query "
        "read off the (status, lon_band, lat, lon, confirmed_at, id) index band by band, with "
        "EXISTS lookups "
        "on the tag key for the listings in the box, haversine in Python for the candidates, "
        "then one query for the page's 25 rows (a licence-state search: that state's tag "
        "entries checked against the other tags on the tag index, then one page in name order). "
        "Each statement is built once per process.",
        "",
    ]
    for r in results:
        seeded = r["facts"]["seed_seconds"]
        lines.append(
            f"- {r['engine']}: {r['full']['requests']} requests per latency series, pages of "
            f"{r['full']['kib']:.0f} KiB (full) / {r['partial']['kib']:.0f} KiB (partial); load by "
            f"{r['load_tool']} ({ {k: round(v) for k, v in r['load'].items()} }); "
            + (f"seeded in {seeded:.0f} s." if seeded else "seed cached from an earlier run.")
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    engines.engine_arguments(parser)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    results = engines.run(
        args,
        script=__file__,
        forward=["--requests", str(args.requests), "--seconds", str(args.seconds)],
        sqlite=lambda: run_engine("sqlite", f"sqlite:///{CACHE}", f"sqlite:///{CACHE}", args),
        postgresql=lambda app_url, owner_url: run_engine("postgresql", app_url, owner_url, args),
    )
    engines.publish(args, report(results), REPORT)
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
