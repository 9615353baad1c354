"""Audit trail of ADMIN actions only (roster changes, vetting, billing). Officer actions are
never audited (docs/RULES.md 2.8): nothing here may be called from an officer's own use of the
portal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.tenants.scoping import (
    GlobalModel,
    acting_for,
    bound_department_id,
    cross_department_read,
)


class AuditEntry(GlobalModel, db.Model):
    __tablename__ = "audit_entry"
    __officer_data__ = (
        "Admin actions about you (your chief's or the network's changes to your roster entry)"
    )

    id: Mapped[int] = mapped_column(primary_key=True, doc="An internal number.")
    at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, doc="When the admin acted."
    )
    actor: Mapped[str] = mapped_column(
        String(300),
        nullable=False,
        doc="Which admin acted (a chief's or network staff's account and email), never you "
        "acting for yourself: your own use of the portal is not audited.",
    )  # "department 12 <email>"
    action: Mapped[str] = mapped_column(
        String(80), nullable=False, index=True, doc="What the admin did (e.g. a roster edit)."
    )
    department_id: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("department.id"),
        nullable=True,
        index=True,
        doc="The department it concerns.",
    )
    subject: Mapped[str] = mapped_column(
        String(300),
        nullable=False,
        default="",
        doc="Whom it concerns: an employee number, never a name.",
    )
    details: Mapped[dict[str, Any]] = mapped_column(
        JSON,
        nullable=False,
        default=dict,
        doc="What changed, as little as an auditor needs: for a roster edit the names of the "
        "fields changed (not their values); for a roster import the counts, the names of the "
        "fields changed and the employee numbers of the people it marked as departed.",
    )


def actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    role = "staff" if getattr(actor, "kind", "") == "s" else "department"
    return f"{role} {actor.id} <{actor.email}>"


def record(
    actor: Any,
    action: str,
    *,
    department_id: int | None = None,
    subject: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry inside the caller's transaction (flush only).

    An entry about a department is written as that department (network staff act for it for
    this one row): on PostgreSQL the trail accepts rows only for the bound department, or
    network-level rows with no department, and never changes or deletes one."""
    entry = AuditEntry(
        actor=actor_label(actor),
        action=action,
        department_id=department_id,
        subject=subject,
        details=details or {},
    )
    if department_id is None:
        # A network-level row belongs to no department: only a cross-department read grant
        # sees it, including the INSERT's own RETURNING of its id (the grant never writes).
        session = db.session()
        session.flush()
        session.add(entry)
        with cross_department_read(session.connection()):
            session.flush()
        return entry
    if bound_department_id() != department_id:
        with acting_for(department_id):
            db.session.add(entry)
        return entry
    db.session.add(entry)
    db.session.flush()
    return entry


def entries_for(department_id: int, limit: int = 200) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.department_id == department_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )
