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

from typing import List, Optional, Sequence

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


def one_line(curve, period, width: int) -> str:  # type: ignore[no-untyped-def]
    """``策略 ▁▃▅▇ +12.30% 基准 +4.00% 超额 +8.00% 回撤 -3.10%`` in at most ``width`` columns."""
    if not len(curve):
        return "(没有收益曲线数据)"
    tail = (
        f" {pct(curve.strategy[-1])} 基准 {pct(curve.benchmark[-1])} 超额 {pct(curve.excess[-1])}"
        f" 回撤 {pct(period.depth if period else 0.0)}"
    )
    from jqcli.entrypoints.render import display_width

    room = max(4, width - display_width("策略 " + tail))
    return f"策略 {sparkline(curve.strategy, room)}{tail}"


def _scale(low: float, high: float, height: int):  # type: ignore[no-untyped-def]
    span = (high - low) or 1.0

    def row_of(value: float) -> int:
        return max(0, min(height - 1, int(round((high - value) / span * (height - 1)))))

    return row_of


def _panel(series: Sequence[Sequence[float]], marks: str, height: int, width: int) -> List[str]:
    """Rows of a plot of ``series`` (one mark each, ``#`` where two meet) with a y axis on the left."""
    points = [resample(s, width) for s in series]
    flat = [v for p in points for v in p] + [0.0]
    low, high = min(flat), max(flat)
    row_of = _scale(low, high, height)
    grid = [[" "] * len(points[0]) for _ in range(height)]
    zero = row_of(0.0)
    for col in range(len(points[0])):
        if grid[zero][col] == " ":
            grid[zero][col] = "-"
    for mark, p in zip(marks, points):
        for col, value in enumerate(p):
            row = row_of(value)
            cell = grid[row][col]
            grid[row][col] = mark if cell in (" ", "-") else ("#" if cell != mark else mark)
    labels = [f"{high - (high - low) * r / max(1, height - 1):+.1f}%" for r in range(height)]
    label_w = max(len(x) for x in labels)
    return [f"{labels[r]:>{label_w}} |{''.join(grid[r])}" for r in range(height)]


def render_chart(curve, period, *, width: int, height: int = 14) -> str:  # type: ignore[no-untyped-def]
    if not len(curve):
        return "(没有收益曲线数据)"
    label_w = 10
    plot_w = max(10, width - label_w - 2)
    plot_w = min(plot_w, max(len(curve), 10))
    lines = ["累计收益  * 策略  . 基准  # 重合"]
    lines += _panel([curve.strategy, curve.benchmark], "*.", height, plot_w)
    pad = lines[-1].index("|")
    count = len(curve)
    columns = len(resample(curve.strategy, plot_w))
    if period is not None:
        first = (period.peak * columns) // max(1, count)
        last = max(first, (period.trough * columns) // max(1, count))
        band = " " * first + "^" * (last - first + 1)
        lines.append(" " * pad + " " + band)
        end = curve.dates[period.recovered] if period.recovered is not None else "未修复"
        lines.append(
            f"{' ' * pad} ^ 最大回撤 {period.depth:.2f}%: {curve.dates[period.peak]} → {curve.dates[period.trough]}"
            f"(修复: {end})"
        )
    lines.append("超额收益  + (a+100)/(b+100)*100-100")
    excess = _panel([curve.excess], "+", max(3, height // 3), plot_w)
    lines += [line.rjust(len(line) + pad - line.index("|")) for line in excess]
    axis = curve.dates[0] + curve.dates[-1].rjust(max(0, columns - len(curve.dates[0])))
    lines.append(" " * pad + " " + axis)
    lines.append(
        f"{' ' * pad} 策略 {pct(curve.strategy[-1])}  基准 {pct(curve.benchmark[-1])}  超额 {pct(curve.excess[-1])}"
        f"  {count} 个交易日"
    )
    return "\n".join(line.rstrip() for line in lines)
