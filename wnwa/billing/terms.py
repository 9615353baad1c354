"""Membership terms: pricing tiers by sworn count and the contract's billing calendar.

Pure date and integer arithmetic; no I/O, no Stripe. A contract starts on ``start``, commits
for ``commitment_years`` (3, or 1 when network finance recorded an exception), is billed
annually in advance and then renews one year at a time. Billing periods are half-open:
``(period_start, period_end)`` where ``period_end`` is the next period's start (the renewal
date), as Stripe reports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

COMMITMENT_YEARS = 3
EXCEPTION_COMMITMENT_YEARS = 1


def add_years(d: date, n: int) -> date:
    """``d`` moved by ``n`` years; Feb 29 becomes Feb 28 in a non-leap target year."""
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return d.replace(year=d.year + n, day=28)


@dataclass(frozen=True)
class Tier:
    """Sworn counts ``lower``..``upper`` inclusive (``upper=None``: no upper bound)."""

    lower: int
    upper: int | None
    annual_cents: int
    label: str

    @property
    def key(self) -> str:
        return f"sworn-{self.lower}-{'up' if self.upper is None else self.upper}"

    def contains(self, sworn: int) -> bool:
        return self.lower <= sworn and (self.upper is None or sworn <= self.upper)


def _bounds(tier: Tier) -> str:
    return f"{tier.lower:,}+" if tier.upper is None else f"{tier.lower:,}-{tier.upper:,}"


def validate_tiers(tiers: Sequence[Tier]) -> list[Tier]:
    """Return the tiers sorted by ``lower``; raise ValueError naming the first problem.

    The tiers must start at 1 (sworn 0 is billed in the first tier; a first tier starting at
    0 is accepted too), follow each other without gap or overlap, and end with exactly one
    open-ended tier. Amounts are non-negative whole cents.
    """
    if not tiers:
        raise ValueError("The tier table is empty: add at least one tier.")
    ordered = sorted(tiers, key=lambda t: t.lower)
    for tier in ordered:
        if tier.lower < 0:
            raise ValueError(f"Tier {_bounds(tier)}: the lower bound cannot be negative.")
        if tier.upper is not None and tier.upper < tier.lower:
            raise ValueError(
                f"Tier {tier.lower:,}-{tier.upper:,}: the upper bound is below the lower bound."
            )
        if tier.annual_cents < 0:
            raise ValueError(f"Tier {_bounds(tier)}: the annual amount cannot be negative.")
        if not tier.label.strip():
            raise ValueError(f"Tier {_bounds(tier)}: the label is empty.")
    if ordered[0].lower > 1:
        raise ValueError(
            f"Sworn counts 1-{ordered[0].lower - 1:,} are not covered: "
            "the first tier must start at 1."
        )
    for previous, current in zip(ordered, ordered[1:], strict=False):
        if previous.upper is None:
            raise ValueError(
                f"Tiers {_bounds(previous)} and {_bounds(current)} overlap: "
                "only the last tier can be open-ended."
            )
        if current.lower <= previous.upper:
            raise ValueError(
                f"Tiers {_bounds(previous)} and {_bounds(current)} overlap on sworn counts "
                f"{current.lower:,}-{min(previous.upper, current.upper or previous.upper):,}."
            )
        if current.lower > previous.upper + 1:
            raise ValueError(
                f"Sworn counts {previous.upper + 1:,}-{current.lower - 1:,} are not covered: "
                f"there is a gap between tiers {_bounds(previous)} and {_bounds(current)}."
            )
    if ordered[-1].upper is not None:
        raise ValueError(
            f"Sworn counts above {ordered[-1].upper:,} are not covered: "
            "the last tier must be open-ended."
        )
    return ordered


def tier_for(sworn: int, tiers: Sequence[Tier]) -> Tier:
    """The tier billing a department of ``sworn`` officers (0 counts in the first tier)."""
    if sworn < 0:
        raise ValueError(f"The sworn count cannot be negative (got {sworn}).")
    ordered = validate_tiers(tiers)
    if sworn < ordered[0].lower:
        return ordered[0]
    return next(t for t in ordered if t.contains(sworn))


def make_tier(lower: int, upper: int | None, annual_cents: int) -> Tier:
    """A tier labelled by its bounds, e.g. "26-50 sworn officers" or "5,001+ sworn officers"."""
    bounds = f"{lower:,}+" if upper is None else f"{lower:,}-{upper:,}"
    return Tier(lower, upper, annual_cents, f"{bounds} sworn officers")


def _tier(lower: int, upper: int | None, dollars: int) -> Tier:
    return make_tier(lower, upper, dollars * 100)


DEFAULT_TIERS: tuple[Tier, ...] = (
    _tier(1, 10, 1_500),
    _tier(11, 25, 3_000),
    _tier(26, 50, 5_000),
    _tier(51, 100, 8_000),
    _tier(101, 250, 12_500),
    _tier(251, 500, 20_000),
    _tier(501, 1_000, 30_000),
    _tier(1_001, 5_000, 45_000),
    _tier(5_001, None, 60_000),
)


def commitment_end(start: date, years: int = COMMITMENT_YEARS) -> date:
    _check_years(years)
    return add_years(start, years)


def effective_commitment_years(commitment_years: int, has_exception: bool) -> int:
    return EXCEPTION_COMMITMENT_YEARS if has_exception else commitment_years


def _period_index(start: date, on: date) -> int:
    """Index of the annual period containing ``on`` (-1 before the start)."""
    if on < start:
        return -1
    k = on.year - start.year
    return k if add_years(start, k) <= on else k - 1


def billing_periods(start: date, commitment_years: int, on: date) -> list[tuple[date, date]]:
    """Annual periods invoiced by ``on``: every commitment period (billed in advance), then
    one per renewal year up to the period containing ``on``."""
    _check_years(commitment_years)
    count = max(commitment_years, _period_index(start, on) + 1)
    return [(add_years(start, k), add_years(start, k + 1)) for k in range(count)]


def current_term_end(start: date, commitment_years: int, on: date) -> date:
    """The commitment end while inside the commitment, else the current renewal year's end."""
    end = commitment_end(start, commitment_years)
    if on < end:
        return end
    return add_years(start, _period_index(start, on) + 1)


def notice_opens_on(start: date, commitment_years: int, has_exception: bool) -> date:
    """The first day a notice of non-renewal is accepted: the start of the final year of the
    (effective) commitment. With an exception (a 1-year initial term) that is the start."""
    years = effective_commitment_years(commitment_years, has_exception)
    _check_years(years)
    return add_years(start, years - 1)


def can_cancel(start: date, commitment_years: int, on: date, has_exception: bool) -> bool:
    """Whether a notice of non-renewal may be recorded on ``on``.

    The department is billed one year at a time, and a notice takes effect at the end of the
    current term (``cancellation_effective``). A notice is therefore accepted only once the
    remaining commitment is the current billing year: from the start of the final commitment
    year (effective at the commitment end), and at any time in the renewal phase (effective at
    the end of that renewal year). An earlier notice would end the membership before the
    commitment ends and is refused, unless network finance recorded an exception, which makes
    the initial term one year (so notice may be given at any time).
    """
    return on >= notice_opens_on(start, commitment_years, has_exception)


def cancellation_effective(
    start: date, commitment_years: int, on: date, *, has_exception: bool = False
) -> date:
    """The date a cancellation recorded on ``on`` takes effect: the end of the current term."""
    years = effective_commitment_years(commitment_years, has_exception)
    return current_term_end(start, years, on)


def _check_years(years: int) -> None:
    if years < 1:
        raise ValueError(f"A commitment lasts at least one year (got {years}).")
