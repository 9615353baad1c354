"""`flask --app wsgi quota ...`: the quota of every department, the band for given sizes, and
the daily reminders. They call the same services as the pages."""

from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import AppGroup

from wnwa.csvfiles import export_csv
from wnwa.tenants.quota import band
from wnwa.training.quota_service import DepartmentQuota, QuotaSort, network_quota, send_reminders
from wnwa.training.settings import quota_anchors
from wnwa.us_states import network_day

quota_cli = AppGroup("quota", help="Peer-supporter quota (docs/RULES.md 3).")

COLUMNS = (
    "department",
    "state",
    "status",
    "sworn",
    "counted",
    "minimum",
    "target",
    "shortfall",
    "grace_ends",
    "grace_days_left",
)


def _when(value: date | None) -> date:
    return value or network_day()


def _record(row: DepartmentQuota) -> dict[str, object]:
    s = row.status
    return {
        "department": row.name,
        "state": row.state_code,
        "status": s.state.value,
        "sworn": s.sworn,
        "counted": s.counted,
        "minimum": s.minimum,
        "target": s.target,
        "shortfall": s.shortfall,
        "grace_ends": s.grace_ends.isoformat(),
        "grace_days_left": s.days_left,
    }


def _table(records: list[dict[str, object]]) -> str:
    cells = [list(COLUMNS)] + [[str(r[c]) for c in COLUMNS] for r in records]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    numeric = {c for c in COLUMNS if c not in ("department", "state", "status", "grace_ends")}
    lines = []
    for row in cells:
        parts = [
            value.rjust(width) if name in numeric else value.ljust(width)
            for name, value, width in zip(COLUMNS, row, widths, strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _csv(records: list[dict[str, object]]) -> str:
    # Department names are entered by people: export_csv keeps spreadsheets from running them.
    return export_csv(list(COLUMNS), [[r[c] for c in COLUMNS] for r in records])


@quota_cli.command("report")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="YYYY-MM-DD")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "--sort", type=click.Choice([s.value for s in QuotaSort]), default="status", show_default=True
)
def report(on, fmt: str, sort: str) -> None:
    """Quota status of every member department on a date (default: today)."""
    day = _when(on.date() if on else None)
    records = [_record(r) for r in network_quota(day, QuotaSort(sort))]
    if fmt == "json":
        click.echo(json.dumps({"date": day.isoformat(), "departments": records}, indent=2))
    elif fmt == "csv":
        click.echo(_csv(records), nl=False)
    else:
        click.echo(f"Peer-supporter quota on {day.isoformat()}")
        click.echo(_table(records) if records else "No member departments.")


@quota_cli.command("band")
@click.argument("sworn", nargs=-1, required=True, type=click.IntRange(0, 10_000_000))
def band_command(sworn: tuple[int, ...]) -> None:
    """Minimum and target peer supporters for the given sworn counts."""
    anchors = quota_anchors()
    width = max(len("sworn"), *(len(f"{n:,}") for n in sworn))
    click.echo(f"{'sworn':>{width}}  minimum  target")
    for n in sworn:
        result = band(n, anchors)
        click.echo(f"{n:>{width},}  {result.minimum:>7}  {result.target:>6}")


@quota_cli.command("notify")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="YYYY-MM-DD")
def notify(on) -> None:
    """Daily: email chiefs and network admins each due quota reminder once."""
    day = _when(on.date() if on else None)
    run = send_reminders(day)
    detail = ", ".join(f"{kind} {n}" for kind, n in sorted(run.sent.items())) or "none due"
    click.echo(f"{day.isoformat()}: checked {run.checked} departments; sent {detail}")
