"""A class's days as people write them."""

from datetime import date

import pytest

from wnwa.training.classes import day_list


@pytest.mark.parametrize(
    ("days", "written"),
    [
        ([date(2027, 3, 5)], "March 5, 2027"),
        ([date(2027, 3, 9), date(2027, 3, 5), date(2027, 3, 6)], "March 5, 6 and 9, 2027"),
        ([date(2027, 3, 31), date(2027, 4, 1)], "March 31, April 1, 2027"),
        (
            [date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2)],
            "December 31, 2026; January 1 and 2, 2027",
        ),
    ],
)
def test_day_list(days, written):
    assert day_list(days) == written
