"""`flask --app wsgi roster ...`: the same provisioning service as the web upload and SCIM."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from wnwa.errors import DomainError

roster_cli = AppGroup("roster", help="Department rosters.")

SHOWN_PROBLEMS = 200


def _print_plan(plan) -> None:
    click.echo(
        f"{len(plan.adds):,} to add, {len(plan.updates):,} to update, "
        f"{len(plan.unchanged):,} unchanged, "
        + (f"{len(plan.departures):,} leaving the roster" if plan.full_sync else "no departures")
        + f", {len(plan.errors):,} problems."
    )
    for issue in plan.errors[:SHOWN_PROBLEMS]:
        where = "file" if issue.line is None else f"line {issue.line}"
        click.echo(f"  {where}: {issue.message}", err=True)
    if len(plan.errors) > SHOWN_PROBLEMS:
        click.echo(f"  ... and {len(plan.errors) - SHOWN_PROBLEMS:,} more problems", err=True)


@roster_cli.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only say what the import would do.")
@click.option(
    "--full-sync", is_flag=True, help="The file is the whole roster: anyone not in it leaves."
)
def import_command(slug: str, file: Path, dry_run: bool, full_sync: bool) -> None:
    """Import a roster CSV into the department SLUG (one transaction, or nothing)."""
    from wnwa.roster.provisioning import RosterInvalid, import_roster, preview_roster
    from wnwa.tenants.scoping import tenant_context
    from wnwa.tenants.services import department_by_slug

    data = file.read_bytes()
    try:
        department = department_by_slug(slug)
        with tenant_context(department.id):
            department = department_by_slug(slug)
            if dry_run:
                plan = preview_roster(department, data, full_sync=full_sync)
                _print_plan(plan)
                if not plan.ok:
                    raise SystemExit(1)
                click.echo("Dry run: nothing was changed.")
                return
            result = import_roster(
                department, data, full_sync=full_sync, actor=f"cli {slug}", source="cli"
            )
    except RosterInvalid as exc:
        _print_plan(exc.plan)
        raise click.ClickException(exc.message) from None
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"Imported: {result.added:,} added, {result.updated:,} updated, "
        f"{result.departed:,} left the roster, {result.unchanged:,} unchanged; "
        f"{result.invited:,} invitations queued."
    )


@roster_cli.command("purge-staged")
def purge_staged_command() -> None:
    """Delete uploaded rosters left between preview and confirm for longer than the limit.

    Run it from a timer (hourly): without it, a file nobody confirms or cancels stays on disk
    until some chief stages the next one.
    """
    from wnwa.roster.staging import MAX_AGE, purge_expired

    removed = purge_expired()
    noun = "upload" if removed == 1 else "uploads"
    click.echo(f"Removed {removed:,} staged roster {noun} older than {MAX_AGE // 60} minutes.")
