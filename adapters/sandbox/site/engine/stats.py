"""Summary metrics (protocol.md §2.12) and monthly risk windows (§3.1) from the simulated curves.

Standard formulas, as JoinQuant documents them (250 trading days a year,
risk-free rate 4 %): daily returns ``r_t`` of the total value (the first one
against the starting capital), benchmark returns ``b_t`` likewise against the
benchmark's close before the first day.

- annualised return ``(1 + R) ** (250 / n) - 1``;
- volatility ``sqrt(250 / (n - 1) * Σ (r_t - mean r) ** 2)``;
- beta ``cov(r, b) / var(b)``; alpha ``Ra - (rf + beta (Rb - rf))`` on annualised returns;
- sharpe ``(Ra - rf) / volatility``; sortino ``(Ra - rf) / downside`` with
  ``downside = sqrt(250 / n * Σ_{r_t < mean} (r_t - mean) ** 2)``;
- information ratio ``(Ra - Rb) / (sqrt(250) * std(r - b))``;
- max drawdown ``max (1 - V_j / max_{i ≤ j} V_i)`` (the capital counts as the first peak) with its
  [peak day, trough day];
- excess return ``(1 + R) / (1 + Rb) - 1`` (the site's ``(a+100)/(b+100)*100-100``), its curve's
  sharpe (a numeric string), mean daily excess (a percent string) and max drawdown (a percent string);
- per closing (sell) trade: win ratio, win/lose counts, profit/loss ratio (total gains of the winners
  over total losses of the losers), mean return on the cost sold, mean days held;
- day win ratio: share of days the strategy beat the benchmark;
- turnover: mean daily traded value (buys + sells) / 2 over the mean total value.

Every sum of floats here is ``seq_sum``: a plain left-to-right sum.  Python's own ``sum()`` of floats
is compensated (Neumaier) from Python 3.12 on, so the same returns gave metrics that differed in the
last digits between Python 3.11 and 3.13 (numpy is not involved: the curves are Python floats).
"""

from __future__ import annotations

import math
import operator
from datetime import date
from functools import reduce
from typing import Dict, Iterable, List, Sequence, Tuple

YEAR = 250
RISK_FREE = 0.04
WINDOWS = (("1month", 1), ("3month", 3), ("6month", 6), ("12month", 12))


def seq_sum(xs: Iterable[float]) -> float:
    """``((0.0 + x0) + x1) + ...`` in order: the same float on every Python (see the module's text)."""
    return reduce(operator.add, xs, 0.0)


def returns_of(values: Sequence[float], base: float) -> List[float]:
    out, prev = [], base
    for v in values:
        out.append(v / prev - 1 if prev else 0.0)
        prev = v
    return out


def _mean(xs: Sequence[float]) -> float:
    return seq_sum(xs) / len(xs) if xs else 0.0


def _var(xs: Sequence[float]) -> float:
    if len(xs) < 2:
        return 0.0
    m = _mean(xs)
    return seq_sum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def _cov(xs: Sequence[float], ys: Sequence[float]) -> float:
    if len(xs) < 2:
        return 0.0
    mx, my = _mean(xs), _mean(ys)
    return seq_sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (len(xs) - 1)


def annualise(total: float, days: int) -> float:
    if days <= 0:
        return 0.0
    return (1 + total) ** (YEAR / days) - 1 if total > -1 else -1.0


def _ratio(num: float, den: float) -> float:
    return num / den if den > 1e-12 else 0.0


def drawdown(nav: Sequence[float], days: Sequence[date]) -> Tuple[float, str, str]:
    """Max drawdown of ``nav`` (which starts from 1.0 before ``days[0]``) and its [peak, trough] days."""
    peak, peak_i, worst, span = 1.0, 0, 0.0, (0, 0)
    for i, value in enumerate(nav):
        if value > peak:
            peak, peak_i = value, i
        drop = 1 - value / peak if peak > 0 else 0.0
        if drop > worst + 1e-15:
            worst, span = drop, (peak_i, i)
    if not days:
        return 0.0, "", ""
    return worst, days[span[0]].isoformat(), days[span[1]].isoformat()


def core(algo: Sequence[float], bench: Sequence[float]) -> Dict[str, float]:
    """Metrics over daily return series (any window)."""
    n = len(algo)
    nav_a = nav_b = 1.0
    for r in algo:
        nav_a *= 1 + r
    for r in bench:
        nav_b *= 1 + r
    total_a, total_b = nav_a - 1, nav_b - 1
    ann_a, ann_b = annualise(total_a, n), annualise(total_b, n)
    vol_a, vol_b = math.sqrt(_var(algo) * YEAR), math.sqrt(_var(bench) * YEAR)
    beta = _ratio(_cov(algo, bench), _var(bench))
    m = _mean(algo)
    downside = math.sqrt(YEAR / n * seq_sum((r - m) ** 2 for r in algo if r < m)) if n else 0.0
    diff = [a - b for a, b in zip(algo, bench)]
    tracking = math.sqrt(_var(diff) * YEAR)
    return {
        "algorithm_return": total_a,
        "benchmark_return": total_b,
        "annual_algo_return": ann_a,
        "annual_bm_return": ann_b,
        "alpha": ann_a - (RISK_FREE + beta * (ann_b - RISK_FREE)),
        "beta": beta,
        "sharpe": _ratio(ann_a - RISK_FREE, vol_a),
        "sortino": _ratio(ann_a - RISK_FREE, downside),
        "information": _ratio(ann_a - ann_b, tracking),
        "algorithm_volatility": vol_a,
        "benchmark_volatility": vol_b,
    }


