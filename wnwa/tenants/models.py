"""The tenant (Department) and its people (User).

A User row holds the minimum (docs/RULES.md 2.8): department, name, work email, employee number,
sworn/civilian, rank, role flags, active flag and credentials. Nothing on it records activity:
no last-login, no counters, no updated_at.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.tenants.credentials import CredentialsMixin
from wnwa.tenants.names import ascii_lower
from wnwa.tenants.scoping import GlobalModel, TenantScoped

DEPARTMENT_STATUSES = ("onboarding", "active", "left")


class Department(GlobalModel, db.Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    slug: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    county: Mapped[str] = mapped_column(String(100), nullable=False)
    state: Mapped[str] = mapped_column(String(2), nullable=False)
    sworn_declared: Mapped[int] = mapped_column(Integer, nullable=False)
    joined_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<Department {self.slug}>"


def _key(source: str, length: int, doc: str):
    """A search key the database computes from `source` (wnwa.tenants.names): A-Z lowered,
    compared bytewise (the "C" collation on PostgreSQL, SQLite's default BINARY)."""
    return mapped_column(
        String(length).with_variant(String(length, collation="C"), "postgresql"),
        Computed(ascii_lower(column(source))),
        doc=doc,
    )


def display_name(first_name: str, last_name: str) -> str:
    """How a member's name is shown, from the account or from its two columns."""
    return f"{first_name} {last_name}"


class User(TenantScoped, CredentialsMixin, db.Model):
    """A department member: sworn officer or civilian, with optional chief/finance roles."""

    __tablename__ = "user_account"
    __table_args__ = (
        UniqueConstraint("department_id", "employee_number", name="uq_user_dept_employee"),
        # The chief's roster in name order, a page at a time (active rides along, so skipping
        # to a page number reads this index alone).
        Index(
            "ix_user_account_roster_name", "department_id", "last_key", "first_key", "id", "active"
        ),
        # Counting the people on the roster and the sworn officers among them.
        Index("ix_user_account_roster_count", "department_id", "active", "sworn"),
        # A word that starts a first name, or an employee number (wnwa.tenants.names).
        Index(
            "ix_user_account_roster_first", "department_id", "first_key", "last_key", "id", "active"
        ),
        Index("ix_user_account_roster_number", "department_id", "number_key", "id", "active"),
    )

    __officer_data__ = "Your account"

    id: Mapped[int] = mapped_column(primary_key=True, doc="An internal number for the account.")
    email: Mapped[str] = mapped_column(
        String(254), nullable=False, unique=True, doc="Work email: sign-in name and invitations."
    )
    employee_number: Mapped[str] = mapped_column(
        String(40), nullable=False, doc="Employee or badge number, from the department's roster."
    )
    first_name: Mapped[str] = mapped_column(String(100), nullable=False, doc="First name.")
    last_name: Mapped[str] = mapped_column(String(100), nullable=False, doc="Last name.")
    rank: Mapped[str] = mapped_column(String(100), nullable=False, default="", doc="Rank.")
    sworn: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, doc="Sworn officer or civilian."
    )
    is_chief: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, doc="Manages the department's roster."
    )
    is_finance: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, doc="Handles the department's membership fee."
    )
    active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, doc="Still on the roster (false after leaving)."
    )
    last_key: Mapped[str] = _key(
        "last_name", 100, "Your last name in lower case, to sort and search your roster."
    )
    first_key: Mapped[str] = _key(
        "first_name", 100, "Your first name in lower case, to search your roster."
    )
    number_key: Mapped[str] = _key(
        "employee_number", 40, "Your employee number in lower case, to search your roster."
    )
    department: Mapped[Department] = relationship(lazy="joined", innerjoin=True)

    kind = "u"

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name)

    @property
    def roles(self) -> frozenset[str]:
        roles = {"officer"}
        if self.is_chief:
            roles.add("chief")
        if self.is_finance:
            roles.add("department_finance")
        return frozenset(roles)

    @property
    def mfa_required(self) -> bool:
        return self.is_chief or self.is_finance

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class ScimIdentity(TenantScoped, db.Model):
    """How the department's identity provider (Okta, Entra) names a person it provisions."""

    __tablename__ = "scim_identity"
    __table_args__ = (
        UniqueConstraint("department_id", "user_name", name="uq_scim_identity_user_name"),
        UniqueConstraint("department_id", "external_id", name="uq_scim_identity_external_id"),
    )
    __officer_data__ = "Your department's sign-on link (only if it provisions through SCIM)"

    id: Mapped[int] = mapped_column(primary_key=True, doc="An internal number.")
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
        doc="Whose link it is.",
    )
    user_name: Mapped[str] = mapped_column(
        String(254), nullable=False, doc="Your user name in your department's directory."
    )
    external_id: Mapped[str | None] = mapped_column(
        String(254), nullable=True, doc="Your identifier in your department's directory."
    )


class ScimToken(TenantScoped, db.Model):
    """A department's bearer token for SCIM provisioning. Only its SHA-256 digest is kept."""

    __tablename__ = "scim_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    hint: Mapped[str] = mapped_column(String(12), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(300), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


__all__ = ["Department", "User", "ScimIdentity", "ScimToken", "DEPARTMENT_STATUSES"]
