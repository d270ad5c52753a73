"""Backtests: status rules, modes, the site's refusals, and value objects.

Status (architecture §5, protocol.md §4): the row's status *text* decides
first; the numeric code is read by the best evidence (0 queued → running,
1 running, 2 done, 3 failed, 4 cancelled) — which deliberately departs from
the spec's numeric table (1 failed, 3 cancelled) that live observation
contradicts; anything else is passed through raw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Dict, Iterable, Iterator, Optional, Tuple

import attrs

RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"
TERMINAL = frozenset({DONE, FAILED, CANCELLED})

# The one status table: (kind, key, status).  "text" keys are substrings of the list's status
# cell, checked in this order; "code" keys are the list's ``_status`` / result ``state`` values.
STATUS_TABLE: Tuple[Tuple[str, str, str], ...] = (
    ("text", "完成", DONE),
    ("text", "失败", FAILED),
    ("text", "取消", CANCELLED),
    ("text", "运行", RUNNING),
    ("text", "排队", RUNNING),
    ("text", "回测中", RUNNING),
    ("text", "进行中", RUNNING),
    ("code", "0", RUNNING),  # queued: waiting for a worker
    ("code", "1", RUNNING),
    ("code", "2", DONE),
    ("code", "3", FAILED),
    ("code", "4", CANCELLED),
)

STATUS_FILTERS: Tuple[str, ...] = ("all", RUNNING, DONE, FAILED, CANCELLED)


def status_of(text: str = "", code: object = None) -> str:
    """The jqcli status of a row/task: text first, then the numeric code, else the raw code."""
    cleaned = " ".join(str(text or "").split())
    if cleaned:
        for kind, key, status in STATUS_TABLE:
            if kind == "text" and key in cleaned:
                return status
    raw = "" if code is None else str(code).strip()
    if raw.endswith(".0") and raw[:-2].isdigit():
        raw = raw[:-2]
    for kind, key, status in STATUS_TABLE:
        if kind == "code" and key == raw:
            return status
    return raw


# --- modes -------------------------------------------------------------------------------------


@attrs.frozen
class Mode:
    """A backtest mode and its wire value (``backtest[type]`` and ``/backtest/del?type=``)."""

    name: str
    wire_type: str
    label: str


MODES: Dict[str, Mode] = {
    "backtest": Mode("backtest", "0", "正式回测"),
    "compile": Mode("compile", "1", "编译运行"),
}


def mode_for(compile_run: bool) -> Mode:
    return MODES["compile" if compile_run else "backtest"]


FREQUENCIES: Tuple[str, ...] = ("day", "minute")


# --- value objects -----------------------------------------------------------------------------


@attrs.frozen
class BacktestRow:
    """One row of the history list (``/algorithm/backtest/list`` or ``buildList``)."""

    id: str  # detail id ``_backtestId2``
    list_id: str  # ``_backtestId``: what /backtest/del takes
    source_id: str = ""
    numeric_id: str = ""
    name: str = ""
    status: str = ""
    status_code: str = ""
    status_text: str = ""
    start_date: str = ""
    end_date: str = ""
    capital: Optional[float] = None
    frequency: str = ""
    run_time: str = ""
    metrics: Mapping[str, str] = attrs.field(factory=dict)
    submitted_at: str = ""


CORE_METRICS = ("annual_algo_return", "sharpe")
ANY_METRICS = ("annual_algo_return", "algorithm_return", "max_drawdown", "sharpe", "trading_days")


def has_core_metrics(metrics: object) -> bool:
    """Stats are complete (not ``[]``, not only ``report_done_seconds``)."""
    return isinstance(metrics, Mapping) and all(metrics.get(key) not in (None, "") for key in CORE_METRICS)


def has_any_metrics(metrics: object) -> bool:
    return isinstance(metrics, Mapping) and any(key in metrics for key in ANY_METRICS)


def metrics_dict(metrics: object) -> Dict[str, object]:
    """``[]`` (not ready) becomes ``{}``."""
    return dict(metrics) if isinstance(metrics, Mapping) else {}


def filter_rows(rows: Iterable[BacktestRow], status: str) -> Iterator[BacktestRow]:
    """The rows with ``status`` (every row for ``all``), lazily and in order."""
    return iter(rows) if status == "all" else (row for row in rows if row.status == status)
