import dataclasses
import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wnwa.tenants.quota import (
    DEFAULT_ANCHORS,
    Band,
    QuotaAnchors,
    QuotaState,
    band,
    grace_end,
    status,
)

REFERENCE = [
    # sworn, minimum, target
    (1, 1, 1),
    (10, 1, 1),
    (15, 2, 2),
    (25, 2, 3),
    (50, 4, 5),
    (51, 4, 6),
    (100, 6, 9),
    (500, 21, 31),
    (1000, 36, 53),
    (5000, 125, 185),
    (13000, 260, 390),
    (35000, 561, 848),
]

ON = date(2025, 6, 15)


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) - months
    return day.replace(year=index // 12, month=index % 12 + 1)


@pytest.mark.parametrize(("sworn", "minimum", "target"), REFERENCE)
def test_reference_table(sworn: int, minimum: int, target: int) -> None:
    result = band(sworn)
    assert (result.minimum, result.target) == (minimum, target)


def test_reference_formula_matches_derived_exponents() -> None:
    a = math.log(3.5) / math.log(260)
    b = math.log(10 / 3) / math.log(260)
    assert DEFAULT_ANCHORS.min_exponent == pytest.approx(a, rel=1e-12)
    assert DEFAULT_ANCHORS.target_exponent == pytest.approx(b, rel=1e-12)


def test_zero_sworn_has_zero_quota() -> None:
    result = band(0)
    assert (result.minimum, result.target) == (0, 0)


def test_small_department_rates_are_flat() -> None:
    for sworn in (1, 25, 50):
        result = band(sworn)
        assert result.min_rate == 0.07
        assert result.target_rate == 0.10


def test_large_anchor_gives_exact_rates() -> None:
    result = band(13_000)
    assert result.min_rate == pytest.approx(0.02, rel=1e-12)
    assert result.target_rate == pytest.approx(0.03, rel=1e-12)


def test_negative_sworn_rejected() -> None:
    with pytest.raises(ValueError, match="sworn"):
        band(-1)


def test_band_is_frozen() -> None:
    result = band(100)
    assert isinstance(result, Band)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.minimum = 0  # type: ignore[misc]


@given(st.integers(min_value=0, max_value=100_000))
def test_quota_never_decreases_as_sworn_grows(sworn: int) -> None:
    here, bigger = band(sworn), band(sworn + 1)
    assert bigger.minimum >= here.minimum
    assert bigger.target >= here.target


@given(st.integers(min_value=0, max_value=100_000))
def test_rate_never_increases_as_sworn_grows(sworn: int) -> None:
    here, bigger = band(sworn), band(sworn + 1)
    assert bigger.min_rate <= here.min_rate
    assert bigger.target_rate <= here.target_rate


@given(st.integers(min_value=0, max_value=100_000))
def test_minimum_never_exceeds_target(sworn: int) -> None:
    result = band(sworn)
    assert result.minimum <= result.target
    assert result.min_rate <= result.target_rate


@given(st.integers(min_value=1, max_value=100_000))
def test_any_department_needs_at_least_one(sworn: int) -> None:
    assert band(sworn).minimum >= 1


@pytest.mark.parametrize(
    ("joined", "expected"),
    [
        (date(2024, 1, 31), date(2025, 1, 31)),
        (date(2024, 2, 29), date(2025, 2, 28)),
        (date(2024, 3, 1), date(2025, 3, 1)),
        (date(2023, 3, 1), date(2024, 3, 1)),
        (date(2024, 12, 31), date(2025, 12, 31)),
    ],
)
def test_grace_end(joined: date, expected: date) -> None:
    assert grace_end(joined) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9000, 12, 31)))
def test_grace_end_is_about_a_year_later(joined: date) -> None:
    end = grace_end(joined)
    assert end.month == joined.month
    assert end.year == joined.year + 1
    assert 365 <= (end - joined).days <= 366


@pytest.mark.parametrize(
    ("months", "short_state", "days_left"),
    [
        (3, QuotaState.IN_GRACE, (date(2026, 3, 15) - ON).days),
        (11, QuotaState.IN_GRACE, 30),
        (12, QuotaState.NON_COMPLIANT, 0),
        (13, QuotaState.NON_COMPLIANT, 0),
    ],
)
def test_status_by_age(months: int, short_state: QuotaState, days_left: int) -> None:
    joined = months_before(ON, months)

    short = status(sworn=100, counted=4, joined=joined, on=ON)
    assert short.state is short_state
    assert (short.minimum, short.target) == (6, 9)
    assert short.shortfall == 2
    assert short.to_target == 5
    assert short.grace_ends == grace_end(joined)
    assert short.days_left == days_left

    enough = status(sworn=100, counted=7, joined=joined, on=ON)
    assert enough.state is QuotaState.COMPLIANT
    assert enough.shortfall == 0
    assert enough.to_target == 2
    assert enough.days_left == days_left


def test_grace_end_day_itself_is_non_compliant() -> None:
    joined = date(2024, 2, 29)
    ends = grace_end(joined)
    before = status(sworn=100, counted=5, joined=joined, on=ends - timedelta(days=1))
    assert before.state is QuotaState.IN_GRACE
    assert before.days_left == 1
    on_day = status(sworn=100, counted=5, joined=joined, on=ends)
    assert on_day.state is QuotaState.NON_COMPLIANT
    assert on_day.days_left == 0


