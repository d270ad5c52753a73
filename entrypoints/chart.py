"""The terminal chart of ``backtest chart``: strategy and benchmark curves, excess return, drawdown.

Plain text, no chart library (the whole chart is ~150 lines of resampling into a character grid, and
a library would cost startup time and a dependency for no better picture in a terminal).  Widths are
in terminal columns; every glyph used is one column wide.

* ``render_chart``: a plot of both cumulative returns (``*`` strategy, ``.`` benchmark, ``#`` where they
  meet) with a y axis in percent, an excess-return panel (``+`` above zero, ``-`` below), a ``^``
  band under the maximum drawdown from its peak to its trough, and the first/last dates;
* ``sparkline``: the one-line form for narrow terminals and pipes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, List, Optional, Sequence

if TYPE_CHECKING:
    from jqcli.domain.results import Curve, DrawdownPeriod

BLOCKS = "▁▂▃▄▅▆▇█"
MIN_FULL_WIDTH = 60  # narrower terminals get the sparkline


def resample(values: Sequence[float], width: int) -> List[float]:
    """``width`` points: each column the value at the end of its slice of days (all points if fewer)."""
    count = len(values)
    if count <= width:
        return list(values)
    return [values[min(count - 1, ((col + 1) * count) // width - 1)] for col in range(width)]


def sparkline(values: Sequence[float], width: int) -> str:
    points = resample(values, max(1, width))
    if not points:
        return ""
    low, high = min(points), max(points)
    span = high - low
    if span <= 0:
        return BLOCKS[3] * len(points)
    return "".join(BLOCKS[min(len(BLOCKS) - 1, int((v - low) / span * (len(BLOCKS) - 1) + 0.5))] for v in points)


def pct(value: Optional[float]) -> str:
    return "--" if value is None else f"{value:+.2f}%"


def one_line(curve: Curve, period: Optional[DrawdownPeriod], width: int) -> str:
    """``策略 ▁▃▅▇ +12.30% 基准 +4.00% 超额 +8.00% 回撤 -3.10%`` in at most ``width`` columns.

    Narrower widths drop the drawdown, then the benchmark and excess, before the sparkline gets shorter
    than 8 columns.
    """
    from jqcli.entrypoints.render import display_width

    if not len(curve):
        return "(没有收益曲线数据)"
    fields = [
        f" {pct(curve.strategy[-1])}",
        f" 基准 {pct(curve.benchmark[-1])} 超额 {pct(curve.excess[-1])}",
        f" 回撤 {pct(period.depth if period else 0.0)}",
    ]
    for keep in (3, 2, 1):
        tail = "".join(fields[:keep])
        room = width - display_width("策略 " + tail)
        if room >= 8 or keep == 1:
            return f"策略 {sparkline(curve.strategy, max(1, room))}{tail}"
    raise AssertionError("unreachable")


def _scale(low: float, high: float, height: int) -> Callable[[float], int]:
    span = (high - low) or 1.0

    def row_of(value: float) -> int:
        return max(0, min(height - 1, int(round((high - value) / span * (height - 1)))))

    return row_of


LABEL = 8  # "+1234.5%": the y axis labels' width; a plot row is LABEL + " |" + the plot


def _panel(series: Sequence[Sequence[float]], marks: str, height: int, width: int) -> List[str]:
    """Rows of a plot of ``series`` (one mark each, ``#`` where two meet) with a y axis on the left."""
    points = [resample(s, width) for s in series]
    flat = [v for p in points for v in p] + [0.0]
    low, high = min(flat), max(flat)
    row_of = _scale(low, high, height)
    grid = [[" "] * len(points[0]) for _ in range(height)]
    zero = row_of(0.0)
    for col in range(len(points[0])):
        grid[zero][col] = "-"
    for mark, p in zip(marks, points):
        for col, value in enumerate(p):
            row = row_of(value)
            cell = grid[row][col]
            grid[row][col] = mark if cell in (" ", "-", mark) else "#"
    labels = [f"{high - (high - low) * r / max(1, height - 1):+.1f}%"[:LABEL] for r in range(height)]
    return [f"{labels[r]:>{LABEL}} |{''.join(grid[r])}" for r in range(height)]


def _wrap(parts: Sequence[str], width: int, indent: int) -> List[str]:
    """Text lines under the plot: ``parts`` packed into lines of at most ``width`` columns."""
    from jqcli.entrypoints.render import display_width

    lines: List[str] = []
    line = ""
    for part in parts:
        candidate = f"{line}  {part}" if line else " " * indent + part
        if line and display_width(candidate) > width:
            lines.append(line)
            candidate = " " * indent + part
        line = candidate
    if line:
        lines.append(line)
    return lines


def render_chart(curve: Curve, period: Optional[DrawdownPeriod], *, width: int, height: int = 14) -> str:
    if not len(curve):
        return "(没有收益曲线数据)"
    pad = LABEL + 2
    plot_w = min(max(10, width - pad), max(len(curve), 10))
    lines = _wrap(["累计收益", "* 策略", ". 基准", "# 重合"], width, 0)
    lines += _panel([curve.strategy, curve.benchmark], "*.", height, plot_w)
    count = len(curve)
    columns = len(resample(curve.strategy, plot_w))
    if period is not None:
        first = (period.peak * columns) // max(1, count)
        last = max(first, (period.trough * columns) // max(1, count))
        lines.append(" " * pad + " " * first + "^" * (last - first + 1))
        end = curve.dates[period.recovered] if period.recovered is not None else "未修复"
        parts = [f"^ 最大回撤 {period.depth:.2f}%", f"{curve.dates[period.peak]} → {curve.dates[period.trough]}"]
        lines += _wrap([*parts, f"修复: {end}"], width, pad)
    lines += _wrap(["超额收益", "+ (a+100)/(b+100)*100-100"], width, 0)
    lines += _panel([curve.excess], "+", max(3, height // 3), plot_w)
    first_day, last_day = curve.dates[0], curve.dates[-1]
    gap = columns - len(first_day) - len(last_day)
    lines.append(" " * pad + (first_day + " " * gap + last_day if gap > 0 else first_day))
    summary = [f"策略 {pct(curve.strategy[-1])}", f"基准 {pct(curve.benchmark[-1])}", f"超额 {pct(curve.excess[-1])}"]
    lines += _wrap([*summary, f"{count} 个交易日"], width, pad)
    return "\n".join(line.rstrip() for line in lines)
