"""A horizontal bar chart drawn as inline SVG on the server: no chart library, no script, no
other origin. The template (billing/_bar_chart.html) only places the precomputed shapes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 360
ROW_HEIGHT = 44
BAR_HEIGHT = 16
LABEL_GAP = 18
VALUE_SPACE = 96
MARGIN = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    label_y: int
    bar_y: int
    width: int
    value_x: int
    value_y: int


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    bars: list[Bar]
    bar_height: int
    x: int


def bar_chart(title: str, rows: Sequence[tuple[str, int, str]]) -> BarChart:
    """``rows``: (label, value, formatted value); bars are scaled to the largest value."""
    largest = max((value for _, value, _ in rows), default=0)
    span = WIDTH - 2 * MARGIN - VALUE_SPACE
    bars = []
    for index, (label, value, shown) in enumerate(rows):
        top = MARGIN + index * ROW_HEIGHT
        width = 0 if largest <= 0 else max(2, round(span * value / largest)) if value > 0 else 0
        bars.append(
            Bar(
                label=label,
                value=shown,
                label_y=top + 12,
                bar_y=top + LABEL_GAP,
                width=width,
                value_x=MARGIN + width + 6,
                value_y=top + LABEL_GAP + BAR_HEIGHT - 3,
            )
        )
    height = 2 * MARGIN + max(1, len(rows)) * ROW_HEIGHT
    return BarChart(title, WIDTH, height, bars, BAR_HEIGHT, MARGIN)
