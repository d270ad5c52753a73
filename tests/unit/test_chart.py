"""The terminal chart: sized to the width, both curves and the excess drawn, the drawdown marked; the sparkline."""

from __future__ import annotations

from jqcli.domain.results import Curve, max_drawdown
from jqcli.entrypoints.chart import BLOCKS, one_line, render_chart, resample, sparkline
from jqcli.entrypoints.render import display_width


def curve(days: int = 300) -> Curve:
    strategy = [i * 0.1 if i < 100 else 10 - (i - 100) * 0.05 if i < 200 else 5 + (i - 200) * 0.2 for i in range(days)]
    dates = tuple(f"2020-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}" for i in range(days))
    return Curve(dates, tuple(strategy), tuple(i * 0.03 for i in range(days)))


def test_resample_keeps_the_last_point_of_each_slice() -> None:
    assert resample([1, 2, 3, 4, 5, 6], 3) == [2, 4, 6]
    assert resample([1, 2], 10) == [1, 2]


def test_sparkline_spans_the_blocks_and_has_the_asked_width() -> None:
    line = sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)
    assert line == BLOCKS and sparkline([5, 5, 5], 3) == BLOCKS[3] * 3


def test_full_chart_fits_the_width_and_marks_the_drawdown() -> None:
    c = curve()
    period = max_drawdown(c.strategy)
    for width in (60, 100, 160):
        text = render_chart(c, period, width=width, height=12)
        lines = text.splitlines()
        assert max(display_width(line) for line in lines) <= width
        assert any("*" in line for line in lines) and any("." in line.split("|", 1)[-1] for line in lines)
        assert any("+" in line.split("|", 1)[-1] for line in lines if "|" in line)  # the excess panel
        band = next(line for line in lines if line.strip() and set(line.strip()) == {"^"})
        start = band.index("^") - (lines[1].index("|") + 1)
        assert start > 0  # the band starts at the peak, not at the first day
        assert f"最大回撤 {period.depth:.2f}%" in text and c.dates[period.peak] in text


def test_one_line_form_fits_narrow_widths() -> None:
    c = curve()
    for width in (40, 60, 80):
        line = one_line(c, max_drawdown(c.strategy), width)
        assert "\n" not in line and display_width(line) <= width and line.startswith("策略 ")


def test_empty_curve_says_so() -> None:
    empty = Curve((), (), ())
    assert "没有" in render_chart(empty, None, width=80) and "没有" in one_line(empty, None, 80)
