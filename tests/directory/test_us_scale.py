"""The US-scale seed's department sizes follow the published distribution."""

from __future__ import annotations

import random

from wnwa.directory.us_scale import LARGEST, _sizes


def test_department_sizes_look_like_the_us():
    sizes = _sizes(random.Random(2026), 18_000, 800_000, LARGEST)
    assert max(sizes) == LARGEST == 36_000
    assert abs(sum(sizes) - 800_000) < 8_000
    assert 0.45 < sum(1 for n in sizes if n < 10) / len(sizes) < 0.55  # about half under 10
    assert 24 <= sum(1 for n in sizes if n >= 1_000) <= 120  # a few dozen over 1,000
    assert sorted(sizes)[-2] < 15_000  # one agency far above the rest
    assert min(sizes) >= 1
