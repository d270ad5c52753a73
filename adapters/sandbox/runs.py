"""Backtest runs: their state from the clock, and their plainly synthetic output.

No market is simulated.  A run's curves, metrics and log are deterministic
functions of its code, dates, capital and frequency: a random walk seeded from
a hash of those inputs.  Trade days are weekdays.  The run's state is computed
from the clock at read time (queued for ``queue_s``, running for ``run_s``),
so nothing runs in the background and state survives restarts.
"""

from __future__ import annotations

import hashlib
import math
import random
import traceback
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from jqcli.adapters.sandbox.web import CN

QUEUED, RUNNING, DONE, FAILED, CANCELLED = 0, 1, 2, 3, 4
STATUS_TEXT = {QUEUED: "排队中", RUNNING: "运行中", DONE: "完成", FAILED: "失败", CANCELLED: "已取消"}
FREQ_TEXT = {"day": "每天", "minute": "分钟", "tick": "Tick"}
LOG_CAP = 1000  # lines the web log shows before it answers max:true (protocol.md §2.14)
LOG_PAGE = 100
RESULT_PAGE = 1000
RISK_FREE = 0.04


def state_at(row, now: float) -> int:  # type: ignore[no-untyped-def]
    """The run's state (0 queued · 1 running · 2 done · 3 failed · 4 cancelled) at ``now``."""
    start = row["created"] + row["queue_s"]
    finish = start + row["run_s"]
    if row["cancelled_at"] is not None and row["cancelled_at"] < finish:
        return CANCELLED
    if now < start:
        return QUEUED
    if now < finish:
        return RUNNING
    return FAILED if row["compile_error"] else DONE


def progress_at(row, now: float) -> float:  # type: ignore[no-untyped-def]
    """Fraction of the run's output available at ``now`` (1.0 once done)."""
    end = now if row["cancelled_at"] is None else min(now, row["cancelled_at"])
    start = row["created"] + row["queue_s"]
    if row["run_s"] <= 0:
        return 1.0 if end >= start else 0.0
    return max(0.0, min(1.0, (end - start) / row["run_s"]))


def compile_errors(code: str) -> List[str]:
    """Traceback lines when Python's compiler rejects ``code``, else ``[]``."""
    try:
        compile(code, "user_code.py", "exec")
    except (SyntaxError, ValueError) as exc:
        lines = ["Traceback (most recent call last):", '  File "user_code.py", line 1, in <module>']
        for chunk in traceback.format_exception_only(type(exc), exc):
            lines.extend(part for part in chunk.rstrip("\n").split("\n") if part.strip())
        return lines
    return []


def parse_day(text: str) -> Optional[date]:
    try:
        return datetime.strptime((text or "").strip()[:10], "%Y-%m-%d").date()
    except ValueError:
        return None


def previous_weekday(today: date) -> date:
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def trade_days(start: date, end: date) -> List[date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def day_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=CN).timestamp() * 1000)


def day_seconds(day: date) -> int:
    return day_ms(day) // 1000


def minutes_cost(days: int, frequency: str) -> int:
    """Free backtest minutes a run uses: one per 250 trade days (five for minute data), at least one."""
    factor = 5 if frequency in ("minute", "tick") else 1
    return max(1, math.ceil(days * factor / 250))


