"""The market as the strategy may see it at the simulated moment (no look-ahead).

``Feed`` wraps the synthetic ``Market`` and the clock: a day's daily bar is
visible once that day's 15:00 has passed; a minute bar once its end time has
passed.  Every data function clamps its end to what is visible, so a strategy
never reads a price from its future (the sandbox's choice where JoinQuant's
``avoid_future_data`` would raise: it clamps silently, documented in the README).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime, time
from typing import Dict, List, Optional, Tuple

import numpy as np

from jqcli.adapters.sandbox.site.engine import minute
from jqcli.adapters.sandbox.site.engine import universe as U
from jqcli.adapters.sandbox.site.engine.market import Market

CLOSE = time(15, 0)
MINUTE_CACHE = 3000


class Feed:
    def __init__(self, market: Market) -> None:
        self.market = market
        self.row = 0  # market row of the simulated day
        self.now = datetime.combine(market.dates[0], time(0, 0))
        self._minutes: OrderedDict[Tuple[str, int], Dict[str, np.ndarray]] = OrderedDict()

    # -- clock ------------------------------------------------------------------------------------------------
    def set_time(self, row: int, now: datetime) -> None:
        self.row, self.now = row, now

    @property
    def slot(self) -> int:
        return minute.slot_of(self.now.time())

    def last_daily_row(self) -> int:
        """The last market row whose daily bar is complete at ``now``."""
        return self.row if self.now.time() >= CLOSE else self.row - 1

    def row_of(self, day: date, after: bool = False) -> int:
        """Row of the last trading day on or before ``day`` (first on or after it with ``after``); may be -1/len."""
        import bisect

        dates = self.market.dates
        if after:
            return bisect.bisect_left(dates, day)
        return bisect.bisect_right(dates, day) - 1

    # -- securities ---------------------------------------------------------------------------------------------
    def col(self, code: str) -> int:
        try:
            return self.market.col[code]
        except KeyError:
            raise ValueError(f"找不到标的 {code}：沙盒的合成行情里没有这个代码") from None

    def display(self, code: str) -> str:
        sec = U.security(code)
        return f"{sec.display_name}({code})" if sec else code

    # -- prices -------------------------------------------------------------------------------------------------
    def daily(self, field: str, r0: int, r1: int, code: str) -> np.ndarray:
        return self.market.bars[field][max(r0, 0) : r1 + 1, self.col(code)]

    def day_value(self, field: str, row: int, code: str) -> float:
        return float(self.market.bars[field][row, self.col(code)])

    def minutes(self, code: str, row: int) -> Dict[str, np.ndarray]:
        key = (code, row)
        got = self._minutes.get(key)
        if got is not None:
            self._minutes.move_to_end(key)
            return got
        b = self.market.bars
        c = self.col(code)
        bar = tuple(float(b[f][row, c]) for f in ("open", "high", "low", "close", "volume", "money"))
        sec = U.security(code)
        got = minute.build(code, self.market.dates[row], bar, bool(b["paused"][row, c]), sec.decimals if sec else 2)
        self._minutes[key] = got
        if len(self._minutes) > MINUTE_CACHE:
            self._minutes.popitem(last=False)
        return got

    def price(self, code: str, row: Optional[int] = None, slot: Optional[int] = None) -> float:
        """The price at a moment: the previous close before the open, the open at 09:30, then minute closes."""
        row = self.row if row is None else row
        slot = self.slot if slot is None else slot
        if slot < 0:
            return self.day_value("pre_close", row, code)
        if slot == 0:
            return self.day_value("open", row, code)
        if slot >= minute.BARS:
            return self.day_value("close", row, code)
        return float(self.minutes(code, row)["close"][slot - 1])

    def partial_day(self, code: str) -> Dict[str, float]:
        """Today's bar from the open to now (for include_now)."""
        slot = self.slot
        row = self.row
        if slot <= 0:
            o = self.day_value("open" if slot == 0 else "pre_close", row, code)
            return {"open": o, "high": o, "low": o, "close": o, "volume": 0.0, "money": 0.0}
        if slot >= minute.BARS:
            return {f: self.day_value(f, row, code) for f in ("open", "high", "low", "close", "volume", "money")}
        m = self.minutes(code, row)
        return {
            "open": float(m["open"][0]),
            "high": float(m["high"][:slot].max()),
            "low": float(m["low"][:slot].min()),
            "close": float(m["close"][slot - 1]),
            "volume": float(m["volume"][:slot].sum()),
            "money": float(m["money"][:slot].sum()),
        }

    def minute_window(
        self, code: str, end: datetime, count: Optional[int], start: Optional[datetime]
    ) -> Tuple[List[datetime], Dict[str, np.ndarray]]:
        """Minute bars with end time ≤ ``end`` (clamped to now): the last ``count`` or those from ``start``."""
        end = min(end, self.now)
        last_row = self.row_of(end.date())
        if last_row < 0:
            return [], {}
        times: List[datetime] = []
        chunks: List[Dict[str, np.ndarray]] = []
        row = last_row
        need = count
        while row >= 0:
            day = self.market.dates[row]
            if start is not None and day < start.date():
                break
            stamps = minute.bar_times(day)
            n = sum(1 for t in stamps if t <= end)
            if start is not None:
                first = sum(1 for t in stamps if t < start)
            else:
                first = 0
            if n > first:
                bars = self.minutes(code, row)
                lo = first
                if need is not None:
                    lo = max(first, n - need)
                times[:0] = stamps[lo:n]
                chunks.insert(0, {k: v[lo:n] for k, v in bars.items()})
                if need is not None:
                    need -= n - lo
                    if need <= 0:
                        break
            row -= 1
        if not chunks:
            return [], {}
        return times, {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
