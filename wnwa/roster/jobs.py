"""The roster's scheduled job (registered in wnwa/roster/__init__.py, run by wnwa/jobs.py)."""

from __future__ import annotations

from wnwa.roster.staging import purge_expired


def purge_staged_uploads() -> str:
    """Delete uploaded rosters nobody confirmed or cancelled within the limit."""
    return f"removed {purge_expired():,} expired staged uploads"
