"""Whether someone holds a valid peer-support certification: the one place for that rule."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select

from wnwa import audit
from wnwa.errors import InvalidInput
from wnwa.extensions import db
from wnwa.tenants.models import User
from wnwa.training.models import CERTIFICATION_SOURCES, Certification


def valid_on(on: date) -> ColumnElement[bool]:
    """SQL condition: a Certification row that is valid on `on`."""
    return and_(
        Certification.certified_on <= on,
        Certification.revoked_on.is_(None),
        or_(Certification.renews_on.is_(None), Certification.renews_on > on),
    )


def certified_user_ids(on: date) -> Select[tuple[int]]:
    """Users of the bound department with a valid certification on `on` (a subquery)."""
    return select(Certification.user_id).where(valid_on(on))


def is_certified(user_id: int, on: date) -> bool:
    found = db.session.scalar(
        select(Certification.id).where(Certification.user_id == user_id, valid_on(on)).limit(1)
    )
    return found is not None


def add_certification(
    user: User,
    *,
    source: str,
    course: str,
    on: date,
    renews_on: date | None = None,
    actor: Any,
) -> Certification:
    """Record a certification inside the caller's transaction (flush only)."""
    if source not in CERTIFICATION_SOURCES:
        raise InvalidInput(f"Unknown certification source {source!r}.")
    if renews_on is not None and renews_on <= on:
        raise InvalidInput("A renewal date must come after the certification date.")
    certification = Certification(
        department_id=user.department_id,
        user_id=user.id,
        source=source,
        course=course.strip() or "Peer support",
        certified_on=on,
        renews_on=renews_on,
    )
    db.session.add(certification)
    db.session.flush()
    audit.record(
        actor,
        "certification.added",
        department_id=user.department_id,
        subject=f"user {user.id}",
        details={"source": source, "course": certification.course, "on": on.isoformat()},
    )
    return certification
