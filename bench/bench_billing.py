"""Billing at US scale: network finance's screens and exports, webhooks, the renewal run.

    .venv/bin/python bench/bench_billing.py

On a fresh SQLite file (WAL, as in production on one node): 18,000 departments under
contract with their invoice history (about 45,000 invoices, a fifth of the latest ones open
and some overdue), then the timings (p50/p95 over repeated runs) of
  1. the network contract list (first page; overdue filter; renewal-within-90-days filter),
     receivables ageing and revenue by tier, and the two CSV exports;
  2. webhook handling through the real endpoint (verify, record, re-fetch, mirror) with the
     fake gateway, per event;
  3. the renewal run re-tiering 500 contracts (fake gateway).
Writes the figures to stdout and to docs/bench/billing.md. In-process, no network.
"""

from __future__ import annotations

import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPORT = ROOT / "docs" / "bench" / "billing.md"
DEPARTMENTS = 18_000
RENEWALS = 500
TODAY = date(2026, 11, 2)


def _timed(fn, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def _seed(db, rng: random.Random) -> int:
    from sqlalchemy import insert, select

    from wnwa.billing.models import Contract, Invoice
    from wnwa.billing.terms import DEFAULT_TIERS, add_years, tier_for
    from wnwa.tenants.models import Department

    db.session.execute(
        insert(Department),
        [
            {
                "name": f"Bench Department {n:05d}",
                "slug": f"bench-{n:05d}",
                "county": "Bench",
                "state": "IL",
                "sworn_declared": int(rng.lognormvariate(3.3, 1.2)) + 1,
                "joined_on": date(2022, 1, 1),
                "status": "active",
                "created_at": datetime.now(UTC),
            }
            for n in range(DEPARTMENTS)
        ],
    )
    departments = db.session.execute(select(Department.id, Department.sworn_declared)).all()
    contracts, invoices = [], []
    for dept_id, sworn in departments:
        start = TODAY - timedelta(days=rng.randint(1, 4 * 365))
        tier = tier_for(sworn, DEFAULT_TIERS)
        years = (TODAY - start).days // 365
        period_start = add_years(start, years)
        contracts.append(
            {
                "department_id": dept_id,
                "status": "active",
                "term_start": start,
                "commitment_years": 3,
                "renewal_years": 1,
                "tier_key": tier.key,
                "tier_label": tier.label,
                "sworn_at_pricing": sworn,
                "priced_on": start,
                "annual_cents": tier.annual_cents,
                "currency": "usd",
                "pay_by": "invoice",
                "net_days": 30,
                "po_number": f"PO-{dept_id}",
                "billing_contact": "Bench",
                "billing_email": f"ap{dept_id}@bench.example",
                "card_on_file": False,
                "stripe_customer_id": None,
                "stripe_subscription_id": None,  # not on the fake gateway: not renewed here
                "subscription_status": "active",
                "current_period_start": period_start,
                "current_period_end": add_years(start, years + 1),
                "cancel_at_period_end": False,
                "created_at": datetime.now(UTC),
            }
        )
    db.session.execute(insert(Contract), contracts)
    ids = dict(
        db.session.execute(
            select(Contract.department_id, Contract.id).execution_options(unscoped=True)
        ).all()
    )
    for row in contracts:
        start, years = row["term_start"], (TODAY - row["term_start"]).days // 365
        for k in range(years + 1):
            period = add_years(start, k)
            latest = k == years
            status = "open" if latest and rng.random() < 0.2 else "paid"
            invoices.append(
                {
                    "department_id": row["department_id"],
                    "contract_id": ids[row["department_id"]],
                    "stripe_invoice_id": f"in_bench{row['department_id']}_{k}",
                    "number": f"B-{row['department_id']}-{k}",
                    "status": status,
                    "amount_due_cents": row["annual_cents"],
                    "amount_paid_cents": 0 if status == "open" else row["annual_cents"],
                    "currency": "usd",
                    "period_start": period,
                    "period_end": add_years(start, k + 1),
                    "due_date": period + timedelta(days=30),
                    "issued_at": datetime(period.year, period.month, period.day, tzinfo=UTC),
                    "payment_note": "",
                    "synced_at": datetime.now(UTC),
                }
            )
    db.session.execute(insert(Invoice), invoices)
    db.session.commit()
    return len(invoices)


def _screens(figures: list[tuple[str, float, float]]) -> None:
    from wnwa.billing import reports

    cases = [
        (
            "contract list, first page",
            lambda: reports.contract_list(reports.ContractFilters(), today=TODAY),
        ),
        (
            "contract list, overdue",
            lambda: reports.contract_list(reports.ContractFilters(overdue=True), today=TODAY),
        ),
        (
            "contract list, renewal within 90 days",
            lambda: reports.contract_list(reports.ContractFilters(renewal_soon=True), today=TODAY),
        ),
        ("receivables ageing", lambda: reports.ageing(TODAY)),
        ("revenue by tier", reports.revenue_by_tier),
        ("contracts CSV (all)", lambda: reports.contracts_csv(TODAY)),
        ("receivables CSV", lambda: reports.receivables_csv(TODAY)),
    ]
    for name, fn in cases:
        repeat = 5 if "CSV" in name else 20
        p50, p95 = _timed(fn, repeat)
        figures.append((name, p50, p95))


def _webhooks_and_renewals(app, figures: list[tuple[str, float, float]]) -> int:
    from sqlalchemy import select

    from tests import factories
    from wnwa.billing import contracts, renewals
    from wnwa.billing.fake_gateway import FakeGateway
    from wnwa.billing.models import Contract
    from wnwa.billing.runtime import CLOCK_KEY, GATEWAY_KEY
    from wnwa.extensions import db
    from wnwa.tenants.models import Department
    from wnwa.tenants.scoping import tenant_context

    moment = [datetime(2026, 1, 5, 12, tzinfo=UTC)]
    fake = FakeGateway(lambda: moment[0], webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"])
    app.extensions[GATEWAY_KEY] = fake
    app.extensions[CLOCK_KEY] = fake.today
    staff = factories.staff("network_finance")
    department_ids = db.session.scalars(
        select(Department.id).where(Department.slug.like("bench-%")).limit(RENEWALS)
    ).all()
    for dept_id in department_ids:  # start over on the fake gateway: end the seeded contract
        with tenant_context(dept_id):
            seeded = db.session.scalars(select(Contract)).one()
            seeded.status = "ended"
            db.session.commit()
        contract_id = contracts.create_contract(
            department_id=dept_id,
            pay_by="invoice",
            billing_contact="Bench",
            billing_email=f"ap{dept_id}@bench.example",
            po_number="",
            actor=staff,
        )
        contracts.record_exception(
            contract_id, reason="bench one-year term", today=fake.today(), actor=staff
        )
        contracts.activate_contract(fake, contract_id, today=fake.today(), actor=staff)
    client = app.test_client()
    deliveries = fake.drain_webhooks()
    samples = []
    for body, header in deliveries:
        start = time.perf_counter()
        response = client.post(
            "/billing/stripe/webhook",
            data=body,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
            base_url="https://localhost",
        )
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"webhook answered {response.status_code}")
    samples.sort()
    figures.append(
        (
            f"webhook event ({len(samples)} events)",
            statistics.median(samples),
            samples[int(len(samples) * 0.95) - 1],
        )
    )
    moment[0] = datetime(2026, 11, 20, 12, tzinfo=UTC)
    start = time.perf_counter()
    run = renewals.run_renewals(fake, today=fake.today(), horizon_days=90, actor=staff)
    elapsed = (time.perf_counter() - start) * 1000
    if len(run.rows) != RENEWALS or run.stopped:
        raise SystemExit(f"renewal run priced {len(run.rows)} of {RENEWALS}: {run.stopped}")
    figures.append((f"renewal run, {RENEWALS} contracts (total)", elapsed, elapsed))
    return len(samples)


def main() -> int:
    from flask_migrate import upgrade

    from config import TestingConfig
    from wnwa import create_app
    from wnwa.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="wnwa-bench-billing-"))
    app = create_app(
        TestingConfig,
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'billing.sqlite3'}",
            "MAIL_OUTBOX": str(workdir / "outbox"),
        },
    )
    figures: list[tuple[str, float, float]] = []
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        started = time.perf_counter()
        invoices = _seed(db, random.Random(2026))  # noqa: S311 - benchmark data
        seeded_s = time.perf_counter() - started
        _screens(figures)
        _webhooks_and_renewals(app, figures)
    lines = [
        "# Billing benchmark",
        "",
        f"`bench/bench_billing.py` on {platform.node() or 'this machine'} "
        f"(Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}), "
        f"{date.today().isoformat()}.",
        "",
        f"Data: {DEPARTMENTS:,} departments under contract, {invoices:,} invoices "
        f"(seeded in {seeded_s:.1f} s).",
        "",
        "| operation | p50 ms | p95 ms |",
        "|---|---:|---:|",
        *[f"| {name} | {p50:.1f} | {p95:.1f} |" for name, p50, p95 in figures],
        "",
        "Screens read the local mirror only (never Stripe). Webhook figures include signature",
        "verification, the once-only event record, the re-fetch (fake gateway, in memory) and",
        "the mirror update, through the real endpoint.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