def summary(
    days: Sequence[date],
    values: Sequence[float],
    capital: float,
    bench: Sequence[float],
    bench_base: float,
    closed: Sequence[Dict[str, float]],
    traded_value: float,
) -> Dict[str, object]:
    """The §2.12 keys (without ``report_done_*``, which the runner adds from its clock)."""
    n = len(days)
    if n == 0:
        return {}
    r_a, r_b = returns_of(values, capital), returns_of(bench, bench_base)
    out: Dict[str, object] = {"trading_days": n}
    out.update(core(r_a, r_b))
    nav = [v / capital for v in values]
    dd, dd_from, dd_to = drawdown(nav, days)
    out["max_drawdown"] = dd
    out["max_drawdown_period"] = [dd_from, dd_to]
    total_a, total_b = float(str(out["algorithm_return"])), float(str(out["benchmark_return"]))
    out["excess_return"] = (1 + total_a) / (1 + total_b) - 1
    ex_nav = [(v / capital) / (b / bench_base) for v, b in zip(values, bench)]
    ex_r = returns_of(ex_nav, 1.0)
    ex_vol = math.sqrt(_var(ex_r) * YEAR)
    ex_ann = annualise(ex_nav[-1] - 1, n)
    out["excess_return_sharpe"] = repr(round(_ratio(ex_ann - RISK_FREE, ex_vol), 10))
    out["avg_excess_return"] = f"{_mean(ex_r) * 100:.2f}%"
    ex_dd, ex_from, ex_to = drawdown(ex_nav, days)
    out["excess_return_max_drawdown"] = f"{ex_dd * 100:.2f}%"
    out["excess_return_max_drawdown_period"] = [ex_from, ex_to]
    wins = [t for t in closed if t["gains"] > 0]
    losses = [t for t in closed if t["gains"] <= 0]
    out["win_count"] = len(wins)
    out["lose_count"] = len(losses)
    out["win_ratio"] = _ratio(len(wins), len(closed))
    out["day_win_ratio"] = sum(1 for a, b in zip(r_a, r_b) if a > b) / n
    loss_total = -seq_sum(t["gains"] for t in losses)
    out["profit_loss_ratio"] = _ratio(seq_sum(t["gains"] for t in wins), loss_total)
    out["avg_trade_return"] = _mean([_ratio(t["gains"], t["basis"]) for t in closed])
    out["avg_position_days"] = _mean([t["days"] for t in closed])
    out["turnover_rate"] = _ratio(traded_value / 2 / n, _mean(values))
    out["period_label"] = "day"
    return out


def risk(
    days: Sequence[date], values: Sequence[float], capital: float, bench: Sequence[float], bench_base: float
) -> Dict[str, List[Dict[str, object]]]:
    """§3.1 risk: per month, each metric over the trailing 1/3/6/12 months (``"N/A"`` when the run is shorter)."""
    names = {
        "algorithmPeriodReturn": "algorithm_return",
        "benchmarkPeriodReturn": "benchmark_return",
        "alpha": "alpha",
        "beta": "beta",
        "sharp": "sharpe",
        "sortino": "sortino",
        "information": "information",
        "algovolatility": "algorithm_volatility",
        "benchmarkvolatility": "benchmark_volatility",
        "maxdrawdown": "max_drawdown",
    }
    out: Dict[str, List[Dict[str, object]]] = {k: [] for k in names}
    if not days:
        return out
    months: List[Tuple[int, int]] = []
    ends: Dict[Tuple[int, int], int] = {}
    for i, d in enumerate(days):
        key = (d.year, d.month)
        if key not in ends:
            months.append(key)
        ends[key] = i
    r_a, r_b = returns_of(values, capital), returns_of(bench, bench_base)
    starts: Dict[Tuple[int, int], int] = {}
    for i, d in reversed(list(enumerate(days))):
        starts[(d.year, d.month)] = i
    for mi, key in enumerate(months):
        rows: Dict[str, Dict[str, object]] = {k: {"date": f"{key[0]:04d}-{key[1]:02d}"} for k in names}
        for label, span in WINDOWS:
            if mi - span + 1 < 0:
                for k in names:
                    rows[k][label] = "N/A"
                continue
            lo, hi = starts[months[mi - span + 1]], ends[key]
            window = _window(r_a[lo : hi + 1], r_b[lo : hi + 1])
            for k, src in names.items():
                rows[k][label] = window[src]
        for k in names:
            out[k].append(rows[k])
    return out


def _window(r_a: List[float], r_b: List[float]) -> Dict[str, float]:
    metrics = core(r_a, r_b)
    nav, value, peak, worst = [], 1.0, 1.0, 0.0
    for r in r_a:
        value *= 1 + r
        nav.append(value)
        peak = max(peak, value)
        worst = max(worst, 1 - value / peak)
    metrics["max_drawdown"] = worst
    return metrics
