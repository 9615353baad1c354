"""Peer-supporter profiles (tenant-owned) and the cross-department directory read model.

`SupporterProfile` is the supporter's own record, in their department's tenant. The directory
search never reads it across departments: it reads `DirectoryEntry`, a network-wide copy that
holds only directory-safe columns and only for listings that may be shown (listed, account
active, department still a member, certification valid or about to be). `wnwa.directory.readmodel`
keeps the copy and its full-text index in step with every write.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db
from wnwa.tenants.scoping import GlobalModel, TenantScoped


class SupporterProfile(TenantScoped, db.Model):
    """A certified member's opt-in peer-supporter profile."""

    __tablename__ = "supporter_profile"
    __officer_data__ = "Peer-supporter profile (only if you create one)"

    id: Mapped[int] = mapped_column(primary_key=True, doc="An internal number for the profile.")
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
        doc="Whose profile it is.",
    )
    listed: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, doc="Whether you chose to appear in the directory."
    )
    display_name: Mapped[str] = mapped_column(
        String(120), nullable=False, doc="The name shown in the directory."
    )
    phone: Mapped[str] = mapped_column(
        String(20), nullable=False, doc="Phone number callers use (international format)."
    )
    accepts_texts: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, doc="Whether callers may text that number."
    )
    contact_email: Mapped[str] = mapped_column(
        String(254), nullable=False, default="", doc="Optional email shown in the directory."
    )
    years_of_service: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, doc="Years of service."
    )
    assignments: Mapped[str] = mapped_column(
        String(300), nullable=False, default="", doc="Assignment background you chose."
    )
    topics: Mapped[str] = mapped_column(
        String(400), nullable=False, default="", doc="Lived-experience topics you chose."
    )
    languages: Mapped[str] = mapped_column(
        String(200), nullable=False, default="en", doc="Languages you speak."
    )
    gender: Mapped[str] = mapped_column(
        String(20), nullable=False, default="", doc="Gender, if you chose to give it."
    )
    career: Mapped[str] = mapped_column(
        String(10), nullable=False, default="active", doc="Active duty or retired."
    )
    bio: Mapped[str] = mapped_column(
        Text, nullable=False, default="", doc="Your short introduction."
    )
    status: Mapped[str] = mapped_column(
        String(10), nullable=False, default="", doc="Your current availability (no history)."
    )
    status_until: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, doc="When your current availability ends by itself."
    )


class DirectoryEntry(GlobalModel, db.Model):
    """One visible listing in the cross-department directory: directory-safe columns only.

    `id` is a random number given when the listing appears, so that index order is a fixed
    shuffle: no supporter is always first by alphabet, and pages come straight off the index.
    """

    __tablename__ = "directory_entry"
    __officer_data__ = "Your directory listing (while listed: what other departments see)"
    __table_args__ = (
        Index("ix_directory_entry_search", "search", postgresql_using="gin"),
        # The listings marked available now, searched first by every query.
        Index(
            "ix_directory_entry_search_now",
            "search",
            postgresql_using="gin",
            postgresql_where=text("status = 'now'"),
            sqlite_where=text("status = 'now'"),
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=False,
        doc="A random number for the listing (it also sets its place in the shuffled order).",
    )
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("supporter_profile.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
        doc="Which profile the listing copies.",
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        doc="Your department (so its own officers can leave it out).",
    )
    department_name: Mapped[str] = mapped_column(
        String(200), nullable=False, doc="Your department's name."
    )
    county: Mapped[str] = mapped_column(
        String(100), nullable=False, doc="Your department's county."
    )
    state: Mapped[str] = mapped_column(String(2), nullable=False, doc="Your department's state.")
    display_name: Mapped[str] = mapped_column(
        String(120), nullable=False, doc="The name shown in the directory."
    )
    phone: Mapped[str] = mapped_column(String(20), nullable=False, doc="Phone number callers use.")
    accepts_texts: Mapped[bool] = mapped_column(
        Boolean, nullable=False, doc="Whether callers may text that number."
    )
    contact_email: Mapped[str] = mapped_column(
        String(254), nullable=False, doc="The optional email you chose to show."
    )
    years_of_service: Mapped[int] = mapped_column(Integer, nullable=False, doc="Years of service.")
    assignments: Mapped[str] = mapped_column(
        String(300), nullable=False, doc="Assignment background."
    )
    topics: Mapped[str] = mapped_column(String(400), nullable=False, doc="Lived-experience topics.")
    languages: Mapped[str] = mapped_column(String(200), nullable=False, doc="Languages.")
    gender: Mapped[str] = mapped_column(String(20), nullable=False, doc="Gender, if given.")
    career: Mapped[str] = mapped_column(String(10), nullable=False, doc="Active duty or retired.")
    bio: Mapped[str] = mapped_column(Text, nullable=False, doc="Your short introduction.")
    status: Mapped[str] = mapped_column(
        String(10), nullable=False, doc="Your current availability."
    )
    # Seconds since the epoch (UTC); the read side treats a past value as "no status".
    status_until: Mapped[int] = mapped_column(
        BigInteger, nullable=False, doc="When that availability ends by itself."
    )
    # Certification validity as proleptic ordinals (date.toordinal()): from <= today < until.
    cert_from: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="When your certification became valid."
    )
    cert_until: Mapped[int] = mapped_column(
        Integer, nullable=False, doc="When your certification must be renewed."
    )
    # PostgreSQL's full-text vector; SQLite keeps its index in the FTS5 table directory_fts.
    # Close spellings of names are found through DirectoryNameGram on both engines.
    search: Mapped[str | None] = mapped_column(
        TSVECTOR().with_variant(Text(), "sqlite"),
        nullable=True,
        doc="The search index built from the fields above.",
    )


class DirectoryNameGram(GlobalModel, db.Model):
    """The trigrams of a listing's name, one row each: close spellings ("jonhson", "garcai") are
    found by counting shared trigrams with the same SQL on both engines, so an officer's
    results never depend on the database the network runs."""

    __tablename__ = "directory_name_gram"
    __officer_data__ = "The letters of your directory name (while listed: for close spellings)"
    __table_args__ = (Index("ix_directory_name_gram_gram", "gram", "entry_id"),)

    entry_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("directory_entry.id", ondelete="CASCADE"),
        primary_key=True,
        doc="The listing whose name it is.",
    )
    gram: Mapped[str] = mapped_column(
        String(12), primary_key=True, doc="Three letters of the listed name."
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"),
        nullable=False,
        doc="The listing's department (only it writes these rows).",
    )


__all__ = ["DirectoryEntry", "DirectoryNameGram", "SupporterProfile"]
