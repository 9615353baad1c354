"""`flask --app wsgi billing ...`: reconciliation, renewals, overdue notices, dev set-up."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from wnwa.billing.runtime import get_gateway
from wnwa.errors import DomainError
from wnwa.us_states import network_day

billing_cli = AppGroup("billing", help="Membership billing (Stripe).")


def _gateway():
    gateway = get_gateway(current_app)
    if gateway is None:
        raise click.ClickException("Billing is not configured: set STRIPE_SECRET_KEY.")
    return gateway


@billing_cli.command("reconcile")
def reconcile_command() -> None:
    """Re-sync invoices and subscriptions changed since the last sync; send overdue notices."""
    from wnwa.billing.sync import notify_overdue, reconcile

    try:
        result = reconcile(_gateway(), today=network_day())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    overdue = notify_overdue(today=network_day())
    since = result.since.isoformat() if result.since else "the beginning"
    click.echo(
        f"Synced {result.invoices} invoices and {result.subscriptions} subscriptions "
        f"changed since {since}; overdue notices queued: {overdue}."
    )


@billing_cli.command("renewals")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 400))
def renewals_command(days: int) -> None:
    """Re-tier renewals due within DAYS from the sworn roster (safe to run daily)."""
    from wnwa.billing.renewals import run_renewals

    run = run_renewals(_gateway(), today=network_day(), horizon_days=days, actor="billing cli")
    for row in run.rows:
        click.echo(
            f"{row.department}: renews {row.renews_on.isoformat()} at {row.tier_label} "
            f"({row.annual_cents / 100:,.2f} USD, {row.sworn} sworn)"
        )
    for problem in run.problems:
        click.echo(f"problem: {problem}", err=True)
    if run.stopped:
        raise click.ClickException(f"Stopped early: {run.stopped}")
    click.echo(f"{len(run.rows)} renewals priced.")


@billing_cli.command("notify-overdue")
def notify_overdue_command() -> None:
    """Email department finance about each newly overdue invoice (once per invoice)."""
    from wnwa.billing.sync import notify_overdue

    click.echo(f"Overdue notices queued: {notify_overdue(today=network_day())}.")


@billing_cli.command("tiers")
def tiers_command() -> None:
    """Print the tier table in force today."""
    from wnwa.billing.tiers import tier_table_on

    table = tier_table_on(network_day())
    if table is None:
        raise click.ClickException("No tier table is in force.")
    click.echo(f"Tier table from {table.valid_from.isoformat()}:")
    for tier in table.tiers:
        click.echo(f"  {tier.label:<28} {tier.annual_cents / 100:>12,.2f} USD a year")


@billing_cli.command("setup-dev")
@click.option(
    "--webhook-url",
    default="http://127.0.0.1:5000/billing/stripe/webhook",
    show_default=True,
    help="Where localstripe delivers webhooks (the development server).",
)
@click.option("--wait", default=15.0, show_default=True, help="Seconds to wait for localstripe.")
@click.option("--demo-contract/--no-demo-contract", default=True, show_default=True)
def setup_dev(webhook_url: str, wait: float, demo_contract: bool) -> None:
    """Development only: register the webhook with localstripe (STRIPE_API_BASE) and put the
    demo department under contract. Refuses to run against Stripe itself."""
    from wnwa.billing.dev import put_demo_department_under_contract
    from wnwa.billing.localstripe_server import register_webhook
    from wnwa.billing.stripe_gateway import is_emulator

    base = current_app.config.get("STRIPE_API_BASE")
    if not base or not is_emulator(base):
        raise click.ClickException("setup-dev needs STRIPE_API_BASE pointing at localstripe.")
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET") or ""
    deadline = time.monotonic() + wait
    while True:
        try:
            register_webhook(base, "wnwa-dev", webhook_url, secret)
            break
        except OSError as exc:
            if time.monotonic() > deadline:
                raise click.ClickException(
                    f"localstripe is not answering at {base}: {exc}"
                ) from None
            time.sleep(0.3)
    click.echo(f"localstripe at {base} delivers webhooks to {webhook_url}")
    if demo_contract:
        click.echo(put_demo_department_under_contract(_gateway(), today=network_day()))
