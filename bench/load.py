# ruff: noqa: S603, S607 - a local load test starting its own tools on loopback
"""`make load`: mixed traffic against gunicorn on the US-scale dataset, locust headless.

    .venv/bin/python bench/load.py                      # SQLite, then PostgreSQL
    .venv/bin/python bench/load.py --engine sqlite --seconds 60 --users 16

For each engine: the US-scale network of bench/bench_directory.py (the SQLite file cached
under instance/bench/ and copied, so the run does not change it; PostgreSQL on a throwaway
cluster from scripts/with_postgres.sh), gunicorn with gunicorn.conf.py (2 sync workers per
core, as docs/DEPLOY.md advises: while one waits on the database another computes; a
RAM-only Redis) on 127.0.0.1, and bench/locustfile.py for a bounded time: 14 officers
searching the directory and the mental-health professionals (15,000 listed, seeded as
`demo seed --scale us` does), opening profiles and the crisis-lines page, one chief importing
13,000 officers (preview, then confirm) a few seconds in, one finance user opening the invoice
list. Writes req/s, p50/p95/p99, errors, officer p95 during the import and each worker's
resident memory after the run to docs/bench/load.md (assembled into docs/BENCHMARKS.md).
Loopback only; bounded in users and time.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_directory as base  # noqa: E402
import bench_professionals  # noqa: E402
import engines  # noqa: E402

REPORT = ROOT / "docs" / "bench" / "load.md"
ROWS = 13_000
WORKERS = 2 * (os.cpu_count() or 1)
TOTP = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
TARGETS = {
    "sqlite": {"rps": 450, "p99": 100, "import_p95": 150, "rss_mb": 100},
    "postgresql": {"rps": 400, "p99": 100, "import_p95": 150, "rss_mb": 100},
}


def add_staff_accounts(url: str, officer_email: str) -> dict:
    """A chief (in another department) and a department finance user, with known credentials."""
    from sqlalchemy import select, update

    from wnwa.auth.passwords import hash_password
    from wnwa.extensions import db
    from wnwa.tenants.credentials import Secrets, seal
    from wnwa.tenants.models import User
    from wnwa.tenants.scoping import tenant_context

    app = base.make_app(url)
    found = {}
    with app.app_context():
        officer_dept = db.session.scalar(
            select(User.department_id)
            .where(User.email == officer_email)
            .execution_options(unscoped=True)
        )
        for role, flag, offset in (("chief", "is_chief", 1), ("finance", "is_finance", 2)):
            dept_id = officer_dept + offset
            with tenant_context(dept_id):
                email = db.session.scalar(
                    select(User.email).where(User.active.is_(True)).order_by(User.id).limit(1)
                )
                db.session.execute(
                    update(User)
                    .where(User.email == email)
                    .values(
                        password_hash=hash_password(base.PASSWORD),
                        secrets=seal(Secrets(totp=TOTP)),
                        **{flag: True},
                    )
                )
                db.session.commit()
            found[role] = email
    return found


def roster_file(path: Path) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        ["Employee number", "First name", "Last name", "Work email", "Rank", "Sworn or civilian"]
    )
    for n in range(1, ROWS + 1):
        writer.writerow(
            [f"L{n:06d}", f"Load{n}", f"Person{n}", f"load{n}@import.example", "Officer", "Sworn"]
        )
    path.write_text(buffer.getvalue())


def _csrf(body: bytes) -> str:
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        rb'name="csrf_token" value="([^"]+)"', body
    )
    return match.group(1).decode()


def sign_in_with_code(port: int, email: str) -> str:
    import pyotp

    status, headers, body = base.request(port, "/login")
    cookie = base.cookie_from(headers)
    form = urlencode({"csrf_token": _csrf(body), "email": email, "password": base.PASSWORD})
    status, headers, _ = base.request(
        port,
        "/login",
        method="POST",
        body=form,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    cookie = base.cookie_from(headers) or cookie
    status, headers, body = base.request(port, "/login/code", headers={"Cookie": cookie})
    cookie = base.cookie_from(headers) or cookie
    form = urlencode({"csrf_token": _csrf(body), "code": pyotp.TOTP(TOTP).now()})
    status, headers, _ = base.request(
        port,
        "/login/code",
        method="POST",
        body=form,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 303:
        raise RuntimeError(f"two-step sign-in failed with {status}")
    return base.cookie_from(headers) or cookie


def worker_pids(master: int) -> set[int]:
    return {pid for pid, parent, _, _ in base.processes() if parent == master}


def retired_workers_cpu(master: int) -> float:
    """CPU seconds of the master's workers that have exited (a worker retires after an import
    that left it above WORKER_RETIRE_ABOVE_MB): the kernel adds them to the master's
    cutime/cstime once it has reaped them."""
    fields = Path(f"/proc/{master}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def worker_rss_mb(master: int) -> list[float]:
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != master:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        rss = re.search(r"VmRSS:\s+(\d+) kB", status)
        if rss:
            sizes.append(int(rss.group(1)) / 1024)
    return sorted(sizes)


def cpu_used(master: int, redis: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the app's workers, Redis, PostgreSQL's
    processes and this script's finished children (the load generator, once it has exited)."""
    used = {"app workers": 0.0, "Redis": 0.0, "PostgreSQL": 0.0}
    for pid, parent, name, seconds in base.processes():
        if parent == master:
            used["app workers"] += seconds
        elif pid == redis:
            used["Redis"] += seconds
        elif name == "postgres":
            used["PostgreSQL"] += seconds
    used["app workers"] += retired_workers_cpu(master)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["load generator"] = children.ru_utime + children.ru_stime
    return used


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def run_engine(engine: str, app_url: str, owner_url: str, args) -> dict:
    facts = base.prepare(engine, app_url, owner_url)
    bench_professionals.prepare(engine, app_url, owner_url)  # 15,000 listed professionals
    accounts = add_staff_accounts(app_url, facts["email"])
    work = Path(tempfile.mkdtemp(prefix="wnwa-load-"))
    roster = work / "roster.csv"
    roster_file(roster)
    record = work / "record.json"
    port = base.free_port()
    redis, redis_url = base.start_redis()
    server = base.start_gunicorn(app_url, port, redis_url)
    try:
        officer = base.sign_in(port, facts["email"])
        chief = sign_in_with_code(port, accounts["chief"])
        finance = sign_in_with_code(port, accounts["finance"])
        _, headers, page = base.request(
            port, "/department/roster/import", headers={"Cookie": chief}
        )
        chief = base.cookie_from(headers) or chief  # the form's token lives in the session
        chief_csrf = _csrf(page)
        profiles = set()
        for query in base.QUERIES:
            _, _, body = base.request(
                port,
                "/directory/?" + urlencode(query),
                headers={"Cookie": officer, "HX-Request": "true"},
            )
            profiles.update(int(m) for m in re.findall(rb'href="/directory/(\d+)"', body))
        if not profiles:
            raise RuntimeError("no profiles found in the search results")
        env = {
            **os.environ,
            "LOAD_OFFICER_COOKIE": officer,
            "LOAD_CHIEF_COOKIE": chief,
            "LOAD_FINANCE_COOKIE": finance,
            "LOAD_CHIEF_CSRF": chief_csrf,
            "LOAD_ROSTER_FILE": str(roster),
            "LOAD_RECORD_FILE": str(record),
            "LOAD_QUERIES": json.dumps(base.QUERIES),
            "LOAD_PROFESSIONAL_PATHS": json.dumps(bench_professionals.paths()),
            "LOAD_PROFILES": json.dumps(sorted(profiles)[:200]),
        }
        cpu_before = cpu_used(server.pid, redis.pid)
        first_workers = worker_pids(server.pid)
        started = time.monotonic()
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.users),
                "--run-time",
                f"{args.seconds}s",
                "--stop-timeout",
                "120",
                "--host",
                f"http://127.0.0.1:{port}",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env=env,
            cwd=ROOT,
            check=False,
            timeout=args.seconds + 600,
            stdout=subprocess.DEVNULL,
        )
        wall = time.monotonic() - started
        cpu_after = cpu_used(server.pid, redis.pid)
        rss = worker_rss_mb(server.pid)
        replaced = len(first_workers - worker_pids(server.pid))
    finally:
        server.terminate()
        server.wait(60)
        redis.terminate()
        redis.wait(30)
    data = json.loads(record.read_text())
    shutil.rmtree(work, ignore_errors=True)
    records = data["records"]
    officers = [r for r in records if r[0].startswith("officer")]
    times = [r[2] for r in officers]
    span = max(r[1] for r in officers) - min(r[1] for r in officers)
    window = data["import"]
    during = [r[2] for r in officers if window and window[0] <= r[1] <= window[1]]
    others = {r[0]: r[3] for r in records if not r[0].startswith("officer")}
    result = {
        "engine": engine,
        "facts": facts,
        "requests": len(officers),
        "rps": len(officers) / span if span else 0.0,
        "p50": pct(times, 50),
        "p95": pct(times, 95),
        "p99": pct(times, 99),
        "errors": sum(1 for r in records if r[3] not in (200, 303)),
        "import_seconds": (window[1] - window[0]) if window else None,
        "import_p95": pct(during, 95),
        "import_requests": len(during),
        "statuses": others,
        "rss": rss,
        "replaced": replaced,
        "cpu": {name: cpu_after[name] - cpu_before[name] for name in cpu_after},
        "wall": wall,
        "users": args.users,
        "seconds": args.seconds,
    }
    target = TARGETS[engine]
    result["ok"] = (
        result["errors"] == 0
        and result["rps"] >= target["rps"]
        and result["p99"] <= target["p99"]
        and bool(window)
        and result["import_p95"] <= target["import_p95"]
        and bool(rss)
        and max(rss) < target["rss_mb"]
    )
    return result


