# ruff: noqa: S603 - a local benchmark starting its own tools on loopback
"""The peer-supporter quota at US scale: 18,000 departments, 800,000 officers, 40,000
supporters (wnwa.directory.us_scale).

    .venv/bin/python bench/bench_quota.py                 # SQLite, then PostgreSQL
    .venv/bin/python bench/bench_quota.py --engine sqlite

For each engine (SQLite: a copy of the directory benchmark's cached US-scale file when it
exists, else a fresh seed in a temporary folder; PostgreSQL: a throwaway cluster started by
scripts/with_postgres.sh, the app role under row-level security):
  1. the network report (`network_quota`: every department's status; the admin's quota page
     and `flask quota report`), cold and warm;
  2. one department's status (`department_quota`, the chief's card), p50/p95 over 200;
  3. the daily reminder run (`send_reminders`): first run (sends) and second run (idempotent).
Targets: the report under 5 s, a department's status p95 under 25 ms.
Writes the figures to stdout and to docs/bench/training.md; exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_directory  # noqa: E402 - after the path set-up above
import engines  # noqa: E402

CACHE = bench_directory.CACHE  # the US-scale network, seeded once for every benchmark
REPORT = ROOT / "docs" / "bench" / "training.md"
SECRET = bench_directory.SECRET
TARGET_REPORT_S = 5.0
TARGET_CARD_P95_MS = 25.0


def make_app(url: str):
    from config import DevelopmentConfig
    from wnwa import create_app

    return create_app(
        DevelopmentConfig,
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "MAIL_TRANSPORT": "outbox"},
    )


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def run_engine(engine: str, app_url: str, owner_url: str) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import delete, func, select

    from wnwa.directory.us_scale import seed_us_scale
    from wnwa.extensions import db
    from wnwa.mail import MailJob
    from wnwa.tenants.models import Department
    from wnwa.tenants.scoping import bind_tenant
    from wnwa.training.models import QuotaReminder
    from wnwa.training.quota_service import department_quota, network_quota, send_reminders

    os.environ["MIGRATION_DATABASE_URL"] = owner_url
    with make_app(owner_url).app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    app = make_app(app_url)
    today = date.today()
    seeded = None
    with app.app_context():
        if db.session.scalar(select(Department.id).limit(1)) is None:
            _, seeded = _timed(seed_us_scale)
        departments = db.session.scalar(select(func.count(Department.id)))
        db.session.execute(delete(QuotaReminder))
        db.session.execute(delete(MailJob))
        db.session.commit()

        rows, cold = _timed(lambda: network_quota(today))
        db.session.remove()
        _, warm = _timed(lambda: network_quota(today))
        states: dict[str, int] = {}
        for row in rows:
            states[row.status.state.value] = states.get(row.status.state.value, 0) + 1

        ids = [r.department_id for r in rows]
        sample = random.Random(7).sample(ids, min(200, len(ids)))  # noqa: S311 - sampling only
        card_ms = []
        for dept_id in sample:
            department = db.session.scalars(
                select(Department).where(Department.id == dept_id)
            ).one()
            bind_tenant(dept_id)
            _, seconds = _timed(lambda d=department: department_quota(d, today))
            bind_tenant(None)
            card_ms.append(seconds * 1000)
        db.session.remove()

        first, first_s = _timed(lambda: send_reminders(today))
        db.session.remove()
        second, second_s = _timed(lambda: send_reminders(today))
        mails = db.session.scalar(select(func.count(MailJob.id)))
        db.session.execute(delete(QuotaReminder))
        db.session.execute(delete(MailJob))
        db.session.commit()
    card_ms.sort()
    p95 = card_ms[int(len(card_ms) * 0.95) - 1]
    return {
        "engine": engine,
        "departments": departments,
        "states": states,
        "report_cold_s": cold,
        "report_warm_s": warm,
        "card_p50_ms": statistics.median(card_ms),
        "card_p95_ms": p95,
        "remind_first_s": first_s,
        "remind_first_sent": first.total,
        "remind_second_s": second_s,
        "remind_second_sent": second.total,
        "mails": mails,
        "seeded_s": seeded,
        "ok": max(cold, warm) <= TARGET_REPORT_S and p95 <= TARGET_CARD_P95_MS,
    }


def report(results: list[dict]) -> str:
    lines = [
        "# Peer-supporter quota at US scale",
        "",
        "`python bench/bench_quota.py` (wnwa.directory.us_scale: 18,000 departments, 800,000 "
        "officers, 40,000 supporters). Targets: network report <= "
        f"{TARGET_REPORT_S:.0f} s; one department's status p95 <= {TARGET_CARD_P95_MS:.0f} ms.",
        "",
        "| engine | departments | report cold / warm | department status p50 / p95 "
        "| reminders: 1st run (sent) / 2nd run (sent) | target |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['engine']} | {r['departments']:,} | {r['report_cold_s']:.2f} s / "
            f"{r['report_warm_s']:.2f} s | {r['card_p50_ms']:.1f} ms / {r['card_p95_ms']:.1f} ms "
            f"| {r['remind_first_s']:.1f} s ({r['remind_first_sent']:,} departments, "
            f"{r['mails']:,} emails) / {r['remind_second_s']:.1f} s "
            f"({r['remind_second_sent']}) | {'met' if r['ok'] else 'MISSED'} |"
        )
    lines.append("")
    for r in results:
        states = ", ".join(f"{k} {v:,}" for k, v in sorted(r["states"].items()))
        seeded = f"seeded in {r['seeded_s']:.0f} s" if r["seeded_s"] else "seed reused"
        lines.append(f"- {r['engine']}: {states}; {seeded}.")
    return "\n".join(lines) + "\n"


def _sqlite() -> dict:
    """On a copy of the cached file: the run adds departments."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "quota-us.sqlite3"
        if CACHE.exists():
            shutil.copyfile(CACHE, copy)
        return run_engine("sqlite", f"sqlite:///{copy}", f"sqlite:///{copy}")


def main() -> int:
    parser = argparse.ArgumentParser()
    engines.engine_arguments(parser)
    args = parser.parse_args()
    results = engines.run(
        args,
        script=__file__,
        forward=[],
        sqlite=_sqlite,
        postgresql=lambda app_url, owner_url: run_engine("postgresql", app_url, owner_url),
    )
    engines.publish(args, report(results), REPORT)
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