class Series:
    """The synthetic daily curves of one run and the metrics computed from them."""

    def __init__(self, code: str, start: str, end: str, capital: float, frequency: str) -> None:
        key = f"{code}\x00{start}\x00{end}\x00{capital}\x00{frequency}".encode()
        rng = random.Random(int(hashlib.sha256(key).hexdigest()[:16], 16))
        first, last = parse_day(start), parse_day(end)
        self.days = trade_days(first, last) if first and last else []
        drift, vol = (rng.random() - 0.35) * 0.002, 0.006 + rng.random() * 0.012
        self.algo = [rng.gauss(drift, vol) for _ in self.days]
        self.bench = [rng.gauss(0.0002, 0.011) for _ in self.days]
        self.capital = capital
        self.algo_nav = _nav(self.algo)
        self.bench_nav = _nav(self.bench)
        self.buys = [rng.randint(0, 4) for _ in self.days]
        self.sells = [rng.randint(0, 4) for _ in self.days]

    def curve_page(self, offset: int, count: int, upto: int) -> Dict[str, object]:
        """One page of the result curves (values in percent, times in ms), limited to ``upto`` points."""
        stop = min(upto, offset + count)
        idx = range(offset, max(offset, stop))
        times = [day_ms(self.days[i]) for i in idx]
        pnl = [self.capital * (self.algo_nav[i] - (self.algo_nav[i - 1] if i else 1.0)) for i in idx]
        return {
            "offset": str(offset),
            "count": str(len(times)),
            "benchmark": {"time": times, "value": [round((self.bench_nav[i] - 1) * 100, 2) for i in idx]},
            "overallReturn": {"time": times, "value": [round((self.algo_nav[i] - 1) * 100, 2) for i in idx]},
            "gains": {
                "earn": {"time": times, "value": [round(max(p, 0.0), 2) for p in pnl]},
                "lose": {"time": times, "value": [round(min(p, 0.0), 2) for p in pnl]},
            },
            "orders": {
                "buy": {"time": times, "value": [self.buys[i] for i in idx]},
                "sell": {"time": times, "value": [-self.sells[i] for i in idx]},
            },
        }

    def stats(self) -> Dict[str, object]:
        """The scalar metrics of protocol.md §2.12, with the site's odd string-typed ones."""
        n = len(self.days)
        if n == 0:
            return {}
        a_ret, b_ret = self.algo_nav[-1] - 1, self.bench_nav[-1] - 1
        ann_a, ann_b = _annual(a_ret, n), _annual(b_ret, n)
        vol_a, vol_b = _std(self.algo) * math.sqrt(250), _std(self.bench) * math.sqrt(250)
        excess = [x - y for x, y in zip(self.algo, self.bench)]
        beta = _cov(self.algo, self.bench) / (_std(self.bench) ** 2 or 1.0)
        downside = _std([min(x, 0.0) for x in self.algo]) * math.sqrt(250)
        dd, dd_from, dd_to = _drawdown(self.algo_nav)
        ex_nav = _nav(excess)
        ex_dd, ex_from, ex_to = _drawdown(ex_nav)
        wins = sum(1 for x in self.algo if x > 0)
        gains = [x for x in self.algo if x > 0] or [0.0]
        losses = [-x for x in self.algo if x < 0] or [1e-9]
        ex_vol = _std(excess) * math.sqrt(250)
        return {
            "trading_days": n,
            "algorithm_return": a_ret,
            "benchmark_return": b_ret,
            "excess_return": (1 + a_ret) / (1 + b_ret) - 1,
            "annual_algo_return": ann_a,
            "annual_bm_return": ann_b,
            "alpha": ann_a - (RISK_FREE + beta * (ann_b - RISK_FREE)),
            "beta": beta,
            "sharpe": (ann_a - RISK_FREE) / (vol_a or 1.0),
            "sortino": (ann_a - RISK_FREE) / (downside or 1.0),
            "information": (ann_a - ann_b) / (ex_vol or 1.0),
            "algorithm_volatility": vol_a,
            "benchmark_volatility": vol_b,
            "max_drawdown": dd,
            "max_drawdown_period": [str(self.days[dd_from]), str(self.days[dd_to])],
            "excess_return_sharpe": str(round((sum(excess) / n * 250 - RISK_FREE) / (ex_vol or 1.0), 6)),
            "avg_excess_return": f"{sum(excess) / n * 100:.2f}%",
            "excess_return_max_drawdown": f"{ex_dd * 100:.2f}%",
            "excess_return_max_drawdown_period": [str(self.days[ex_from]), str(self.days[ex_to])],
            "win_ratio": wins / n,
            "day_win_ratio": wins / n,
            "profit_loss_ratio": (sum(gains) / len(gains)) / (sum(losses) / len(losses)),
            "win_count": wins,
            "lose_count": n - wins,
            "avg_trade_return": sum(self.algo) / n,
            "avg_position_days": round(1 + (sum(self.buys) % 17) / 3, 2),
            "turnover_rate": (sum(self.buys) + sum(self.sells)) / (n * 40.0),
            "report_done_seconds": round(1 + n / 100, 2),
            "report_done_cpu_seconds": round(0.5 + n / 250, 2),
            "period_label": "day",
        }

    def log_lines(self) -> List[str]:
        """The full synthetic user log: a banner, then three lines per trade day."""
        lines = []
        for i, day in enumerate(self.days):
            if i == 0:
                lines.append(f"{day} 09:00:00 - INFO  - 沙盒合成回测:无行情模拟,数据由代码、日期和资金确定地生成")
            cash = self.capital * self.algo_nav[i]
            lines.append(f"{day} 09:30:00 - INFO  - 开盘: 总资产 {cash:.2f}")
            lines.append(f"{day} 14:50:00 - INFO  - 下单: 买入 {self.buys[i]} 笔, 卖出 {self.sells[i]} 笔")
            lines.append(f"{day} 15:30:00 - INFO  - 收盘: 当日收益 {self.algo[i] * 100:.4f}%")
        return lines


@lru_cache(maxsize=256)
def series_for(code: str, start: str, end: str, capital: float, frequency: str) -> Series:
    return Series(code, start, end, capital, frequency)


def _nav(returns: List[float]) -> List[float]:
    nav, value = [], 1.0
    for r in returns:
        value *= 1 + r
        nav.append(value)
    return nav


def _annual(total: float, days: int) -> float:
    return (1 + total) ** (250.0 / days) - 1 if total > -1 else -1.0


def _std(xs: List[float]) -> float:
    if len(xs) < 2:
        return 0.0
    mean = sum(xs) / len(xs)
    return math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))


def _cov(xs: List[float], ys: List[float]) -> float:
    if len(xs) < 2:
        return 0.0
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (len(xs) - 1)


def _drawdown(nav: List[float]) -> Tuple[float, int, int]:
    peak, peak_i, worst, span = nav[0], 0, 0.0, (0, 0)
    for i, value in enumerate(nav):
        if value > peak:
            peak, peak_i = value, i
        drop = 1 - value / peak
        if drop > worst:
            worst, span = drop, (peak_i, i)
    return worst, span[0], span[1]
