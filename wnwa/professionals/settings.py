"""Network admins' settings for professionals: the consensus rule and re-confirmation timing.

Without a stored row the defaults apply: unanimous approval by at least two vetters, re-confirm
every 180 days, dropped from default results 30 days after a missed re-confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from wnwa import audit
from wnwa.errors import InvalidInput
from wnwa.extensions import db, utcnow
from wnwa.professionals.models import ProfessionalSettings

UNANIMOUS = "unanimous"
MAJORITY = "majority"
RULES = {
    UNANIMOUS: "Every assigned vetter approves",
    MAJORITY: "More than half of the assigned vetters approve",
}


@dataclass(frozen=True)
class Settings:
    rule: str = UNANIMOUS
    min_votes: int = 2
    reconfirm_days: int = 180
    grace_days: int = 30

    @property
    def rule_text(self) -> str:
        return describe_rule(self.rule, self.min_votes)


def describe_rule(rule: str, min_votes: int) -> str:
    if rule == MAJORITY:
        return f"more than half of the assigned vetters approve, with at least {min_votes} votes"
    return f"every assigned vetter approves, with at least {min_votes} votes"


def who(actor: Any) -> str:
    return getattr(actor, "display_name", None) or audit.actor_label(actor)


def _row() -> ProfessionalSettings | None:
    return db.session.scalars(
        select(ProfessionalSettings).order_by(ProfessionalSettings.id).limit(1)
    ).first()


_CURRENT = (
    select(
        ProfessionalSettings.rule,
        ProfessionalSettings.min_votes,
        ProfessionalSettings.reconfirm_days,
        ProfessionalSettings.grace_days,
    )
    .order_by(ProfessionalSettings.id)
    .limit(1)
)


def current() -> Settings:
    # Read on every officer search: one prebuilt statement on the session's connection (the
    # table has no department for the ORM's tenant filter to add).
    row = db.session.connection().execute(_CURRENT).first()
    return Settings() if row is None else Settings(*row)


def update(
    *, rule: str, min_votes: int, reconfirm_days: int, grace_days: int, actor: Any
) -> Settings:
    problems = []
    if rule not in RULES:
        problems.append("Choose a consensus rule.")
    if not 2 <= min_votes <= 9:
        problems.append("At least 2 and at most 9 votes may be required.")
    if not 30 <= reconfirm_days <= 730:
        problems.append("Re-confirmation must be every 30 to 730 days.")
    if not 0 <= grace_days <= 180:
        problems.append("The grace period must be 0 to 180 days.")
    if problems:
        raise InvalidInput(" ".join(problems))
    row = _row() or ProfessionalSettings()
    before = current()
    row.rule, row.min_votes = rule, min_votes
    row.reconfirm_days, row.grace_days = reconfirm_days, grace_days
    row.updated_at = utcnow()
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "professionals.settings_updated",
        subject="professional settings",
        details={
            "summary": (
                f"{who(actor)} set the consensus rule to: "
                f"{describe_rule(rule, min_votes)} (was: {before.rule_text}); re-confirmation "
                f"every {reconfirm_days} days with {grace_days} days' grace."
            )
        },
    )
    db.session.commit()
    return current()
