"""Peer-support training: classes and their days (network-wide), seats, attendance and
external certificates (per department), certifications, reminders and network settings.

Rows about an officer hold only what the training itself needs: who has a seat in which
class, which days they attended, which certificate they hold. Nothing records an officer's use
of the portal; the one officer-made row is an explicit seat request their chief must see.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.tenants.scoping import GlobalModel, TenantScoped

CERTIFICATION_SOURCES = ("class", "external", "manual")

# Seat life cycle. "requested" is an officer's own request awaiting the chief; "reserved" holds
# a place; "waitlisted" waits for one; "completed"/"incomplete" are set when the class closes.
SEAT_REQUESTED = "requested"
SEAT_RESERVED = "reserved"
SEAT_WAITLISTED = "waitlisted"
SEAT_CANCELLED = "cancelled"
SEAT_DECLINED = "declined"
SEAT_COMPLETED = "completed"
SEAT_INCOMPLETE = "incomplete"
SEAT_STATUSES = (
    SEAT_REQUESTED,
    SEAT_RESERVED,
    SEAT_WAITLISTED,
    SEAT_CANCELLED,
    SEAT_DECLINED,
    SEAT_COMPLETED,
    SEAT_INCOMPLETE,
)
OPEN_SEAT_STATUSES = (SEAT_REQUESTED, SEAT_RESERVED, SEAT_WAITLISTED)
PLACE_HOLDING_STATUSES = (SEAT_RESERVED, SEAT_COMPLETED, SEAT_INCOMPLETE)

EXTERNAL_PENDING = "pending"
EXTERNAL_ACCEPTED = "accepted"
EXTERNAL_DECLINED = "declined"


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


class TrainingClass(GlobalModel, db.Model):
    """A peer-support course run by the network (e.g. a 3-day teammate course)."""

    __tablename__ = "training_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    location: Mapped[str] = mapped_column(String(300), nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    seats_per_department: Mapped[int | None] = mapped_column(Integer, nullable=True)
    price_cents: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hours: Mapped[int] = mapped_column(Integer, nullable=False)
    registration_deadline: Mapped[date] = mapped_column(Date, nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    days: Mapped[list[ClassDay]] = relationship(
        order_by="ClassDay.day", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<TrainingClass {self.id} {self.starts_on}>"


class ClassDay(GlobalModel, db.Model):
    """One day of a class; attendance is recorded per day."""

    __tablename__ = "training_class_day"
    __table_args__ = (UniqueConstraint("class_id", "day", name="uq_training_class_day_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(
        ForeignKey("training_class.id", ondelete="CASCADE"), nullable=False, index=True
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)


class Seat(TenantScoped, db.Model):
    """A place in a class for a named member of a department (or their request for one)."""

    __tablename__ = "training_seat"
    __table_args__ = (UniqueConstraint("class_id", "user_id", name="uq_training_seat_user"),)
    __officer_data__ = "Training seats (if your chief reserved one for you, or you asked)"

    id: Mapped[int] = mapped_column(primary_key=True, doc="An internal number.")
    class_id: Mapped[int] = mapped_column(
        ForeignKey("training_class.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
        doc="Which training class.",
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        doc="Who the seat is for.",
    )
    status: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        doc="Requested, reserved, waitlisted, cancelled, declined, completed or incomplete.",
    )
    requested_by_officer: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        default=False,
        doc="Whether you asked for this seat yourself (your chief then approves it).",
    )
    queue_no: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, doc="Place in the waiting list, if waitlisted."
    )
    makeup_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_seat.id", ondelete="SET NULL"),
        nullable=True,
        doc="The earlier seat this one makes up for, if a day was missed there.",
    )

    training_class: Mapped[TrainingClass] = relationship(lazy="joined", innerjoin=True)


class Attendance(TenantScoped, db.Model):
    """One day attended by the holder of a seat (present on that day)."""

    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("seat_id", "day_id", name="uq_training_attendance_day"),)
    __officer_data__ = "Training attendance (the days of a class you attended)"

    id: Mapped[int] = mapped_column(primary_key=True, doc="An internal number.")
    seat_id: Mapped[int] = mapped_column(
        ForeignKey("training_seat.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        doc="Your seat in the class.",
    )
    day_id: Mapped[int] = mapped_column(
        ForeignKey("training_class_day.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        doc="The class day you attended.",
    )


class ExternalCertificate(TenantScoped, db.Model):
    """Peer-support training from another provider, submitted by a chief for review."""

    __tablename__ = "training_external_certificate"
    __officer_data__ = "Peer-support training from another provider (if your chief submitted it)"

    id: Mapped[int] = mapped_column(primary_key=True, doc="An internal number.")
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        doc="Whose training it was.",
    )
    provider: Mapped[str] = mapped_column(String(200), nullable=False, doc="Training provider.")
    course: Mapped[str] = mapped_column(String(200), nullable=False, doc="Course name.")
    started_on: Mapped[date] = mapped_column(Date, nullable=False, doc="First day of training.")
    ended_on: Mapped[date] = mapped_column(Date, nullable=False, doc="Last day of training.")
    hours: Mapped[int] = mapped_column(Integer, nullable=False, doc="Hours of training.")
    file_name: Mapped[str] = mapped_column(
        String(80), nullable=False, doc="A random name for the stored certificate file."
    )
    content_type: Mapped[str] = mapped_column(
        String(40), nullable=False, doc="The certificate file's type (PDF, PNG or JPEG)."
    )
    status: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        default=EXTERNAL_PENDING,
        doc="Pending, accepted or declined by the network.",
    )
    decision_reason: Mapped[str] = mapped_column(
        Text, nullable=False, default="", doc="Why the network declined it, if it did."
    )
    decided_on: Mapped[date | None] = mapped_column(
        Date, nullable=True, doc="When the network decided."
    )
    submitted_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, doc="When your chief submitted it."
    )


class QuotaReminder(GlobalModel, db.Model):
    """A quota reminder already sent to a department (so the daily run sends each once)."""

    __tablename__ = "quota_reminder"
    __table_args__ = (
        UniqueConstraint("department_id", "kind", "period", name="uq_quota_reminder_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    period: Mapped[str] = mapped_column(String(40), nullable=False)
    sent_on: Mapped[date] = mapped_column(Date, nullable=False)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class NetworkTrainingSettings(GlobalModel, db.Model):
    """Network admins' overrides of the configured quota anchors and certificate renewal."""

    __tablename__ = "training_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    quota_small_min: Mapped[float | None] = mapped_column(Float, nullable=True)
    quota_small_target: Mapped[float | None] = mapped_column(Float, nullable=True)
    quota_large_min: Mapped[float | None] = mapped_column(Float, nullable=True)
    quota_large_target: Mapped[float | None] = mapped_column(Float, nullable=True)
    renewal_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
