"""`flask --app wsgi professionals reconfirm`: the daily re-confirmation run."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from wnwa.extensions import utcnow

professionals_cli = AppGroup("professionals", help="Mental-health professionals.")


@professionals_cli.command("reconfirm")
def reconfirm() -> None:
    """Email re-confirmation links that are due; report stale and hidden listings."""
    from wnwa.professionals.jobs import run_reconfirmation

    click.echo(str(run_reconfirmation(utcnow())))
