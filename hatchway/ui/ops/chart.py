"""Small server-rendered SVG charts: geometry computed here, drawn by a Jinja template.

No JavaScript and nothing from a CDN: the page carries the chart as inline SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hatchway.ui.ops.timeline import CategorySeries

__all__ = ["Chart", "Dot", "Tick", "automation_chart", "error_chart", "line_chart"]

WIDTH, HEIGHT = 360, 110
LEFT, RIGHT, TOP, BOTTOM = 38, 8, 8, 20


@dataclass(frozen=True)
class Dot:
    """A data point with its tooltip."""

    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Tick:
    """An axis label at a position."""

    at: float
    text: str
    anchor: str = "middle"  # SVG text-anchor: the first and last labels stay inside the box


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw one chart."""

    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    path: str  # SVG path of the line, with gaps where a day has no data
    dots: list[Dot]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    target_y: float | None
    target_label: str
    summary: str  # for screen readers and the <title>


def line_chart(
    days: Sequence[str],
    values: Sequence[float | None],
    labels: Sequence[str],
    *,
    top_value: float,
    target: float | None = None,
    summary: str,
) -> Chart:
    """A line over ``days`` (0 at the bottom, ``top_value`` at the top); None leaves a gap."""
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    step = (right - LEFT) / max(1, len(days) - 1)

    def y_of(value: float) -> float:
        return round(bottom - (min(value, top_value) / top_value) * (bottom - TOP), 1)

    dots, parts, drawing = [], [], False
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        if value is None:
            drawing = False
            continue
        x, y = round(LEFT + index * step, 1), y_of(value)
        parts.append(f"{'L' if drawing else 'M'}{x} {y}")
        dots.append(Dot(x, y, label))
        drawing = True
    y_ticks = [Tick(y_of(v), _percent(v)) for v in (0.0, top_value / 2, top_value)]
    marks = sorted({0, len(days) // 2, len(days) - 1}) if days else []
    anchors = {0: "start", len(days) - 1: "end"}
    x_ticks = [
        Tick(round(LEFT + i * step, 1), days[i][5:], anchors.get(i, "middle")) for i in marks
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        path=" ".join(parts),
        dots=dots,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        target_y=None if target is None else y_of(target),
        target_label="" if target is None else f"target {_percent(target)}",
        summary=summary,
    )


def _percent(value: float) -> str:
    text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def automation_chart(series: CategorySeries) -> Chart:
    """The share of drafted mail sent automatically, per day (0–100%)."""
    days = [p.day for p in series.points]
    values = [p.automation_rate for p in series.points]
    labels = [f"{p.day}: {p.auto} of {p.drafted} sent automatically" for p in series.points]
    overall = series.automation_rate
    summary = (
        f"{series.category}: {_percent(overall)} of {series.drafted} drafts sent automatically"
        if overall is not None
        else f"{series.category}: nothing drafted in this period"
    )
    return line_chart(days, values, labels, top_value=1.0, summary=summary)


def error_chart(series: CategorySeries) -> Chart:
    """The audited error of auto-sent replies, per day, against the category's target."""
    days = [p.day for p in series.points]
    values = [p.error_rate for p in series.points]
    labels = [
        f"{p.day}: {p.errors} of {p.audited} audited would have changed" for p in series.points
    ]
    observed = max((v for v in values if v is not None), default=0.0)
    top = min(1.0, max(series.target * 5, observed, 0.02))
    overall = series.error_rate
    summary = (
        f"{series.category}: audited error {_percent(overall)} over {series.audited} audits"
        if overall is not None
        else f"{series.category}: no audited auto-sends in this period"
    )
    return line_chart(days, values, labels, top_value=top, target=series.target, summary=summary)
