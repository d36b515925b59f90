"""Geometry for the dashboard's SVG charts, drawn by templates/analytics/_charts.html.

Charts are plain server-rendered SVG: no JavaScript, no inline styles (colours come from CSS
classes in app.css, positions from SVG attributes). Each chart has a title for screen readers and
stands beside a table with the same numbers, so the chart is never the only way to read them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH = 400  # viewBox units; the SVG scales to its column
LABEL_WIDTH = 136
VALUE_WIDTH = 56
BAR_HEIGHT = 12
BAR_GAP = 3
ROW_GAP = 12
TOP = 6


@dataclass
class Chart:
    width: int
    height: int
    bars: list[dict] = field(default_factory=list)
    texts: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(rows: Sequence[tuple[str, Sequence[float | None]]], series_classes: Sequence[str],
              fmt: Callable[[float | None], str], maximum: float | None = None) -> Chart:
    """Horizontal bars: one group per row, one bar per series (e.g. this period, the one before).
    `rows` is [(label, [value per series])]; a None value draws no bar and shows "–"."""
    values = [v for _label, vals in rows for v in vals if v is not None]
    top = maximum if maximum is not None else max(values + [0])
    top = top or 1
    group = len(series_classes) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    chart = Chart(WIDTH, TOP * 2 + len(rows) * (group + ROW_GAP))
    for index, (label, vals) in enumerate(rows):
        y0 = TOP + index * (group + ROW_GAP)
        chart.texts.append({"x": LABEL_WIDTH - 6, "y": y0 + group / 2 + 4, "text": _short(label),
                            "anchor": "end", "cls": "an-label"})
        for number, (value, cls) in enumerate(zip(vals, series_classes, strict=True)):
            y = y0 + number * (BAR_HEIGHT + BAR_GAP)
            length = 0 if value is None else max(0.0, min(1.0, value / top)) * plot
            if length:
                chart.bars.append({"x": LABEL_WIDTH, "y": y, "w": round(length, 1), "h": BAR_HEIGHT, "cls": cls})
            chart.texts.append({"x": LABEL_WIDTH + length + 4, "y": y + BAR_HEIGHT - 2, "text": fmt(value),
                                "anchor": "start", "cls": "an-value"})
    chart.lines.append({"x1": LABEL_WIDTH, "y1": TOP / 2, "x2": LABEL_WIDTH, "y2": chart.height - TOP / 2,
                        "cls": "an-axis"})
    return chart


def score_columns(points: Sequence[tuple[str, float | None]], fmt: Callable[[float | None], str],
                  low: float = -100, high: float = 100) -> Chart:
    """Columns from a zero line, for values from `low` to `high` (the NPS per month). A month
    without answers has no column and a dash. Labels thin out when there are many columns."""
    plot_top, plot_height, label_band = 16, 150, 34
    chart = Chart(WIDTH, plot_top + plot_height + label_band)
    left, right = 30, 6
    step = (WIDTH - left - right) / max(1, len(points))
    zero_y = plot_top + plot_height * high / (high - low)
    every = max(1, -(-len(points) // 12))
    for value, y in ((high, plot_top), (0, zero_y), (low, plot_top + plot_height)):
        chart.texts.append({"x": left - 4, "y": y + 3, "text": fmt(value), "anchor": "end", "cls": "an-tick"})
        chart.lines.append({"x1": left, "y1": y, "x2": WIDTH - right, "y2": y,
                            "cls": "an-axis" if value == 0 else "an-grid"})
    for index, (label, value) in enumerate(points):
        x = left + index * step
        width = max(2.0, step * 0.7)
        cx = x + step / 2
        if value is not None:
            height = abs(value) / (high - low) * plot_height
            y = zero_y - height if value >= 0 else zero_y
            chart.bars.append({"x": round(cx - width / 2, 1), "y": round(y, 1), "w": round(width, 1),
                               "h": round(max(height, 1.0), 1), "cls": "an-cur" if value >= 0 else "an-neg"})
        if len(points) <= 13:  # a value over each column (the table has them all anyway)
            height = 0 if value is None else abs(value) / (high - low) * plot_height
            y = zero_y - height - 3 if value is None or value >= 0 else zero_y + height + 10
            chart.texts.append({"x": round(cx, 1), "y": round(y, 1), "text": fmt(value), "anchor": "middle",
                                "cls": "an-value"})
        if index % every == 0:
            chart.texts.append({"x": round(cx, 1), "y": plot_top + plot_height + 28, "text": label,
                                "anchor": "middle", "cls": "an-tick"})
    return chart
