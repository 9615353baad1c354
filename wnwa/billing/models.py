"""Billing tables: pricing tiers (with history), contracts and the invoice mirror, the webhook
event log and the sync cursor.

Contracts and invoices belong to a department (TenantScoped, row-level security on PostgreSQL).
The contract is the source of truth for the commitment (term, tier, amount); Stripe's state
(subscription period and status, invoices) is mirrored here so finance screens work when
Stripe is slow or down. Money is integer cents; every amount is in ``currency`` (usd).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint, and_, or_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wnwa.dbtypes import UTCDateTime
from wnwa.extensions import db, utcnow
from wnwa.tenants.models import Department
from wnwa.tenants.scoping import GlobalModel, TenantScoped

CONTRACT_STATUSES = ("draft", "active", "renewal_due", "cancellation_requested", "ended")
OPEN_CONTRACT_STATUSES = ("draft", "active", "renewal_due", "cancellation_requested")
PAY_BY = ("invoice", "card")


class PricingTier(GlobalModel, db.Model):
    """One row of a tier table. The table in force on a date is every row sharing the latest
    ``valid_from`` on or before that date; a change is a new table with a later
    ``valid_from`` (earlier tables are kept as history)."""

    __tablename__ = "pricing_tier"
    __table_args__ = (UniqueConstraint("valid_from", "lower_sworn", name="uq_pricing_tier_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    lower_sworn: Mapped[int] = mapped_column(Integer, nullable=False)
    upper_sworn: Mapped[int | None] = mapped_column(Integer, nullable=True)
    annual_cents: Mapped[int] = mapped_column(Integer, nullable=False)
    label: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(300), nullable=False, default="system")


class Contract(TenantScoped, db.Model):
    """A department's membership contract: 3-year commitment, then yearly renewals."""

    __tablename__ = "billing_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(30), nullable=False, default="draft")
    term_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    commitment_years: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    renewal_years: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    # Pricing of the current billing year (locked for the whole commitment).
    tier_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    tier_label: Mapped[str | None] = mapped_column(String(80), nullable=True)
    sworn_at_pricing: Mapped[int | None] = mapped_column(Integer, nullable=True)
    priced_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    tiers_valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    annual_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="usd")

    # The next renewal, re-tiered by the renewal run (renewal phase only).
    renewal_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    renewal_tier_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    renewal_tier_label: Mapped[str | None] = mapped_column(String(80), nullable=True)
    renewal_sworn: Mapped[int | None] = mapped_column(Integer, nullable=True)
    renewal_priced_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    renewal_tiers_valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    renewal_annual_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)

    pay_by: Mapped[str] = mapped_column(String(10), nullable=False, default="invoice")
    net_days: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    po_number: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    billing_contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    billing_email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    card_on_file: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    exception_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    exception_recorded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    exception_recorded_by: Mapped[str | None] = mapped_column(String(300), nullable=True)

    cancellation_requested_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    # Mirror of the Stripe side.
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(
        String(64), nullable=True, unique=True
    )
    stripe_plan_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    subscription_status: Mapped[str | None] = mapped_column(String(30), nullable=True)
    current_period_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    current_period_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined", innerjoin=True)

    @property
    def has_exception(self) -> bool:
        return bool(self.exception_reason)


def period_last_day(start: date, end: date) -> date:
    """An invoice's period as the processor gives it ends where the next one starts (a year
    from Dec 7 ends on Dec 7): the last day it covers is the day before."""
    return max(start, end - timedelta(days=1))


class Invoice(TenantScoped, db.Model):
    """The local mirror of one Stripe invoice of a contract."""

    __tablename__ = "billing_invoice"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("billing_contract.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    stripe_invoice_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    amount_due_cents: Mapped[int] = mapped_column(Integer, nullable=False)
    amount_paid_cents: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="usd")
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    hosted_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    pdf_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    payment_failed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    overdue_notified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    payment_note: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # What the invoice was issued with: a later change to the contract's tier (a re-tiering at
    # renewal), PO number or billing contact applies to the next invoice, never to one already
    # sent (copied while in draft).
    tier_label: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    po_number: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    billing_contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    billing_email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    contract: Mapped[Contract] = relationship(lazy="joined", innerjoin=True)

    @property
    def last_day(self) -> date:
        """The last day the invoice covers (shown as "Dec 7, 2026 to Dec 6, 2027")."""
        return period_last_day(self.period_start, self.period_end)

    @hybrid_method
    def late(self, today: date) -> bool:
        """Overdue: open and past its due date or, for a card invoice (due on receipt, so no
        due date), its payment declined. The one rule for a department's billing page and the
        network's overdue list; on the class, the same rule as SQL."""
        if self.status != "open":
            return False
        if self.due_date is None:
            return self.payment_failed_on is not None
        return self.due_date < today

    @late.inplace.expression
    @classmethod
    def _late_expression(cls, today: date):
        return and_(
            cls.status == "open",
            or_(
                cls.due_date < today,
                and_(cls.due_date.is_(None), cls.payment_failed_on.is_not(None)),
            ),
        )


class StripeEvent(GlobalModel, db.Model):
    """A webhook event already applied: a redelivery with the same id changes nothing."""

    __tablename__ = "billing_stripe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class BillingSync(GlobalModel, db.Model):
    """Where reconciliation left off, and whether Stripe answered last time we asked."""

    __tablename__ = "billing_sync"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    cursor: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_failure: Mapped[str] = mapped_column(String(300), nullable=False, default="")


__all__ = [
    "BillingSync",
    "CONTRACT_STATUSES",
    "Contract",
    "Invoice",
    "OPEN_CONTRACT_STATUSES",
    "PAY_BY",
    "PricingTier",
    "StripeEvent",
]
