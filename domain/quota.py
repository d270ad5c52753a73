"""The account's backtest quota from ``/algorithm/index/statistics`` (protocol.md §3.1, §9.3).

``data{running:[{id, name, usedSec:"45分02秒", time}], done:[…], duration:{used, free}}``: ``used`` is the
minutes used today (number or string), ``free`` the free minutes (whether the allowance or what remains
is not known, so both are reported as the site gives them).  Only a ``free`` of 0 says "no free time
left" under both readings; ``remaining`` is never derived, since ``free - used`` is wrong under one of
them.  The concurrency cap is 2 unless a refusal named another (``最多N个``).
"""

from __future__ import annotations

import re
from typing import Mapping, Optional, Sequence, Tuple

import attrs

DEFAULT_CONCURRENCY = 2
_CAP_TEXT = re.compile(r"最多\s*(\d+)\s*个")
_DURATION = re.compile(r"(?:(\d+)\s*(?:小时|时))?\s*(?:(\d+)\s*分(?:钟)?)?\s*(?:(\d+)\s*秒)?")


def seconds_of(text: object) -> Optional[int]:
    """``"45分02秒"``, ``"1小时2分"``, ``"30秒"`` or a number of seconds → seconds; None when unreadable."""
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return int(text)
    value = str(text or "").strip()
    if value.isdigit():
        return int(value)
    match = _DURATION.fullmatch(value)
    if not value or not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def minutes_of(value: object) -> Optional[float]:
    if isinstance(value, bool):
        return None
    try:
        return float(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None


def cap_from_refusal(text: str) -> Optional[int]:
    """The concurrency cap a refusal names (「当前并行编译或回测数量最多2个」 → 2)."""
    match = _CAP_TEXT.search(text or "")
    return int(match.group(1)) if match else None


@attrs.frozen
class RunningRun:
    id: str
    name: str
    started_at: str
    elapsed_seconds: Optional[int]


@attrs.frozen
class Quota:
    running: Tuple[RunningRun, ...]
    done_today: Optional[int]
    used_minutes: Optional[float]
    free_minutes: Optional[float]
    concurrency: int = DEFAULT_CONCURRENCY
    vip_type: Optional[str] = None

    @property
    def free_time_exhausted(self) -> bool:
        """The site says 0 free minutes (under either reading of ``free``, nothing free is left)."""
        return self.free_minutes is not None and self.free_minutes <= 0

    def can_start(self) -> Tuple[bool, str]:
        """Whether a new run would be accepted now, and why not (the reason is a Chinese sentence)."""
        if len(self.running) >= self.concurrency:
            return False, f"已有 {len(self.running)} 个回测/编译在运行,达到并行上限 {self.concurrency} 个"
        if self.free_time_exhausted:
            return False, "今日免费回测时间已用完,需加 --use-credit 消耗积分"
        return True, ""


def parse_statistics(data: object, *, concurrency: int = DEFAULT_CONCURRENCY, vip_type: Optional[str] = None) -> Quota:
    """The quota from the statistics endpoint's ``data`` (missing parts read as unknown, never as zero)."""
    info: Mapping[str, object] = data if isinstance(data, Mapping) else {}
    running_raw = info.get("running")
    running = (
        tuple(_running(item) for item in running_raw if isinstance(item, Mapping))
        if isinstance(running_raw, list)
        else ()
    )
    done = info.get("done")
    duration = info.get("duration")
    minutes: Mapping[str, object] = duration if isinstance(duration, Mapping) else {}
    return Quota(
        running=running,
        done_today=len(done) if isinstance(done, Sequence) and not isinstance(done, str) else None,
        used_minutes=minutes_of(minutes.get("used")),
        free_minutes=minutes_of(minutes.get("free")),
        concurrency=concurrency,
        vip_type=vip_type,
    )


def _running(item: Mapping[str, object]) -> RunningRun:
    return RunningRun(
        id=str(item.get("id") or item.get("backtestId") or ""),
        name=str(item.get("name") or ""),
        started_at=str(item.get("time") or ""),
        elapsed_seconds=seconds_of(item.get("usedSec")),
    )
