"""Peer-support certifications. Classes, seats and attendance build on this."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from wnwa.extensions import db
from wnwa.tenants.scoping import TenantScoped

CERTIFICATION_SOURCES = ("class", "external", "manual")


class Certification(TenantScoped, db.Model):
    """A peer-support certification held by one member of a department."""

    __tablename__ = "certification"
    __officer_data__ = "Peer-support certification (if you trained as a peer supporter)"

    id: Mapped[int] = mapped_column(primary_key=True, doc="An internal number.")
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        doc="Whose certification it is.",
    )
    source: Mapped[str] = mapped_column(
        String(20), nullable=False, doc="Network class, accepted external training, or manual."
    )
    course: Mapped[str] = mapped_column(String(200), nullable=False, doc="Course name.")
    certified_on: Mapped[date] = mapped_column(Date, nullable=False, doc="Date certified.")
    renews_on: Mapped[date | None] = mapped_column(
        Date, nullable=True, doc="When it must be renewed, if ever."
    )
    revoked_on: Mapped[date | None] = mapped_column(
        Date, nullable=True, doc="When it was withdrawn, if it was."
    )
