"""Comparing runs: settings side by side, every metric's change and which side is better.

The metrics are the stats keys of protocol.md §2.12 (ratios, 0.12 = 12 %); some come as numeric strings
or with a ``%`` sign and are read leniently.  Each metric has a direction: higher is better (returns,
ratios of reward to risk), lower is better (drawdowns, volatility), or neither (beta, counts, timings),
for which no side is called better.
"""

from __future__ import annotations

import difflib
import math
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import attrs

HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"
# One table: every §2.12 metric and its direction (a meta-test keeps it complete).
DIRECTIONS: Dict[str, str] = {
    "algorithm_return": HIGHER,
    "annual_algo_return": HIGHER,
    "excess_return": HIGHER,
    "alpha": HIGHER,
    "sharpe": HIGHER,
    "sortino": HIGHER,
    "information": HIGHER,
    "excess_return_sharpe": HIGHER,
    "avg_excess_return": HIGHER,
    "win_ratio": HIGHER,
    "day_win_ratio": HIGHER,
    "profit_loss_ratio": HIGHER,
    "avg_trade_return": HIGHER,
    "max_drawdown": LOWER,
    "excess_return_max_drawdown": LOWER,
    "algorithm_volatility": LOWER,
    "benchmark_return": NEUTRAL,
    "annual_bm_return": NEUTRAL,
    "benchmark_volatility": NEUTRAL,
    "beta": NEUTRAL,
    "trading_days": NEUTRAL,
    "win_count": NEUTRAL,
    "lose_count": NEUTRAL,
    "avg_position_days": NEUTRAL,
    "turnover_rate": NEUTRAL,
    "report_done_seconds": NEUTRAL,
    "report_done_cpu_seconds": NEUTRAL,
}
SETTINGS = ("start_date", "end_date", "capital", "frequency", "mode")


def number(value: object) -> Optional[float]:
    """A metric as a float: numbers, numeric strings and ``"0.11%"`` (→ 0.0011); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        scale = 1.0
        if text.endswith("%"):
            text, scale = text[:-1], 0.01
        try:
            parsed = float(text) * scale
        except ValueError:
            return None
        return parsed if math.isfinite(parsed) else None
    return None


@attrs.frozen
class MetricChange:
    """One metric across the runs, each compared with the first (the base)."""

    key: str
    direction: str
    values: Tuple[Optional[float], ...]
    changes: Tuple[Optional[float], ...]  # value − base, None where either is unknown (the base's own is 0)
    relative: Tuple[Optional[float], ...]  # change / |base|, None when the base is 0 or unknown
    better: Tuple[Optional[bool], ...]  # True when this run beats the base on this metric, None when it can't say


@attrs.frozen
class SettingsDiff:
    key: str
    values: Tuple[object, ...]


def compare_metrics(runs: Sequence[Mapping[str, object]]) -> List[MetricChange]:
    """Every metric any run has, in the table's order then the rest alphabetically."""
    keys = [k for k in DIRECTIONS if any(k in run for run in runs)]
    keys += sorted({k for run in runs for k in run if k not in DIRECTIONS and number(run.get(k)) is not None})
    return [_change(key, [number(run.get(key)) for run in runs]) for key in keys]


def _change(key: str, values: List[Optional[float]]) -> MetricChange:
    direction = DIRECTIONS.get(key, NEUTRAL)
    base = values[0]
    changes: List[Optional[float]] = []
    relative: List[Optional[float]] = []
    better: List[Optional[bool]] = []
    for value in values:
        if base is None or value is None:
            changes.append(None)
            relative.append(None)
            better.append(None)
            continue
        delta = value - base
        changes.append(delta)
        relative.append(delta / abs(base) if base else None)
        better.append(None if direction == NEUTRAL or delta == 0 else (delta > 0) == (direction == HIGHER))
    return MetricChange(key, direction, tuple(values), tuple(changes), tuple(relative), tuple(better))


def settings_differences(settings: Sequence[Mapping[str, object]]) -> List[SettingsDiff]:
    """The settings (range, capital, frequency, mode) that are not the same in every run."""
    found = []
    for key in SETTINGS:
        values = tuple(run.get(key) for run in settings)
        normalised = {number(v) if number(v) is not None else v for v in values}
        if len(normalised) > 1:
            found.append(SettingsDiff(key, values))
    return found


def source_diff(base: str, other: str, *, base_name: str, other_name: str, context: int = 3) -> str:
    """A unified diff of two runs' source code ("" when they are the same)."""
    lines = difflib.unified_diff(
        base.splitlines(keepends=True), other.splitlines(keepends=True), base_name, other_name, n=context
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
