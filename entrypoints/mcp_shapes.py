"""Tool-layer views of the CLI's JSON for ``jqcli mcp serve`` (no SDK, no I/O).

The CLI has no summary mode for ``backtest result`` and no grep/tail for
``backtest logs``; these functions derive them from the CLI's own JSON, so the
numbers are the CLI's numbers.  Each view says what it did in the output
(``summary: true``, ``filter: {...}``), and the argument that turns it off
returns the CLI's JSON unchanged.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Dict, List, Optional

# JoinQuant's curve times are epoch milliseconds of the trading day's midnight in Beijing (UTC+8).
_BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def summarize_result(data: Dict[str, Any], arguments: Dict[str, Any]) -> Dict[str, Any]:
    """``backtest result`` with each curve reduced to its size, first/last points and range."""
    if not arguments.get("summary", True):
        return data
    out = {key: value for key, value in data.items() if key not in ("data", "response")}
    out["summary"] = True
    out["series"] = _series(data.get("data"), "")
    out["hint"] = "这是曲线摘要;传 summary: false 取回与 CLI 相同的完整曲线,用 offset/all 分页"
    return out


def _series(node: Any, path: str) -> Dict[str, Any]:
    found: Dict[str, Any] = {}
    if not isinstance(node, dict):
        return found
    times, values = node.get("time"), node.get("value")
    if isinstance(times, list) and isinstance(values, list):
        found[path or "."] = _curve(times, values)
        return found
    for key, child in node.items():
        found.update(_series(child, f"{path}.{key}" if path else str(key)))
    return found


def _curve(times: List[Any], values: List[Any]) -> Dict[str, Any]:
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    summary: Dict[str, Any] = {"points": len(values)}
    if values:
        summary["first"] = _point(times, values, 0)
        summary["last"] = _point(times, values, len(values) - 1)
    if numbers:
        summary["min"] = min(numbers)
        summary["max"] = max(numbers)
    return summary


def _point(times: List[Any], values: List[Any], index: int) -> Dict[str, Any]:
    stamp = times[index] if index < len(times) else None
    point: Dict[str, Any] = {"time": stamp, "value": values[index]}
    date = _date_of(stamp)
    if date:
        point["date"] = date
    return point


def _date_of(stamp: Any) -> Optional[str]:
    if isinstance(stamp, bool) or not isinstance(stamp, (int, float)):
        return None
    try:
        return datetime.datetime.fromtimestamp(stamp / 1000.0, _BEIJING).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def filter_logs(data: Dict[str, Any], arguments: Dict[str, Any]) -> Dict[str, Any]:
    """``backtest logs`` lines kept by ``grep`` (a case-insensitive regex), then the last ``tail`` of them."""
    grep, tail = arguments.get("grep"), arguments.get("tail")
    lines = data.get("logs")
    if (not grep and tail is None) or not isinstance(lines, list):
        return data
    kept = [line for line in lines if re.search(grep, str(line), re.IGNORECASE)] if grep else list(lines)
    matched = len(kept)
    if tail is not None:
        kept = kept[-int(tail) :]
    out = dict(data)
    out["logs"] = kept
    out["filter"] = {"grep": grep or "", "tail": tail, "lines_read": len(lines), "matched": matched}
    return out
