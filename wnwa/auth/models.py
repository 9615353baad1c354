"""Network staff accounts: global, with no department."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.tenants.credentials import CredentialsMixin
from wnwa.tenants.scoping import GlobalModel

STAFF_ROLES = ("network_admin", "network_finance", "vetter")


class StaffAccount(GlobalModel, CredentialsMixin, db.Model):
    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(30), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    kind = "s"
    department_id = None
    mfa_required = True

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def roles(self) -> frozenset[str]:
        return frozenset({self.role, "staff"})

    def __repr__(self) -> str:
        return f"<StaffAccount {self.id}>"
