"""The real ``Clock``: wall time, a monotonic reading and sleeping."""

from __future__ import annotations

import time


class SystemClock:
    """Implements ``Clock`` with the ``time`` module."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
