from datetime import UTC, date, datetime

import pytest

from wnwa.billing.terms import (
    DEFAULT_TIERS,
    Tier,
    add_years,
    billing_periods,
    can_cancel,
    cancellation_effective,
    commitment_end,
    current_term_end,
    notice_opens_on,
    tier_for,
    validate_tiers,
)


def test_add_years_keeps_the_day_and_clamps_feb_29():
    assert add_years(date(2025, 3, 15), 3) == date(2028, 3, 15)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2024, 2, 29), -1) == date(2023, 2, 28)


@pytest.mark.parametrize(
    ("sworn", "lower"),
    [
        (0, 1),
        (1, 1),
        (10, 1),
        (11, 11),
        (25, 11),
        (26, 26),
        (50, 26),
        (51, 51),
        (100, 51),
        (101, 101),
        (250, 101),
        (251, 251),
        (500, 251),
        (501, 501),
        (1_000, 501),
        (1_001, 1_001),
        (5_000, 1_001),
        (5_001, 5_001),
        (40_000, 5_001),
    ],
)
def test_tier_boundaries_are_inclusive(sworn, lower):
    assert tier_for(sworn, DEFAULT_TIERS).lower == lower


def test_default_tiers_are_valid_and_monotone():
    ordered = validate_tiers(DEFAULT_TIERS)
    amounts = [t.annual_cents for t in ordered]
    assert amounts == sorted(amounts) and len(set(amounts)) == len(amounts)
    assert amounts[0] == 150_000 and amounts[-1] == 6_000_000
    assert ordered[-1].upper is None
    assert ordered[6].label == "501-1,000 sworn officers"
    assert len({t.key for t in ordered}) == len(ordered)


def test_tiers_may_be_given_in_any_order():
    assert tier_for(26, list(reversed(DEFAULT_TIERS))).lower == 26


def test_negative_sworn_count_is_refused():
    with pytest.raises(ValueError, match="cannot be negative"):
        tier_for(-1, DEFAULT_TIERS)


def _t(lower, upper, cents=100_000):
    return Tier(lower, upper, cents, f"{lower}-{upper}")


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([], "empty"),
        ([_t(1, 10), _t(12, None)], r"11-11 are not covered: there is a gap"),
        ([_t(1, 10), _t(10, None)], r"overlap on sworn counts 10-10"),
        ([_t(1, 20), _t(11, 25), _t(26, None)], r"overlap on sworn counts 11-20"),
        ([_t(5, 10), _t(11, None)], r"1-4 are not covered"),
        ([_t(1, 10), _t(11, 20)], r"above 20 are not covered"),
        ([_t(1, None), _t(11, None)], "only the last tier can be open-ended"),
        ([_t(1, 10), _t(20, 11), _t(21, None)], "upper bound is below the lower bound"),
        ([_t(1, 10, -1), _t(11, None)], "amount cannot be negative"),
        ([Tier(1, None, 100, " ")], "label is empty"),
    ],
)
def test_invalid_tier_tables_are_refused_with_a_clear_message(tiers, message):
    with pytest.raises(ValueError, match=message):
        validate_tiers(tiers)
    if tiers:
        with pytest.raises(ValueError, match=message):
            tier_for(15, tiers)


def test_a_first_tier_starting_at_zero_is_accepted():
    assert tier_for(0, [_t(0, 10), _t(11, None)]).lower == 0


START = date(2026, 7, 1)


def test_commitment_end_is_three_years_by_default():
    assert commitment_end(START) == date(2029, 7, 1)
    assert commitment_end(START, 1) == date(2027, 7, 1)
    with pytest.raises(ValueError, match="at least one year"):
        commitment_end(START, 0)


def test_the_commitment_is_billed_in_three_annual_periods_in_advance():
    expected = [
        (date(2026, 7, 1), date(2027, 7, 1)),
        (date(2027, 7, 1), date(2028, 7, 1)),
        (date(2028, 7, 1), date(2029, 7, 1)),
    ]
    assert billing_periods(START, 3, date(2026, 1, 1)) == expected
    assert billing_periods(START, 3, START) == expected
    assert billing_periods(START, 3, date(2029, 6, 30)) == expected


