"""Training's scheduled job (registered in wnwa/training/__init__.py, run by wnwa/jobs.py)."""

from __future__ import annotations

from wnwa.training.quota_service import send_reminders
from wnwa.us_states import network_day


def quota_reminders() -> str:
    """Quota reminders and status notices due today; each is sent once (its ledger)."""
    run = send_reminders(network_day())
    sent = ", ".join(f"{kind} {n}" for kind, n in sorted(run.sent.items())) or "none due"
    return f"checked {run.checked} departments; sent {sent}"
