"""Peer-supporter quota for a department, from its count of sworn officers.

Civilians never count towards ``sworn``. Below ``small_size`` sworn officers the
required share is flat; above it the share decays as a power law that passes
exactly through the large-department anchors at ``large_size``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

_EPSILON = 1e-9


@dataclass(frozen=True)
class QuotaAnchors:
    small_min: float = 0.07
    small_target: float = 0.10
    large_min: float = 0.02
    large_target: float = 0.03
    small_size: int = 50
    large_size: int = 13_000

    def __post_init__(self) -> None:
        for name, large, small in (
            ("min", self.large_min, self.small_min),
            ("target", self.large_target, self.small_target),
        ):
            if not 0 < large <= small <= 1:
                raise ValueError(
                    f"quota anchors need 0 < large_{name} <= small_{name} <= 1, "
                    f"got large_{name}={large!r}, small_{name}={small!r}"
                )
        if self.small_min > self.small_target:
            raise ValueError(
                f"quota anchors need small_min <= small_target, "
                f"got {self.small_min!r} > {self.small_target!r}"
            )
        if self.large_min > self.large_target:
            raise ValueError(
                f"quota anchors need large_min <= large_target, "
                f"got {self.large_min!r} > {self.large_target!r}"
            )
        if self.small_target * self.large_min > self.small_min * self.large_target * (1 + 1e-12):
            raise ValueError(
                "quota anchors need the target to slide no faster than the minimum "
                "(small_target/large_target <= small_min/large_min), or the minimum would "
                f"overtake the target above {self.large_size} sworn; got "
                f"{self.small_target!r}/{self.large_target!r} > "
                f"{self.small_min!r}/{self.large_min!r}"
            )
        if not 1 <= self.small_size < self.large_size:
            raise ValueError(
                f"quota anchors need 1 <= small_size < large_size, "
                f"got small_size={self.small_size!r}, large_size={self.large_size!r}"
            )
        # N * share(N) grows with N only while the share falls more slowly than N rises: the
        # shares may shrink at most by large_size / small_size (260 times) between the anchors.
        spread = self.large_size / self.small_size
        for name, large, small in (
            ("min", self.large_min, self.small_min),
            ("target", self.large_target, self.small_target),
        ):
            if small > large * spread * (1 + 1e-12):
                raise ValueError(
                    f"quota anchors need small_{name} / large_{name} <= {spread:g}, or the "
                    f"count required would fall as departments grow; got {small!r} / {large!r}"
                )

    @property
    def min_exponent(self) -> float:
        return math.log(self.small_min / self.large_min) / self._size_log

    @property
    def target_exponent(self) -> float:
        return math.log(self.small_target / self.large_target) / self._size_log

    @property
    def _size_log(self) -> float:
        return math.log(self.large_size / self.small_size)


DEFAULT_ANCHORS = QuotaAnchors()


@dataclass(frozen=True)
class Band:
    minimum: int
    target: int
    min_rate: float
    target_rate: float


def _rate(sworn: int, small_rate: float, exponent: float, small_size: int) -> float:
    if sworn <= small_size:
        return small_rate
    return small_rate * (sworn / small_size) ** -exponent


def _headcount(sworn: int, rate: float) -> int:
    if sworn == 0:
        return 0
    return max(1, math.ceil(sworn * rate - _EPSILON))


def band(sworn: int, anchors: QuotaAnchors = DEFAULT_ANCHORS) -> Band:
    """Minimum and target number of peer supporters for ``sworn`` officers."""
    if sworn < 0:
        raise ValueError(f"sworn must not be negative, got {sworn!r}")
    min_rate = _rate(sworn, anchors.small_min, anchors.min_exponent, anchors.small_size)
    target_rate = _rate(sworn, anchors.small_target, anchors.target_exponent, anchors.small_size)
    return Band(
        minimum=_headcount(sworn, min_rate),
        target=_headcount(sworn, target_rate),
        min_rate=min_rate,
        target_rate=target_rate,
    )


def grace_end(joined: date) -> date:
    """Same calendar day twelve months after ``joined``; Feb 29 becomes Feb 28."""
    year = joined.year + 1
    if joined.month == 2 and joined.day == 29:
        return date(year, 2, 28)
    return joined.replace(year=year)


class QuotaState(StrEnum):
    COMPLIANT = "compliant"
    IN_GRACE = "in_grace"
    NON_COMPLIANT = "non_compliant"


@dataclass(frozen=True)
class QuotaStatus:
    state: QuotaState
    sworn: int
    counted: int
    minimum: int
    target: int
    shortfall: int
    to_target: int
    grace_ends: date
    days_left: int


def status(
    *,
    sworn: int,
    counted: int,
    joined: date,
    on: date,
    anchors: QuotaAnchors = DEFAULT_ANCHORS,
) -> QuotaStatus:
    """Quota standing on date ``on`` for a department that joined on ``joined``."""
    if counted < 0:
        raise ValueError(f"counted must not be negative, got {counted!r}")
    quota = band(sworn, anchors)
    ends = grace_end(joined)
    if counted >= quota.minimum:
        state = QuotaState.COMPLIANT
    elif on < ends:
        state = QuotaState.IN_GRACE
    else:
        state = QuotaState.NON_COMPLIANT
    return QuotaStatus(
        state=state,
        sworn=sworn,
        counted=counted,
        minimum=quota.minimum,
        target=quota.target,
        shortfall=max(0, quota.minimum - counted),
        to_target=max(0, quota.target - counted),
        grace_ends=ends,
        days_left=max(0, (ends - on).days),
    )


MAX_SWORN = 100_000  # more than twice the largest US agency
SWORN_MESSAGE = f"Enter a whole number of sworn officers from 1 to {MAX_SWORN:,}, e.g. 42."


def sworn_count(raw: str | None) -> int | None:
    """A sworn strength as a visitor types it ("1,200", " 42 "), or None if it is not one
    from 1 to MAX_SWORN. The one reading for every calculator and form that asks for it."""
    text = (raw or "").strip().replace(",", "")
    if not text.isascii() or not text.isdecimal():
        return None
    sworn = int(text)
    return sworn if 1 <= sworn <= MAX_SWORN else None
