"""`flask --app wsgi ...` commands. Each calls the same services as the web views."""

from __future__ import annotations

import sys

import click
import pyotp
from flask import Flask, current_app
from flask.cli import AppGroup

from wnwa.errors import DomainError
from wnwa.us_states import network_day

departments_cli = AppGroup("departments", help="Member departments.")
users_cli = AppGroup("users", help="Accounts.")
demo_cli = AppGroup("demo", help="The demo network for development.")
security_cli = AppGroup("security", help="Database security settings.")


def _fail(exc: DomainError) -> None:
    raise click.ClickException(exc.message)


@departments_cli.command("create")
@click.option("--name", required=True)
@click.option("--county", required=True)
@click.option("--state", required=True, help="Two-letter code, e.g. IL.")
@click.option("--sworn", required=True, type=click.IntRange(0, 100_000))
@click.option("--joined", type=click.DateTime(formats=["%Y-%m-%d"]), help="YYYY-MM-DD")
def create_department(name, county, state, sworn, joined):
    """Create a department; prints its slug."""
    from wnwa.tenants.services import create_department as create

    try:
        dept = create(
            name=name,
            county=county,
            state=state,
            sworn=sworn,
            joined=joined.date() if joined else None,
        )
    except DomainError as exc:
        _fail(exc)
    click.echo(dept.slug)


@users_cli.command("create-staff")
@click.option(
    "--role", required=True, type=click.Choice(["network_admin", "network_finance", "vetter"])
)
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_staff(role, email, name, password_stdin):
    """Create a network staff account: set its password from stdin, or print an activation link."""
    from wnwa.auth import services as auth
    from wnwa.network.staff import create_staff_account

    try:
        account = create_staff_account(role=role, email=email, name=name)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
            secret = auth.new_totp_secret()
            codes = auth.set_password_for_staff(account, password, secret)
            click.echo(f"Two-step sign-in key (add it to an authenticator app): {secret}")
            click.echo("Recovery codes (shown once): " + " ".join(codes))
        else:
            base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
            click.echo(f"{base}/activate/{auth.activation_token(account)}")
    except DomainError as exc:
        _fail(exc)


@demo_cli.command("seed")
@click.option(
    "--scale",
    type=click.Choice(["demo", "us"]),
    default="demo",
    show_default=True,
    help="demo: the 56 member departments; us: US-scale data for benchmarks.",
)
def demo_seed(scale: str):
    """Seed the demo network if the database is empty, and print the demo logins."""
    from wnwa.demo import refresh_demo, seed_demo

    if scale == "us":
        from wnwa.directory.us_scale import seed_us_scale
        from wnwa.professionals.demo import seed_us_professionals

        seed_us_scale()
        seed_us_professionals()
        click.echo("US-scale network created (with 15,000 professionals).")
        return
    created = seed_demo(today=network_day())
    if created:
        click.echo("Demo network created.")
    else:
        click.echo(
            f"Demo network already present; {refresh_demo()} peer supporters are available now."
        )
    _echo_logins()


@demo_cli.command("logins")
def demo_logins_command():
    """Print the demo logins (what `make run` shows when it starts)."""
    _echo_logins()


def _echo_logins() -> None:
    from wnwa.demo import demo_logins

    for login in demo_logins():
        extra = f"  two-step key {login.totp_secret}" if login.totp_secret else ""
        click.echo(f"  {login.role:<19} {login.email:<28} {login.password}{extra}")
    click.echo("  Current two-step code: flask --app wsgi demo totp")


@demo_cli.command("totp")
def demo_totp():
    """Print the current code for the demo accounts' two-step key."""
    from wnwa.demo import DEMO_TOTP

    click.echo(pyotp.TOTP(DEMO_TOTP).now())


@security_cli.command("store-rls-key")
def store_rls_key():
    """Store the row-level security signing key derived from SECRET_KEY (run as the schema
    owner, with MIGRATION_DATABASE_URL set, after SECRET_KEY changes)."""
    import os

    from sqlalchemy import create_engine

    from wnwa.crypto import derive_key
    from wnwa.tenants import rls

    url = os.environ.get("MIGRATION_DATABASE_URL")
    if not url:
        raise click.ClickException("Set MIGRATION_DATABASE_URL (the schema owner's URL).")
    engine = create_engine(url)
    if engine.dialect.name != "postgresql":
        raise click.ClickException("Row-level security exists on PostgreSQL only.")
    try:
        with engine.begin() as connection:
            rls.store_signing_key(
                connection, derive_key(current_app.config["SECRET_KEY"], rls.KEY_PURPOSE)
            )
    finally:
        engine.dispose()
    click.echo("Stored.")


def register_commands(app: Flask) -> None:
    from wnwa.jobs import jobs_cli
    from wnwa.mail import mail_cli

    for group in (departments_cli, users_cli, demo_cli, security_cli, mail_cli, jobs_cli):
        app.cli.add_command(group)
    # `flask db backup | restore | checksums` beside Flask-Migrate's own `db` commands.
    from wnwa.backup import COMMANDS

    for command in COMMANDS:
        app.cli.commands["db"].add_command(command)
