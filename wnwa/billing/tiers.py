"""Pricing tiers with history, and the public quote.

A tier table applies from its ``valid_from`` date until a later table starts; contracts
signed (activated) or renewed on a date are priced with the table in force on that date, and
keep that price for the billing year (for the whole commitment at signing). Tables already
in force are history and never change; a table starting today or later can be replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import attrgetter
from typing import Any

from sqlalchemy import delete, func, or_, select

from wnwa import audit
from wnwa.billing.models import Contract, PricingTier
from wnwa.billing.terms import Tier, make_tier, tier_for, validate_tiers
from wnwa.errors import Conflict, InvalidInput
from wnwa.extensions import db
from wnwa.tenants.quota import SWORN_MESSAGE, sworn_count
from wnwa.us_states import day_words

MAX_ANNUAL_CENTS = 100_000_000  # $1,000,000 a year


@dataclass(frozen=True)
class TierTable:
    valid_from: date
    tiers: list[Tier]
    created_by: str = ""


@dataclass(frozen=True)
class Quote:
    sworn: int
    tier: Tier
    valid_from: date

    @property
    def annual_cents(self) -> int:
        return self.tier.annual_cents


@dataclass(frozen=True)
class TierInput:
    """One row of the tier editor: upper None means "and above"."""

    lower: int
    upper: int | None
    annual_cents: int


def _tables(*criteria: Any) -> list[TierTable]:
    """The tier tables whose rows match ``criteria``, earliest start first, in one query."""
    rows = db.session.scalars(
        select(PricingTier)
        .where(*criteria)
        .order_by(PricingTier.valid_from, PricingTier.lower_sworn)
    ).all()
    tables = []
    for start, grouped in groupby(rows, key=attrgetter("valid_from")):
        table_rows = list(grouped)
        tiers = [Tier(r.lower_sworn, r.upper_sworn, r.annual_cents, r.label) for r in table_rows]
        created_by = table_rows[0].created_by
        tables.append(TierTable(valid_from=start, tiers=tiers, created_by=created_by))
    return tables


def tier_table_on(on: date) -> TierTable | None:
    """The tier table in force on ``on`` (None if no table had started by then)."""
    return tier_book(on).table_on(on)


def _no_table(on: date) -> Conflict:
    return Conflict(f"No pricing tier table is in force on {day_words(on)}.")


def require_tier_table(on: date) -> TierTable:
    table = tier_table_on(on)
    if table is None:
        raise _no_table(on)
    return table


@dataclass(frozen=True)
class TierBook:
    """The tier tables starting on or before a date, read in one query, for a run that prices
    many contracts (each on its own date) without a query per contract."""

    tables: list[TierTable]  # earliest start first

    def table_on(self, on: date) -> TierTable | None:
        found = None
        for table in self.tables:
            if table.valid_from > on:
                break
            found = table
        return found

    def price(self, sworn: int, on: date) -> Quote:
        table = self.table_on(on)
        if table is None:
            raise _no_table(on)
        return _quote(sworn, table)


def tier_book(until: date) -> TierBook:
    """Every tier table starting on or before ``until``."""
    return TierBook(_tables(PricingTier.valid_from <= until))


def tier_history() -> list[TierTable]:
    """Every tier table, the latest start first (future tables included)."""
    return _tables()[::-1]


def _quote(sworn: int, table: TierTable) -> Quote:
    return Quote(sworn=sworn, tier=tier_for(sworn, table.tiers), valid_from=table.valid_from)


def price(sworn: int, on: date) -> Quote:
    return _quote(sworn, require_tier_table(on))


def quote(raw_sworn: str | None, on: date) -> Quote:
    """The public calculator: a sworn count as typed -> its tier and annual fee."""
    sworn = sworn_count(raw_sworn)
    if sworn is None:
        raise InvalidInput(SWORN_MESSAGE)
    return price(sworn, on)


def save_tier_table(
    rows: Sequence[TierInput], *, valid_from: date, today: date, actor: Any
) -> TierTable:
    """Publish a tier table starting on ``valid_from`` (today or later).

    A table already starting on that date is replaced while no contract has been priced with
    it (one starting later always; one starting today until a contract is started or renewed
    with it); a table that priced a contract is history and stays as it was.
    """
    if valid_from < today:
        raise InvalidInput(
            "A tier table can start today or later; tables already in force are history."
        )
    if any(r.annual_cents <= 0 for r in rows):
        raise InvalidInput("Every tier needs an annual amount above zero.")
    if any(r.annual_cents > MAX_ANNUAL_CENTS for r in rows):
        raise InvalidInput("An annual amount cannot exceed $1,000,000.")
    try:
        tiers = validate_tiers([make_tier(r.lower, r.upper, r.annual_cents) for r in rows])
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    priced = db.session.scalar(
        select(func.count(Contract.id))
        .where(
            or_(
                Contract.tiers_valid_from == valid_from,
                Contract.renewal_tiers_valid_from == valid_from,
            )
        )
        .execution_options(unscoped=True)  # unscoped: any department's contract counts
    )
    if priced:
        raise InvalidInput(
            f"The table from {day_words(valid_from)} has already priced {priced} contract"
            f"{'' if priced == 1 else 's'}, so it is history now. Publish the new table from "
            "a later day."
        )
    replaced = db.session.execute(
        delete(PricingTier).where(PricingTier.valid_from == valid_from)
    ).rowcount
    label = audit.actor_label(actor)
    for tier in tiers:
        db.session.add(
            PricingTier(
                valid_from=valid_from,
                lower_sworn=tier.lower,
                upper_sworn=tier.upper,
                annual_cents=tier.annual_cents,
                label=tier.label,
                created_by=label,
            )
        )
    audit.record(
        actor,
        "billing.tiers_published",
        subject=f"tier table from {day_words(valid_from)}",
        details={
            "valid_from": valid_from.isoformat(),
            "replaced": bool(replaced),
            "tiers": [[t.lower, t.upper, t.annual_cents] for t in tiers],
        },
    )
    db.session.commit()
    return TierTable(valid_from=valid_from, tiers=tiers, created_by=label)
