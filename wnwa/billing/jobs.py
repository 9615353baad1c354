"""Billing's scheduled jobs (registered in wnwa/billing/__init__.py, run by wnwa/jobs.py).

Without STRIPE_SECRET_KEY billing is not configured and both jobs say so and succeed.
"""

from __future__ import annotations

from flask import current_app

from wnwa.billing.runtime import get_gateway, today
from wnwa.errors import DomainError
from wnwa.extensions import db


class RenewalRunStopped(DomainError):
    pass


def reconcile() -> str:
    """Catch the local mirror up with Stripe, then send overdue notices (once per invoice).

    The notices come from the mirror, so they still go out while Stripe is unreachable; the
    job then fails and is retried, and the next run resumes from the last cursor.
    """
    from wnwa.billing.sync import notify_overdue
    from wnwa.billing.sync import reconcile as sync

    gateway = get_gateway(current_app)
    if gateway is None:
        return "billing not configured"
    day = today()
    try:
        result = sync(gateway, today=day)
    except Exception:
        db.session.rollback()  # nothing half-synced; the notices still go out
        notify_overdue(today=day)
        raise
    overdue = notify_overdue(today=day)
    return (
        f"synced {result.invoices} invoices and {result.subscriptions} subscriptions; "
        f"overdue notices {overdue}"
    )


def renewals() -> str:
    """Re-tier the renewals due within the horizon and issue their invoices (each once)."""
    from wnwa.billing.renewals import run_renewals

    gateway = get_gateway(current_app)
    if gateway is None:
        return "billing not configured"
    run = run_renewals(gateway, today=today(), actor="scheduled job")
    if run.stopped:
        raise RenewalRunStopped(f"stopped after {len(run.rows)} renewals")
    return f"{len(run.rows)} renewals priced, {len(run.problems)} problems"
