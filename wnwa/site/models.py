"""Requests that visitors send from the public site: the member agencies list, a demo, a
message. Network staff answer each one from the console.

A request holds what the visitor typed and nothing about how they reached us: no address, no
browser details, no referrer. It is about a visitor (usually someone at a department that is
thinking of joining), never about an officer's use of the portal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.tenants.scoping import GlobalModel

MEMBER_LIST = "member_list"
CONTACT = "contact"
DEMO = "demo"
KINDS = {
    MEMBER_LIST: "Member agencies list",
    CONTACT: "Message",
    DEMO: "Demo",
}

NEW = "new"
ANSWERED = "answered"
APPROVED = "approved"
DECLINED = "declined"
CLOSED = "closed"
STATUSES = {
    NEW: "Waiting",
    ANSWERED: "Answered",
    APPROVED: "Approved, list sent",
    DECLINED: "Declined",
    CLOSED: "Closed",
}
# Still open: it may be approved, declined or closed. Any other status is a decision, final.
OPEN_STATUSES = (NEW, ANSWERED)

DEMO_FORMATS = {"video": "Video call", "in_person": "In person"}


class SiteRequest(GlobalModel, db.Model):
    __tablename__ = "site_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=NEW, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    organisation: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    job_title: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    sworn: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    demo_format: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    preferred_times: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    handled_by: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    replies: Mapped[list[SiteRequestReply]] = relationship(
        order_by="SiteRequestReply.id", cascade="all, delete-orphan"
    )

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        """Not decided yet: it may still be approved, declined or closed."""
        return self.status in OPEN_STATUSES


class SiteRequestReply(GlobalModel, db.Model):
    """One message network staff sent the visitor about a request (a reply, the list, a
    decline, a follow-up): each is kept, so a follow-up never hides what a decision said."""

    __tablename__ = "site_request_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("site_request.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sent_by: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
