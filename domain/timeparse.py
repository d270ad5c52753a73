"""``--until`` values: a date or a datetime, normalised to ``YYYY-MM-DD HH:MM:SS``.

The site's timestamps (``addTime`` …) are local ``YYYY-MM-DD HH:MM:SS``
strings, so a normalised bound compares with them as plain strings (the
format sorts lexicographically).  ``YYYY-MM-DD`` means 00:00:00 of that day.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Optional, Tuple

from jqcli.domain.errors import UsageError

_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def parse_until(text: Optional[str]) -> Optional[str]:
    """``"2026-04-25"`` → ``"2026-04-25 00:00:00"``; ``None``/``""`` → ``None``; junk → UsageError."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    for fmt in _FORMATS:
        try:
            parsed = datetime.datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.strftime("%Y-%m-%d %H:%M:%S")
    raise UsageError(
        f"--until 的值无效: {text!r}",
        details={"until": text},
        hint="支持 YYYY-MM-DD 或 YYYY-MM-DD HH:MM:SS",
    )


def is_timestamp(value: str) -> bool:
    """True for a well-formed ``YYYY-MM-DD HH:MM:SS`` string (the site's format)."""
    return bool(_TIMESTAMP.match(value))


_last_formatted: Tuple[int, str] = (-1, "")


def format_timestamp(epoch_seconds: float) -> str:
    """Local ``YYYY-MM-DD HH:MM:SS`` for an epoch reading (used for ``*_fetched_at``).

    The archive stamps thousands of records per second: the last second's text is reused.
    """
    global _last_formatted
    # the second ``datetime.fromtimestamp`` lands on: it first rounds to microseconds (half-even)
    fraction, whole = math.modf(epoch_seconds)
    micros = round(fraction * 1e6)
    second = int(whole) + (1 if micros >= 1_000_000 else -1 if micros < 0 else 0)
    cached = _last_formatted  # one tuple read: safe across threads
    if cached[0] == second:
        return cached[1]
    text = datetime.datetime.fromtimestamp(second).strftime("%Y-%m-%d %H:%M:%S")
    _last_formatted = (second, text)
    return text
