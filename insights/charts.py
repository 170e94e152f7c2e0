"""Server-rendered SVG charts: a heat map, horizontal bars and a line across stages.

Each builder takes plain numbers and returns a chart as geometry (dataclasses) that a
template under templates/insights/charts/ draws. Nothing here queries or formats HTML, so
tests check the numbers and the shapes directly. Every chart carries a title and a
description for screen readers, and every mark a <title> with its exact value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Sizes in SVG user units; the SVG scales to its container's width (viewBox).
LABEL_WIDTH = 150
CELL_HEIGHT = 26
BAR_HEIGHT = 22
ROW_GAP = 6
HEAT_COLOURS = ("#f4f7f9", "#d6e9f5", "#a9d0ea", "#6aaed6", "#2f7fb8", "#12578f")
NEGATIVE = "#c8553d"
POSITIVE = "#3f8f5b"
NEUTRAL = "#8a99a6"


@dataclass(frozen=True)
class HeatCell:
    x: float
    y: float
    width: float
    height: float
    value: int
    fill: str
    dark: bool  # the value is written in white on dark cells
    title: str

    @property
    def text_x(self) -> float:
        return self.x + self.width - 6

    @property
    def text_y(self) -> float:
        return self.y + self.height / 2 + 4


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class HeatMap:
    title: str
    description: str
    width: float
    height: float
    columns: tuple[Label, ...]
    rows: tuple[Label, ...]
    cells: tuple[HeatCell, ...]
    maximum: int


def heat_map(
    *,
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[int]],
    unit: str = "quotes",
) -> HeatMap:
    """Rows × columns of counts; darker is more. `values[row][column]`."""
    columns = max(len(column_labels), 1)
    cell_width = max(56.0, min(110.0, 640 / columns))
    top = 34.0
    maximum = max((v for row in values for v in row), default=0)
    cells: list[HeatCell] = []
    for r, (row_label, row) in enumerate(zip(row_labels, values, strict=True)):
        for c, (column_label, value) in enumerate(zip(column_labels, row, strict=True)):
            level = 0 if not value or not maximum else 1 + round(4 * value / maximum)
            cells.append(
                HeatCell(
                    x=LABEL_WIDTH + c * cell_width,
                    y=top + r * CELL_HEIGHT,
                    width=cell_width - 2,
                    height=CELL_HEIGHT - 2,
                    value=value,
                    fill=HEAT_COLOURS[min(level, len(HEAT_COLOURS) - 1)],
                    dark=level >= 4,
                    title=f"{row_label} at {column_label}: {value} {unit}",
                )
            )
    return HeatMap(
        title=title,
        description=(
            f"{len(row_labels)} rows by {len(column_labels)} columns; "
            f"the largest count is {maximum} {unit}."
        ),
        width=LABEL_WIDTH + columns * cell_width + 4,
        height=top + len(row_labels) * CELL_HEIGHT + 4,
        columns=tuple(
            Label(LABEL_WIDTH + c * cell_width + cell_width / 2, 22, _short(text, 14))
            for c, text in enumerate(column_labels)
        ),
        rows=tuple(
            Label(LABEL_WIDTH - 8, top + r * CELL_HEIGHT + CELL_HEIGHT / 2 + 4, _short(text, 28))
            for r, text in enumerate(row_labels)
        ),
        cells=tuple(cells),
        maximum=maximum,
    )


@dataclass(frozen=True)
class Bar:
    label: Label
    x: float
    y: float
    width: float
    height: float
    fill: str
    value_label: Label
    title: str


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    width: float
    height: float
    axis_x: float  # where zero is
    bars: tuple[Bar, ...]


def bar_chart(
    *,
    title: str,
    items: Sequence[tuple[str, float, str]],
    unit: str = "",
    diverging: bool = False,
    limit: float | None = None,
    width: float = 640,
) -> BarChart:
    """Horizontal bars of (label, value, shown value). Diverging bars grow left for negatives.

    `limit` fixes the scale (e.g. 2 for sentiment from −2 to +2); otherwise the largest
    absolute value fills the plot.
    """
    plot = width - LABEL_WIDTH - 70
    largest = limit or max((abs(v) for _l, v, _s in items), default=0) or 1
    zero = LABEL_WIDTH + (plot / 2 if diverging else 0)
    scale = (plot / 2 if diverging else plot) / largest
    bars = []
    for index, (label, value, shown) in enumerate(items):
        y = 8 + index * (BAR_HEIGHT + ROW_GAP)
        length = abs(value) * scale
        x = zero - length if value < 0 else zero
        fill = (
            (NEGATIVE if value < 0 else POSITIVE if value > 0 else NEUTRAL)
            if diverging
            else ("#2f7fb8")
        )
        bars.append(
            Bar(
                label=Label(LABEL_WIDTH - 8, y + BAR_HEIGHT / 2 + 4, _short(label, 28)),
                x=x,
                y=y,
                width=max(length, 1.5),
                height=BAR_HEIGHT,
                fill=fill,
                value_label=Label(
                    (x + length + 6) if value >= 0 else (x - 6),
                    y + BAR_HEIGHT / 2 + 4,
                    shown,
                ),
                title=f"{label}: {shown}{(' ' + unit) if unit else ''}",
            )
        )
    return BarChart(
        title=title,
        description=f"{len(items)} bars" + (f", values in {unit}" if unit else "") + ".",
        width=width,
        height=16 + len(items) * (BAR_HEIGHT + ROW_GAP),
        axis_x=zero,
        bars=tuple(bars),
    )


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: Label  # the stage under the axis
    value_label: Label
    title: str
    has_value: bool


@dataclass(frozen=True)
class LineChart:
    title: str
    description: str
    width: float
    height: float
    zero_y: float
    path: str  # SVG path through the points that have a value
    points: tuple[Point, ...]


def emotion_curve(
    *, title: str, stages: Sequence[tuple[str, float | None, int]], width: float = 720
) -> LineChart:
    """Mean sentiment (−2..+2) per stage, left to right; a stage without quotes is a gap.

    `stages` holds (stage name, mean sentiment or None, number of quotes behind it).
    """
    height, top, bottom = 190.0, 20.0, 150.0
    step = (width - 80) / max(len(stages) - 1, 1)
    zero_y = (top + bottom) / 2

    def y_of(value: float) -> float:
        return zero_y - value * (bottom - top) / 4

    points = []
    for index, (name, mean, count) in enumerate(stages):
        x = 40 + index * step
        y = y_of(mean) if mean is not None else zero_y
        shown = _signed(mean) if mean is not None else "no quotes"
        points.append(
            Point(
                x=x,
                y=y,
                label=Label(x, height - 12, _short(name, 16)),
                value_label=Label(x, y - 10, shown if mean is not None else ""),
                title=f"{name}: mean sentiment {shown} ({count} quote{'s' if count != 1 else ''})",
                has_value=mean is not None,
            )
        )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}"
        for i, p in enumerate(p for p in points if p.has_value)
    )
    return LineChart(
        title=title,
        description="Mean sentiment of coded quotes per journey stage, from −2 to +2.",
        width=width,
        height=height,
        zero_y=zero_y,
        path=path,
        points=tuple(points),
    )


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _signed(value: float) -> str:
    """+0.4, -1.2, and 0.0 for anything that rounds to zero (never "-0.0" or "+0.0")."""
    rounded = round(value, 1)
    return f"{rounded:+.1f}" if rounded else "0.0"
