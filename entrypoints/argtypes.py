"""argparse value types with Chinese messages (fast path: stdlib only)."""

from __future__ import annotations

import argparse
import re

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数,收到 {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"应为正整数,收到 {text!r}")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为非负整数,收到 {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"应为非负整数,收到 {text!r}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正数,收到 {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"应为正数,收到 {text!r}")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为非负数,收到 {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"应为非负数,收到 {text!r}")
    return value


def iso_date(text: str) -> str:
    """``YYYY-MM-DD``, checked for a real calendar date."""
    import datetime

    if not _DATE.match(text):
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD,收到 {text!r}")
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是有效日期: {text!r}") from None
    return text
