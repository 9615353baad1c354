"""Network-wide training settings: the quota anchors and the certificate renewal period.

Configuration (QUOTA_* and CERTIFICATION_RENEWAL_MONTHS) gives the defaults; a network admin
may override them in one small settings row. Only the anchors are tunable, never the shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from wnwa import audit
from wnwa.errors import InvalidInput
from wnwa.extensions import db, utcnow
from wnwa.tenants.quota import QuotaAnchors
from wnwa.training.models import NetworkTrainingSettings

_ANCHOR_FIELDS = {
    "small_min": ("quota_small_min", "QUOTA_SMALL_MIN"),
    "small_target": ("quota_small_target", "QUOTA_SMALL_TARGET"),
    "large_min": ("quota_large_min", "QUOTA_LARGE_MIN"),
    "large_target": ("quota_large_target", "QUOTA_LARGE_TARGET"),
}
MAX_RENEWAL_MONTHS = 120


@dataclass(frozen=True)
class TrainingSettings:
    anchors: QuotaAnchors
    renewal_months: int | None
    overridden: bool


def _row() -> NetworkTrainingSettings | None:
    return db.session.scalars(
        select(NetworkTrainingSettings).order_by(NetworkTrainingSettings.id).limit(1)
    ).one_or_none()


def _configured_renewal() -> int | None:
    value = current_app.config.get("CERTIFICATION_RENEWAL_MONTHS")
    if value in (None, "", 0, "0"):
        return None
    return int(value)


def current_settings() -> TrainingSettings:
    """The effective settings: the admins' overrides where set, configuration elsewhere."""
    row = _row()
    values = {}
    for name, (column, config_key) in _ANCHOR_FIELDS.items():
        override = getattr(row, column) if row is not None else None
        values[name] = override if override is not None else float(current_app.config[config_key])
    renewal = _configured_renewal()
    if row is not None and row.renewal_months is not None:
        renewal = row.renewal_months or None
    return TrainingSettings(QuotaAnchors(**values), renewal, row is not None)


def quota_anchors() -> QuotaAnchors:
    return current_settings().anchors


def renewal_date(certified_on: date) -> date | None:
    """When a certificate issued on `certified_on` must be renewed (None: never)."""
    months = current_settings().renewal_months
    if not months:
        return None
    index = certified_on.year * 12 + certified_on.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for day in (certified_on.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise InvalidInput("Could not compute a renewal date.")  # unreachable: Feb 28 always exists


def update_settings(
    *,
    small_min: float,
    small_target: float,
    large_min: float,
    large_target: float,
    renewal_months: int | None,
    actor: Any,
) -> TrainingSettings:
    """Store the admins' anchors (validated as a whole) and renewal period; one commit."""
    try:
        anchors = QuotaAnchors(
            small_min=small_min,
            small_target=small_target,
            large_min=large_min,
            large_target=large_target,
        )
    except ValueError as exc:
        raise InvalidInput(_explain(str(exc))) from None
    if renewal_months is not None and not 0 <= renewal_months <= MAX_RENEWAL_MONTHS:
        raise InvalidInput(
            f"Renewal must be between 1 and {MAX_RENEWAL_MONTHS} months, or left empty for none."
        )
    row = _row() or NetworkTrainingSettings()
    row.quota_small_min = anchors.small_min
    row.quota_small_target = anchors.small_target
    row.quota_large_min = anchors.large_min
    row.quota_large_target = anchors.large_target
    row.renewal_months = renewal_months or 0
    row.updated_at = utcnow()
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "training.settings_updated",
        details={
            "small_min": small_min,
            "small_target": small_target,
            "large_min": large_min,
            "large_target": large_target,
            "renewal_months": renewal_months,
        },
    )
    db.session.commit()
    return current_settings()


def _explain(message: str) -> str:
    return (
        "These anchors do not make a sliding scale: small-department shares must be at least "
        "the large-department shares (and at most 260 times them, or larger departments would "
        "need fewer supporters), minimums at most targets, all between 0 and 100%. "
        f"({message})"
    )
