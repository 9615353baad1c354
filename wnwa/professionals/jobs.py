"""Scheduled work for professionals, as plain functions a jobs runner (or the CLI) calls.

`run_reconfirmation(now)` emails listed professionals a signed re-confirmation link (at most one
email a listing a run; the rule is `needs_link`) and reports how many listings are stale
(confirmation overdue, flagged to officers and staff) and how many have dropped out of default
results (overdue past the grace). Stale and dropped are worked out from the last confirmation
date, so they are always current. Running it twice sends nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from wnwa.extensions import db
from wnwa.professionals import settings as settings_service
from wnwa.professionals.applications import LINK, tell_professional
from wnwa.professionals.listings import CONFIRM_MAX_AGE
from wnwa.professionals.models import LISTED, Professional

REMIND_DAYS = 14


@dataclass(frozen=True)
class ReconfirmationReport:
    reminders_sent: int
    stale: int
    dropped: int
    rechecks_open: int

    def __str__(self) -> str:
        return (
            f"{self.reminders_sent} re-confirmation emails sent; {self.stale} stale listings "
            f"({self.dropped} past the grace period, hidden by default); "
            f"{self.rechecks_open} re-checks asked for by officers."
        )


def needs_link(p: Professional, now: datetime, reconfirm_days: int) -> bool:
    """Whether this run emails the listing a re-confirmation link. `reminded_at` is when the last
    link went out; None: none since the last confirmation, or since officers asked for a
    re-check (`listings.report_problem` clears it).

    A listing owes a re-confirmation when it is due within `REMIND_DAYS` or a re-check is open;
    it then gets a link unless one went out since (for a due listing: since the reminder window
    opened) that is not about to expire (links last `CONFIRM_MAX_AGE`)."""
    due_from = p.confirmed_at + timedelta(days=reconfirm_days - REMIND_DAYS)
    due = due_from < now  # as `confirmed_at < due_before` in run_reconfirmation
    if not due and p.recheck_since is None:
        return False
    sent = p.reminded_at
    return (
        sent is None
        or (due and sent < due_from)
        or sent <= now - (CONFIRM_MAX_AGE - timedelta(days=REMIND_DAYS))
    )


def run_reconfirmation(now: datetime) -> ReconfirmationReport:
    current = settings_service.current()
    due_before = now - timedelta(days=current.reconfirm_days - REMIND_DAYS)
    stale_before = now - timedelta(days=current.reconfirm_days)
    dropped_before = stale_before - timedelta(days=current.grace_days)
    candidates = db.session.scalars(
        select(Professional)
        .where(
            Professional.status == LISTED,
            or_(
                Professional.confirmed_at < due_before,
                Professional.recheck_since.is_not(None),
            ),
        )
        # Read fresh and locked until the commit (PostgreSQL), so that an officer's report
        # arriving meanwhile waits, and its cleared `reminded_at` is not overwritten by ours.
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    due = [p for p in candidates if needs_link(p, now, current.reconfirm_days)]
    for p in due:
        why = (
            "Officers told us your listing did not work for them"
            if p.recheck_since is not None
            else f"It is time to re-confirm your listing (every {current.reconfirm_days} days)"
        )
        tell_professional(
            p,
            "Please re-confirm your WeNeverWalkAlone listing",
            f"Dear {p.name},\n\n{why}. Please confirm that you still answer officers' calls as "
            "listed and the insurance you accept, or correct them, here:\n"
            f"{LINK}\n\nListings not re-confirmed are marked as out of date for "
            f"officers, and after {current.grace_days} more days they are no longer shown.\n",
            link="confirm",
        )
        p.reminded_at = now
    db.session.flush()

    def count(*conditions) -> int:
        return db.session.scalar(
            select(func.count())
            .select_from(Professional)
            .where(Professional.status == LISTED, *conditions)
        )

    report = ReconfirmationReport(
        reminders_sent=len(due),
        stale=count(Professional.confirmed_at < stale_before),
        dropped=count(Professional.confirmed_at < dropped_before),
        rechecks_open=count(Professional.recheck_since.is_not(None)),
    )
    db.session.commit()
    return report


def reconfirmation_job() -> str:
    """The scheduled form (wnwa/jobs.py): one line of counts."""
    from wnwa.extensions import utcnow

    return str(run_reconfirmation(utcnow()))
