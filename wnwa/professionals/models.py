"""Mental-health professionals: network-level data (no department), so every model here is a
`GlobalModel`. One row per application; a listed application is the directory listing.

Nothing here records anything about an officer: a search leaves no row, and the "this listing
didn't work for me" report only marks the listing for a re-check (a date), with nothing about
who reported it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.professionals.geo import lon_band
from wnwa.tenants.scoping import GlobalModel

SUBMITTED = "submitted"  # waiting for vetters
IN_REVIEW = "in_review"  # vetters assigned, votes coming in
LISTED = "listed"
DEFERRED = "deferred"
SUSPENDED = "suspended"
STATUSES = (SUBMITTED, IN_REVIEW, LISTED, DEFERRED, SUSPENDED)
OPEN_STATUSES = (SUBMITTED, IN_REVIEW)

APPROVE = "approve"
DEFER = "defer"

OFFICE = "office"
VIDEO = "video"


class Professional(GlobalModel, db.Model):
    __tablename__ = "professional"
    __table_args__ = (
        Index(
            "ix_professional_search_geo", "status", "lon_band", "lat", "lon", "confirmed_at", "id"
        ),
        Index("ix_professional_search_name", "status", "sort_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=SUBMITTED)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    sort_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    credentials: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    license_type: Mapped[str] = mapped_column(String(20), nullable=False)
    # [{"state": "IL", "number": "071.012345"}, ...]
    licenses: Mapped[list[dict[str, str]]] = mapped_column(JSON, nullable=False, default=list)
    practice_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    street: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    city: Mapped[str] = mapped_column(String(100), nullable=False)
    state: Mapped[str] = mapped_column(String(2), nullable=False)
    zip_code: Mapped[str] = mapped_column(String(5), nullable=False)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lon: Mapped[float] = mapped_column(Float, nullable=False)
    lon_band: Mapped[int] = mapped_column(Integer, nullable=False)  # geo.lon_band(lon), kept below
    phone: Mapped[str] = mapped_column(String(20), nullable=False)  # E.164
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    website: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    telehealth: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    specialties: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    modalities: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    carriers: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    plan_types: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    officer_years: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    officer_experience: Mapped[str] = mapped_column(Text, nullable=False, default="")
    answers_24_7: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    within_24h: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    no_fitness_for_duty: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    accepting_new: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    about: Mapped[str] = mapped_column(Text, nullable=False, default="")

    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # The consensus rule in force when vetting began (a later change does not apply to it).
    rule: Mapped[str | None] = mapped_column(String(20), nullable=True)
    rule_min_votes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    assessment_kind: Mapped[str | None] = mapped_column(String(10), nullable=True)
    assessment_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    assessment_done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    assessment_notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deferred_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reapply_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    suspended_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Keeping the listing true: last re-confirmation; last link emailed (None: none since the
    # last re-confirmation or since a re-check was asked, jobs.needs_link); open re-check.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recheck_since: Mapped[date | None] = mapped_column(Date, nullable=True)

    votes: Mapped[list[Vote]] = relationship(
        back_populates="professional", cascade="all, delete-orphan", order_by="Vote.id"
    )
    documents: Mapped[list[Document]] = relationship(
        cascade="all, delete-orphan", order_by="Document.id"
    )

    @validates("lon")
    def _keep_lon_band(self, _key: str, lon: float) -> float:
        self.lon_band = lon_band(lon)
        return lon

    def __repr__(self) -> str:
        return f"<Professional {self.id}>"


class Vote(GlobalModel, db.Model):
    """An assigned vetter and, once cast, their vote (blind to others until all are in)."""

    __tablename__ = "professional_vote"
    __table_args__ = (
        UniqueConstraint("professional_id", "vetter_id", name="uq_professional_vote"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    professional_id: Mapped[int] = mapped_column(
        ForeignKey("professional.id", ondelete="CASCADE"), nullable=False, index=True
    )
    vetter_id: Mapped[int] = mapped_column(
        ForeignKey("staff_account.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    choice: Mapped[str | None] = mapped_column(String(10), nullable=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    voted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    professional: Mapped[Professional] = relationship(back_populates="votes")


class Document(GlobalModel, db.Model):
    """An uploaded document, stored outside `static` under a random name."""

    __tablename__ = "professional_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    professional_id: Mapped[int] = mapped_column(
        ForeignKey("professional.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    label: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Tag(GlobalModel, db.Model):
    """Search tags of a listing ("sp:ptsd", "ins:aetna", "plan:ppo", "lic:IL"), rebuilt from the
    listing whenever it changes; filters are EXISTS lookups on (tag, professional_id)."""

    __tablename__ = "professional_tag"

    professional_id: Mapped[int] = mapped_column(
        ForeignKey("professional.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)

    __table_args__ = (Index("ix_professional_tag_tag", "tag", "professional_id"),)


class ProfessionalSettings(GlobalModel, db.Model):
    """The network admins' settings for vetting and re-confirmation (one row; none: defaults)."""

    __tablename__ = "professional_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(20), nullable=False, default="unanimous")
    min_votes: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    reconfirm_days: Mapped[int] = mapped_column(Integer, nullable=False, default=180)
    grace_days: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


def as_dict(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}