def test_at_minimum_is_compliant_even_after_grace() -> None:
    result = status(sworn=100, counted=6, joined=date(2020, 1, 1), on=ON)
    assert result.state is QuotaState.COMPLIANT
    assert result.shortfall == 0
    assert result.to_target == 3


def test_at_target_has_nothing_to_go() -> None:
    result = status(sworn=100, counted=12, joined=date(2020, 1, 1), on=ON)
    assert (result.shortfall, result.to_target) == (0, 0)
    assert (result.sworn, result.counted) == (100, 12)


def test_zero_sworn_is_compliant_with_nobody() -> None:
    result = status(sworn=0, counted=0, joined=date(2020, 1, 1), on=ON)
    assert result.state is QuotaState.COMPLIANT


def test_negative_counted_rejected() -> None:
    with pytest.raises(ValueError, match="counted"):
        status(sworn=100, counted=-1, joined=ON, on=ON)


def test_state_values() -> None:
    assert [s.value for s in QuotaState] == ["compliant", "in_grace", "non_compliant"]
    assert QuotaState.IN_GRACE == "in_grace"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"large_min": 0}, "large_min"),
        ({"large_target": -0.01}, "large_target"),
        ({"small_min": 1.5, "small_target": 1.5}, "small_min"),
        ({"large_min": 0.08}, "large_min"),
        ({"small_min": 0.11}, "small_min <= small_target"),
        ({"large_min": 0.025, "large_target": 0.021}, "large_min <= large_target"),
        ({"small_size": 13_000}, "small_size < large_size"),
        ({"small_target": 0.25, "large_target": 0.02}, "target to slide no faster"),
        ({"small_size": 0}, "small_size"),
        ({"large_min": math.nan}, "large_min"),
        # percentages typed as fractions: 0.02 % at 13,000 would need fewer than 7 % at 50
        ({"large_min": 0.0002, "large_target": 0.0003}, "would fall as departments grow"),
    ],
)
def test_invalid_anchors_rejected(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        QuotaAnchors(**changes)  # type: ignore[arg-type]


def test_flat_anchors_are_allowed() -> None:
    anchors = QuotaAnchors(small_min=0.05, large_min=0.05, small_target=0.05, large_target=0.05)
    result = band(1000, anchors)
    assert result.min_rate == result.target_rate == 0.05
    assert (result.minimum, result.target) == (50, 50)


def test_custom_anchors_change_the_result() -> None:
    anchors = QuotaAnchors(small_min=0.08)
    assert band(50, anchors).min_rate == 0.08
    assert band(100, anchors).minimum == 7
    assert band(100).minimum == 6
    assert band(13_000, anchors).min_rate == pytest.approx(0.02, rel=1e-12)
    assert band(100, anchors).target == band(100).target


def test_custom_anchors_flow_into_status() -> None:
    anchors = QuotaAnchors(small_min=0.08)
    result = status(sworn=100, counted=6, joined=date(2020, 1, 1), on=ON, anchors=anchors)
    assert result.state is QuotaState.NON_COMPLIANT
    assert result.shortfall == 1


@st.composite
def anchors(draw) -> QuotaAnchors:
    large_min = draw(st.floats(min_value=0.005, max_value=0.05))
    large_target = draw(st.floats(min_value=large_min, max_value=0.08))
    small_min = draw(st.floats(min_value=large_min, max_value=0.15))
    # the target slides no faster than the minimum: small_target/large_target <= small_min/large_min
    floor = max(small_min, large_target)
    ceiling = max(floor, min(1.0, large_target * small_min / large_min))
    small_target = draw(st.floats(min_value=floor, max_value=ceiling))
    return QuotaAnchors(
        small_min=small_min,
        small_target=small_target,
        large_min=large_min,
        large_target=large_target,
    )


@given(anchors(), st.integers(min_value=0, max_value=60_000))
def test_tuned_anchors_keep_the_shape(tuned: QuotaAnchors, sworn: int) -> None:
    here, bigger = band(sworn, tuned), band(sworn + 1, tuned)
    assert bigger.minimum >= here.minimum and bigger.target >= here.target
    assert bigger.min_rate <= here.min_rate and bigger.target_rate <= here.target_rate
    assert here.minimum <= here.target
    if sworn >= 1:
        assert here.minimum >= 1


@given(
    st.integers(min_value=0, max_value=50_000),
    st.integers(min_value=0, max_value=3_000),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    st.integers(min_value=-800, max_value=800),
)
def test_status_is_consistent(sworn: int, counted: int, joined: date, offset: int) -> None:
    on = joined + timedelta(days=offset)
    result = status(sworn=sworn, counted=counted, joined=joined, on=on)
    assert result.shortfall == max(0, result.minimum - counted)
    assert (result.state is QuotaState.COMPLIANT) == (result.shortfall == 0)
    if result.shortfall:
        in_grace = on < grace_end(joined)
        assert result.state is (QuotaState.IN_GRACE if in_grace else QuotaState.NON_COMPLIANT)
    assert result.days_left == max(0, (grace_end(joined) - on).days)


def test_target_sliding_faster_than_minimum_is_refused() -> None:
    """Otherwise the minimum would overtake the target above the large anchor."""
    with pytest.raises(ValueError, match="overtake the target above 13000 sworn"):
        QuotaAnchors(small_min=0.05, small_target=0.25, large_min=0.05, large_target=0.05)
    same_slope = QuotaAnchors(small_min=0.07, small_target=0.105, large_min=0.02, large_target=0.03)
    for sworn in (13_000, 20_000, 100_000):
        assert band(sworn, same_slope).minimum <= band(sworn, same_slope).target
