"""Backtest runs: the calendar, and a run's state from the clock and its engine process.

A run is executed by the sandbox's engine in a child process (``runner``);
its emulated timing stays: queued for ``queue_s``, then running for at least
``run_s``.  It is finished when BOTH the emulated time has passed and the
engine has ended; the output shown while it runs is the smaller of the two
progresses.  Trade days are weekdays (the sandbox's calendar).
"""

from __future__ import annotations

import math
import sqlite3
import time
import traceback
from datetime import date, datetime, timedelta
from typing import Dict, List, Optional

from jqcli.adapters.sandbox.site.kernel import SandboxConfig
from jqcli.adapters.sandbox.site.web import CN

QUEUED, RUNNING, DONE, FAILED, CANCELLED = 0, 1, 2, 3, 4
STATUS_TEXT = {QUEUED: "排队中", RUNNING: "运行中", DONE: "完成", FAILED: "失败", CANCELLED: "已取消"}
FREQ_TEXT = {"day": "每天", "minute": "分钟", "tick": "Tick"}
LOG_CAP = 1000  # lines the web log shows before it answers max:true (protocol.md §2.14)
LOG_PAGE = 100
RESULT_PAGE = 1000
RISK_FREE = 0.04


def emulated_fraction(row: sqlite3.Row, now: float) -> float:
    """Fraction of the emulated run time passed at ``now`` (or at the cancel)."""
    end = now if row["cancelled_at"] is None else min(now, row["cancelled_at"])
    start = row["created"] + row["queue_s"]
    if row["run_s"] <= 0:
        return 1.0 if end >= start else 0.0
    fraction: float = max(0.0, min(1.0, (end - start) / float(row["run_s"])))
    return fraction


def compile_errors(code: str) -> List[str]:
    """The compile error as protocol.md §9.1 shows it (``File "user_code.py", line N``, the source
    line, the caret, ``SyntaxError: …``) when Python's compiler rejects ``code``, else ``[]``."""
    try:
        compile(code, "user_code.py", "exec")
    except (SyntaxError, ValueError) as exc:
        lines = ["Traceback (most recent call last):"]
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


def job_for(row: sqlite3.Row, config: SandboxConfig, days: List[date]) -> Dict[str, object]:
    """The engine job of protocol-free fields (see ``engine.child``) for one backtest row."""
    return {
        "code": row["code"],
        "start": row["start_date"],
        "end": row["end_date"],
        "capital": float(row["capital"]),
        "frequency": row["frequency"],
        "trade_days": [str(d) for d in days],
        "memory_mb": int(config.run_memory_mb),
        "cpu_seconds": int(math.ceil(config.run_timeout)) + 5,
    }


def now_text() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")
