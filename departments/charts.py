"""Bar charts for the city view, drawn on the server (no script, no external library).

Each chart is an HTML list: the label is text (so it wraps, scales with 长辈版 and reads
in any width), the bar an inline SVG sized in per cent of the largest row. The bars are
hidden from assistive technology: the table printed under every chart carries the same
numbers (DESIGN §10).
"""

from __future__ import annotations

from dataclasses import dataclass

from credit_portal.statistics import Series

# One colour per column: GOV.UK blue, then orange (both meet 3:1 against white).
COLOURS = ("#1d70b8", "#f47738", "#00703c")


@dataclass(frozen=True)
class Segment:
    value: int
    start: float  # per cent of the chart's width
    width: float
    colour: str


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[int, ...]
    total: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Chart:
    series: Series
    bars: tuple[Bar, ...]
    legend: tuple[tuple[str, str], ...]  # (column, colour); empty for one column

    @property
    def empty(self) -> bool:
        return not any(bar.total for bar in self.bars)


def chart(series: Series) -> Chart:
    """Stacked horizontal bars, the longest row filling the width."""
    largest = max((sum(values) for _label, values in series.rows), default=0) or 1
    bars = []
    for label, values in series.rows:
        segments, start = [], 0.0
        for index, value in enumerate(values):
            width = round(100 * value / largest, 2)
            if value:
                segments.append(Segment(value, start, width, COLOURS[index % len(COLOURS)]))
            start += width
        bars.append(Bar(label, values, sum(values), tuple(segments)))
    legend = () if len(series.columns) == 1 else tuple(
        (column, COLOURS[i % len(COLOURS)]) for i, column in enumerate(series.columns)
    )
    return Chart(series, tuple(bars), legend)
