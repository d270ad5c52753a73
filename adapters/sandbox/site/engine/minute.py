"""Minute bars derived deterministically from a day's synthetic daily bar.

A day has 240 one-minute bars labelled by their end time, 09:31–11:30 and
13:01–15:00.  The path of closes goes through the day's open, high, low and
close at seeded minutes (so the minute bars aggregate exactly to the daily
bar), with seeded bridge noise between them clipped to the day's range.  The
seed is a SHA-256 digest of the code and the date, so a day's minutes are the
same whichever range or frequency asked for them.

Time slots: ``slot`` 0 is 09:30 (the open price), slot k in 1..240 is the
close of the k-th bar, i.e. the price at that bar's end time.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Dict, List, Tuple

import numpy as np

from jqcli.adapters.sandbox.site.engine.market import generator, tick_round

BARS = 240


def bar_times(day: date) -> List[datetime]:
    """End times of the 240 bars of ``day``."""
    out = []
    for k in range(1, BARS + 1):
        minutes = 9 * 60 + 30 + k if k <= 120 else 13 * 60 + (k - 120)
        out.append(datetime(day.year, day.month, day.day, minutes // 60, minutes % 60))
    return out


def slot_of(moment: time) -> int:
    """The price slot at a wall-clock time of a trading day (see the module docstring); -1 before the open."""
    minutes = moment.hour * 60 + moment.minute
    if minutes < 9 * 60 + 30:
        return -1
    if minutes <= 11 * 60 + 30:
        return minutes - (9 * 60 + 30)
    if minutes <= 13 * 60:
        return 120
    return min(BARS, 120 + minutes - 13 * 60)


def build(code: str, day: date, bar: Tuple[float, ...], paused: bool, decimals: int) -> Dict[str, np.ndarray]:
    """The day's minute bars as a dict of 240-long arrays (open, high, low, close, volume, money)."""
    o, h, low, c, volume, money = bar
    if paused:
        flat = np.full(BARS, o)
        zero = np.zeros(BARS)
        return {"open": flat, "high": flat, "low": flat, "close": flat, "volume": zero, "money": zero}
    g = generator("minute", code, day.isoformat())
    picks = g.choice(np.arange(1, BARS), size=2, replace=False)
    anchors: Dict[int, float] = {0: o, BARS: c}
    anchors.setdefault(int(picks[0]), h)
    anchors.setdefault(int(picks[1]), low)
    noise = g.standard_normal(BARS + 1)
    path = np.empty(BARS + 1)
    points = sorted(anchors.items())
    span = (h - low) or abs(o) * 1e-4
    for (i0, v0), (i1, v1) in zip(points, points[1:]):
        n = i1 - i0
        steps = np.cumsum(noise[i0 + 1 : i1 + 1])
        bridge = steps - np.arange(1, n + 1) / n * steps[-1]
        line = v0 + (v1 - v0) * np.arange(1, n + 1) / n
        path[i0 + 1 : i1 + 1] = line + bridge * span * 0.08
        path[i0] = v0
    path = np.clip(tick_round(path, decimals), low, h)
    for i, v in anchors.items():
        path[i] = v
    opens, closes = path[:-1], path[1:]
    shape = 1.0 + 1.5 * ((np.arange(BARS) - 119.5) / 120.0) * ((np.arange(BARS) - 119.5) / 120.0)
    weights = shape * (1.0 + 0.3 * np.clip(g.standard_normal(BARS), -3, 3))
    lots = np.floor(volume * weights / weights.sum() / 100) * 100
    lots[-1] += volume - lots.sum()
    return {
        "open": opens,
        "high": np.maximum(opens, closes),
        "low": np.minimum(opens, closes),
        "close": closes,
        "volume": lots,
        "money": money * lots / volume if volume else np.zeros(BARS),
    }
