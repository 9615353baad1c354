"""Wellness resources and news, written by network admins and read by officers.

These tables hold what the network publishes, never who read it: no view counts, no "recently
read", no bookmarks. `updated_by` names the staff member who last edited an item.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.tenants.scoping import GlobalModel

DRAFT = "draft"
PUBLISHED = "published"
STATES = {DRAFT: "Draft", PUBLISHED: "Published"}

KINDS = {
    "article": "Article",
    "guide": "Guide",
    "video": "Video",
    "podcast": "Podcast",
    "local_service": "Local service",
    "national_service": "National service",
}

CATEGORIES = {
    "stress": "Stress and burnout",
    "sleep": "Sleep and shift work",
    "family": "Family and relationships",
    "finances": "Finances",
    "substance_use": "Alcohol and substance use",
    "critical_incidents": "Critical incidents and trauma",
    "grief": "Grief and loss",
    "physical_health": "Physical health",
    "retirement": "Retirement and separation",
    "suicide_prevention": "Suicide prevention",
}


class Resource(GlobalModel, db.Model):
    __tablename__ = "resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    summary: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")  # Markdown
    url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=DRAFT)
    publish_on: Mapped[date] = mapped_column(Date, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(300), nullable=False, default="")

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)


class NewsPost(GlobalModel, db.Model):
    __tablename__ = "news_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    summary: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")  # Markdown
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=DRAFT)
    publish_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(300), nullable=False, default="")