def test_renewal_years_are_added_one_at_a_time():
    assert billing_periods(START, 3, date(2029, 7, 1))[-1] == (date(2029, 7, 1), date(2030, 7, 1))
    periods = billing_periods(START, 3, date(2031, 12, 31))
    assert len(periods) == 6
    assert periods[-1] == (date(2031, 7, 1), date(2032, 7, 1))
    assert all(a[1] == b[0] for a, b in zip(periods, periods[1:], strict=False))


def test_a_feb_29_start_renews_on_feb_28_and_back_on_feb_29_in_leap_years():
    start = date(2024, 2, 29)
    periods = billing_periods(start, 3, date(2028, 3, 1))
    assert [p[0] for p in periods] == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]
    assert billing_periods(start, 3, date(2028, 2, 28))[-1] == (
        date(2027, 2, 28),
        date(2028, 2, 29),
    )
    assert commitment_end(start) == date(2027, 2, 28)
    assert current_term_end(start, 3, date(2027, 2, 27)) == date(2027, 2, 28)
    assert current_term_end(start, 3, date(2027, 2, 28)) == date(2028, 2, 29)


def test_current_term_end_is_the_commitment_end_then_each_renewal_year_end():
    assert current_term_end(START, 3, START) == date(2029, 7, 1)
    assert current_term_end(START, 3, date(2029, 6, 30)) == date(2029, 7, 1)
    assert current_term_end(START, 3, date(2029, 7, 1)) == date(2030, 7, 1)
    assert current_term_end(START, 3, date(2031, 3, 1)) == date(2031, 7, 1)


def test_notice_is_refused_before_the_final_commitment_year_without_an_exception():
    for on in (START, date(2027, 8, 1), date(2028, 6, 30)):
        assert not can_cancel(START, 3, on, has_exception=False)
    assert notice_opens_on(START, 3, has_exception=False) == date(2028, 7, 1)
    for on in (date(2028, 7, 1), date(2029, 6, 30), date(2029, 7, 1), date(2030, 1, 15)):
        assert can_cancel(START, 3, on, has_exception=False)


def test_notice_in_the_final_commitment_year_ends_the_membership_at_the_commitment_end():
    for on in (date(2028, 7, 1), date(2029, 6, 30)):
        assert cancellation_effective(START, 3, on) == commitment_end(START) == date(2029, 7, 1)


def test_cancellation_is_allowed_inside_the_commitment_with_an_exception():
    assert notice_opens_on(START, 3, has_exception=True) == START
    for on in (START, date(2027, 8, 1), date(2029, 6, 30)):
        assert can_cancel(START, 3, on, has_exception=True)


def test_cancellation_takes_effect_at_the_end_of_the_current_term():
    assert cancellation_effective(START, 3, date(2027, 8, 1)) == date(2029, 7, 1)
    assert cancellation_effective(START, 3, date(2029, 7, 1)) == date(2030, 7, 1)
    assert cancellation_effective(START, 3, date(2030, 1, 15)) == date(2030, 7, 1)


def test_with_an_exception_the_commitment_is_one_year():
    assert cancellation_effective(START, 3, date(2026, 9, 1), has_exception=True) == date(
        2027, 7, 1
    )
    assert cancellation_effective(START, 3, date(2027, 8, 1), has_exception=True) == date(
        2028, 7, 1
    )
    assert cancellation_effective(START, 1, date(2026, 9, 1)) == date(2027, 7, 1)


def test_a_renewal_a_day_before_the_commitment_end_is_the_commitment_end():
    """Started 2026-03-10 05:30 UTC (Mar 10 in Chicago, daylight time): in 2029 the same moment
    is Mar 9 in Chicago (standard time), yet that renewal ends the commitment."""
    from wnwa.billing.renewals import locked_for_commitment
    from wnwa.billing.stripe_gateway import _day

    start = _day(int(datetime(2026, 3, 10, 5, 30, tzinfo=UTC).timestamp()))
    renews = _day(int(datetime(2029, 3, 10, 5, 30, tzinfo=UTC).timestamp()))
    assert (start, renews) == (date(2026, 3, 10), date(2029, 3, 9))
    end = add_years(start, 3)
    assert not locked_for_commitment(renews, end)
    assert locked_for_commitment(add_years(start, 2), end)
