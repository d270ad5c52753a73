"""argparse value types with Chinese messages (fast path: stdlib only).

Every numeric type is bounded: a value argparse accepts can be used as is (no
overflow in ``time.sleep``, SQLite or ``range``), and a value outside the range
is a usage error that names the range.  ``nan``, ``inf`` and ``1e308`` are
refused like any other out-of-range number.
"""

from __future__ import annotations

import argparse
import math
import re
from typing import Callable

_DATE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")

MAX_COUNT = 1_000_000_000  # limits, pages, offsets, workers, retries, …
MAX_SECONDS = 1_000_000_000.0  # waits and sleeps (time.sleep overflows far above this)
MAX_AMOUNT = 1e12  # money (initial capital)
MAX_TIMEOUT = 3600.0  # --timeout: one request


def _shown(text: str) -> str:
    """The rejected text for a message: quoted, control characters escaped, long values cut."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def int_range(low: int, high: int, *, what: str = "整数") -> Callable[[str], int]:
    """An argparse type for integers in ``[low, high]``."""

    def parse(text: str) -> int:
        message = f"应为 {low} 到 {high} 之间的{what},收到 {_shown(text)}"
        stripped = text.strip()
        if not stripped or len(stripped) > 30 or not stripped.lstrip("+-").isascii():
            raise argparse.ArgumentTypeError(message)
        try:
            value = int(stripped)
        except ValueError:
            raise argparse.ArgumentTypeError(message) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(message)
        return value

    parse.__name__ = f"int_{low}_{high}"
    return parse


def float_range(low: float, high: float, *, low_open: bool = False, what: str = "数") -> Callable[[str], float]:
    """An argparse type for finite numbers in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    left = "大于" if low_open else "不小于"

    def parse(text: str) -> float:
        message = f"应为{left} {_number(low)} 且不大于 {_number(high)} 的{what},收到 {_shown(text)}"
        stripped = text.strip()
        if not stripped or len(stripped) > 40 or not stripped.isascii():
            raise argparse.ArgumentTypeError(message)
        try:
            value = float(stripped)
        except ValueError:
            raise argparse.ArgumentTypeError(message) from None
        if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
            raise argparse.ArgumentTypeError(message)
        return value

    parse.__name__ = f"float_{_number(low)}_{_number(high)}"
    return parse


positive_int = int_range(1, MAX_COUNT, what="正整数")
non_negative_int = int_range(0, MAX_COUNT, what="非负整数")
positive_float = float_range(0.0, MAX_SECONDS, low_open=True, what="正数")
non_negative_float = float_range(0.0, MAX_SECONDS, what="非负数")
amount = float_range(0.0, MAX_AMOUNT, low_open=True, what="金额")
timeout_seconds = float_range(0.0, MAX_TIMEOUT, low_open=True, what="秒数")
port_number = int_range(0, 65535, what="端口号")
seed = int_range(0, 2**63 - 1, what="随机种子")


def iso_date(text: str) -> str:
    """``YYYY-MM-DD``, checked for a real calendar date."""
    import datetime

    if not _DATE.match(text):
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD,收到 {_shown(text)}")
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是有效日期: {_shown(text)}") from None
    return text


def backtest_id(text: str) -> str:
    """A backtest id argument: surrounding spaces removed; empty is a usage error, never a request."""
    stripped = text.strip()
    if not stripped:
        raise argparse.ArgumentTypeError("回测 id 不能为空(用 backtest run 或 backtest ls 返回的 id)")
    return stripped
