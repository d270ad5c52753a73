"""Dates for backtests (architecture §5).

The site refuses end dates after the previous trading day (「结束时间不能大于
前一个交易日」), so ``backtest run`` defaults ``--end`` to the previous
weekday.  Exchange holidays are not known offline: on the day after a holiday
the site may still refuse, and the refusal becomes a usage_error with a hint.
"""

from __future__ import annotations

import datetime

from jqcli.domain.errors import UsageError


def previous_weekday(today: datetime.date) -> datetime.date:
    """The last Monday–Friday strictly before ``today``."""
    day = today - datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def default_end(today: datetime.date) -> str:
    """The default ``--end``: the previous weekday, ``YYYY-MM-DD``."""
    return previous_weekday(today).isoformat()


def check_range(start: str, end: str) -> None:
    """``start`` ≤ ``end`` (both ``YYYY-MM-DD``)."""
    if start > end:
        raise UsageError(f"开始日期 {start} 晚于结束日期 {end}", details={"start": start, "end": end})
