"""The dashboard's bar chart, drawn as SVG by the server: no script, no CDN."""

from dataclasses import dataclass
from datetime import date

from utils.counts import RowCount

WIDTH, HEIGHT = 600, 160
GAP = 2


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    count: RowCount


def chart_bars(*, per_day: list[tuple[date, RowCount]]) -> list[Bar]:
    """One bar per day, scaled to the highest; a bar of zero is drawn one unit high."""
    if not per_day:
        return []
    highest = max(count.value for _, count in per_day) or 1
    step = WIDTH / len(per_day)
    bars = []
    for index, (day, count) in enumerate(per_day):
        height = max(HEIGHT * count.value / highest, 1)
        bars.append(Bar(index * step, HEIGHT - height, step - GAP, height, day, count))
    return bars
