"""The chief's upload flow: preview a file, then confirm or cancel it."""

from __future__ import annotations

from dataclasses import dataclass

from wnwa.roster import staging
from wnwa.roster.provisioning import RosterPlan, RosterResult, import_roster, preview_roster
from wnwa.roster.roster import parse_roster
from wnwa.tenants.models import Department, User


@dataclass
class Preview:
    plan: RosterPlan
    ticket: str | None  # None when there is nothing to confirm (problems, or no changes)


def preview_upload(department: Department, data: bytes, *, full_sync: bool, actor: User) -> Preview:
    """Say what the file would do, and keep it for the confirm step if it can be imported."""
    parsed = parse_roster(data)
    plan = preview_roster(department, parsed, full_sync=full_sync, actor_user_id=actor.id)
    ticket = None
    if plan.ok and plan.changes_anything:
        ticket = staging.stage(
            parsed,
            department_id=department.id,
            user_id=actor.id,
            full_sync=full_sync,
            digest=plan.digest,
        )
    return Preview(plan, ticket)


def confirm_upload(department: Department, token: str, *, actor: User) -> RosterResult:
    """Import the previewed file exactly as previewed, in one transaction (from the parse the
    preview kept: the file is not read again)."""
    ticket = staging.open_ticket(token, department_id=department.id, user_id=actor.id)
    parsed = staging.read(ticket)
    try:
        return import_roster(
            department,
            parsed,
            full_sync=ticket.full_sync,
            actor=actor,
            source="upload",
            expected_digest=ticket.digest,
        )
    finally:
        staging.discard(ticket)


def cancel_upload(department: Department, token: str, *, actor: User) -> None:
    try:
        ticket = staging.open_ticket(token, department_id=department.id, user_id=actor.id)
    except staging.StagedUploadGone:
        return
    staging.discard(ticket)


def full_preview_csv(department: Department, token: str, *, actor: User) -> str:
    """Every line of the preview as CSV, for rosters too long to read on screen."""
    from wnwa.csvfiles import export_csv
    from wnwa.roster.provisioning import iter_lines

    ticket = staging.open_ticket(token, department_id=department.id, user_id=actor.id)
    plan = preview_roster(
        department, staging.read(ticket), full_sync=ticket.full_sync, actor_user_id=actor.id
    )
    header = ["Action", "Line", "Employee number", "Name", "Work email", "Details"]
    return export_csv(header, iter_lines(plan))
