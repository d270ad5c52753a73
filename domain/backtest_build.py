"""What ``backtest run`` sends and what the site answers (protocol.md §2.8).

Apart from ``domain.backtest`` so that listing and reading runs do not build these classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

import attrs

from jqcli.domain.backtest import MODES, Mode
from jqcli.domain.errors import ApiError, JqcliError, UsageError


@attrs.frozen
class BacktestRequest:
    """What ``backtest run`` asks the site to start."""

    strategy_id: str
    start: str  # YYYY-MM-DD
    end: str  # YYYY-MM-DD
    mode: Mode = MODES["backtest"]
    capital: Optional[float] = None
    frequency: str = "day"
    use_credit: bool = False


@attrs.frozen
class BuildResult:
    """The site's answer to ``/algorithm/index/build``."""

    id: str  # numeric ``backtestId_`` (or the hex id when absent): opens the detail page
    list_id: str  # hex ``backtestId``
    save_id: str
    response: object = None


# --- the site's refusals of /algorithm/index/build ---------------------------------------------

_BUSY = ("系统繁忙",)
_CAP = ("并行", "并发")
_END_DATE = ("结束时间", "前一个交易日")


def build_refusal(msg: str, details: Mapping[str, object]) -> JqcliError:
    """The clear Chinese error for a refused build (protocol.md §1.3, §2.8)."""
    text = str(msg or "").strip()
    info = dict(details)
    if text == "50000":
        return ApiError(
            "免费回测时间不足",
            details={**info, "reason": "free_time_exhausted"},
            hint="如确认消耗积分继续运行,请加 --use-credit 重新运行;用 jqcli account quota 查看今日已用和免费分钟",
        )
    if text == "50001":
        return ApiError(
            "积分不足,无法继续运行回测",
            details={**info, "reason": "credits_insufficient"},
            hint="用 jqcli account quota 查看今日已用和免费分钟",
        )
    if any(word in text for word in _CAP):
        return ApiError(
            f"同时运行的回测/编译已达上限:{text}",
            details={**info, "reason": "concurrency_cap"},
            hint="用 jqcli account quota 查看正在运行的回测和并行上限;等其中一个结束(或 jqcli backtest cancel)后再试",
        )
    if all(word in text for word in _END_DATE) or "结束时间" in text:
        return UsageError(
            f"结束日期不被接受:{text}",
            details={**info, "reason": "end_date"},
            hint="--end 不能晚于前一个交易日;不传 --end 时默认取前一个工作日",
        )
    if any(word in text for word in _BUSY):
        return ApiError(
            f"聚宽系统繁忙:{text}",
            details={**info, "reason": "busy"},
            hint="创建回测不会自动重试(以免重复创建);请先用 backtest ls 确认没有新记录,再重新运行",
        )
    return ApiError(f"创建回测失败:{text or '未知原因'}", details=info)