def report(results: list[dict], command: str, load_before: float) -> str:
    lines = [
        "# Mixed load: officers, a 13,000-row import, finance (locust)",
        "",
        f"Command: `{command}` (what `make load` runs; not part of `make bench` or `make test`).",
        f"Machine: {base.machine()}; 1-minute load average when the command started: "
        f"{load_before:.1f} (other work on the machine slows every figure).",
        f"Server: gunicorn, {WORKERS} sync workers (2 per core, gunicorn.conf.py), production "
        "config, a RAM-only "
        "Redis, 127.0.0.1. Load: locust headless, no wait between an officer's requests: "
        "directory search (htmx partial) 50%, professionals near a ZIP code (htmx partial) 20%, "
        "a supporter's profile 20%, crisis lines 10% (locust FastHttpUser); "
        "one chief imports 13,000 new officers (preview, then confirm) from the 5th second; "
        "one finance user opens the billing overview every 2-4 s.",
        "",
        "| engine | users, time | officer req/s | p50 / p95 / p99 | errors | import "
        "(preview + confirm) | officer p95 during import | worker RSS after | targets |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        t = TARGETS[r["engine"]]
        imp = f"{r['import_seconds']:.1f} s" if r["import_seconds"] else "did not finish"
        lines.append(
            f"| {r['facts']['server']} | {r['users']}, {r['seconds']} s | {r['rps']:,.0f} | "
            f"{r['p50']:.0f} / {r['p95']:.0f} / {r['p99']:.0f} ms | {r['errors']} | {imp} | "
            f"{r['import_p95']:.0f} ms ({r['import_requests']} requests) | "
            f"{', '.join(f'{m:.0f}' for m in r['rss'])} MB | "
            f">= {t['rps']} req/s, p99 <= {t['p99']} ms, import p95 <= {t['import_p95']} ms, "
            f"RSS < {t['rss_mb']} MB, 0 errors: {'met' if r['ok'] else 'NOT met'} |"
        )
    lines.append("")
    for r in results:
        f = r["facts"]
        lines.append(
            f"- {r['engine']}: {f['department']:,} departments, {f['user_account']:,} accounts, "
            f"{f['directory_entry']:,} listings; {r['requests']:,} officer requests; last "
            f"status of the other users: {r['statuses']}; workers retired after the import and "
            f"replaced by fresh ones (above WORKER_RETIRE_ABOVE_MB, gunicorn.conf.py): "
            f"{r['replaced']} (their CPU time is counted below)."
        )
    lines += [
        "",
        f"Where the machine's {os.cpu_count()} cores went during the run (CPU time over "
        "wall time; the load generator runs on the same cores as the server):",
        "",
    ]
    for r in results:
        capacity = (os.cpu_count() or 1) * r["wall"]
        shares = ", ".join(
            f"{name} {100 * seconds / capacity:.0f}%"
            for name, seconds in r["cpu"].items()
            if seconds > 0.05  # no PostgreSQL on SQLite
        )
        lines.append(f"- {r['engine']}: {shares} (of {capacity:.0f} CPU seconds).")
    return "\n".join(lines) + "\n"


def main() -> int:
    os.environ["WEB_CONCURRENCY"] = str(WORKERS)
    parser = argparse.ArgumentParser()
    engines.engine_arguments(parser)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=16)
    args = parser.parse_args()
    if not 1 <= args.users <= 64 or not 5 <= args.seconds <= 600:
        parser.error("users 1-64, seconds 5-600")
    load_before = os.getloadavg()[0]
    results = engines.run(
        args,
        script=__file__,
        forward=["--seconds", str(args.seconds), "--users", str(args.users)],
        sqlite=lambda: _sqlite(args),
        postgresql=lambda app_url, owner_url: run_engine("postgresql", app_url, owner_url, args),
        required=False,
        timeout=7200,
    )
    command = (
        f".venv/bin/python bench/load.py --engine {args.engine} --seconds {args.seconds} "
        f"--users {args.users}"
    )
    engines.publish(args, report(results, command, load_before), REPORT)
    return 0 if results and all(r["ok"] for r in results) else 1


def _sqlite(args) -> dict:
    """On a copy of the cached US-scale file: the chief's import adds 13,000 people."""
    base.CACHE.parent.mkdir(parents=True, exist_ok=True)
    cache = f"sqlite:///{base.CACHE}"
    base.prepare("sqlite", cache, cache)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "load.sqlite3"
        shutil.copy(base.CACHE, copy)
        return run_engine("sqlite", f"sqlite:///{copy}", f"sqlite:///{copy}", args)


if __name__ == "__main__":
    sys.exit(main())
