"""The ``result`` endpoint's pages from the engine's day and record events (protocol.md §2.13, §9.7).

Curve values are percent, times unix milliseconds (the engine reports both);
``gains`` are the day's profit or loss in money, ``orders`` the day's buy
count and the sell count as a negative number.  ``userRecord`` maps each
``record()`` name to its points; its cursor ``userRecordOffset`` counts record
events and is independent of the curves' ``offset``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional


def _num(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def _series(times: List[int], values: List[object]) -> Dict[str, List[Any]]:
    return {"time": times, "value": values}


def curve_page(days: List[Dict[str, object]], offset: int, count: int) -> Dict[str, object]:
    page = days[offset : offset + count] if offset < len(days) else []
    times = [int(_num(d.get("time_ms"))) for d in page]
    return {
        "offset": str(offset),
        "count": str(len(page)),
        "benchmark": _series(times, [round(_num(d.get("benchmark")), 4) for d in page]),
        "overallReturn": _series(times, [round(_num(d.get("returns")), 4) for d in page]),
        "gains": {
            "earn": _series(times, [round(_num(d.get("earn")), 2) for d in page]),
            "lose": _series(times, [round(-abs(_num(d.get("lose"))), 2) for d in page]),
        },
        "orders": {
            "buy": _series(times, [int(_num(d.get("buy"))) for d in page]),
            "sell": _series(times, [-abs(int(_num(d.get("sell")))) for d in page]),
        },
    }


def user_record(
    records: List[Dict[str, object]], days: List[Dict[str, object]], offset: int, count: int
) -> Optional[Dict[str, Dict[str, List[Any]]]]:
    """``record()`` series up to the last visible day, from the ``offset``-th record event; ``None`` when none."""
    if not records:
        return None
    last = str(days[-1].get("date")) if days else ""
    visible = [r for r in records if last and str(r.get("date")) <= last]
    out: Dict[str, Dict[str, List[Any]]] = {}
    for event in visible[offset : offset + count]:
        values = event.get("values")
        if not isinstance(values, dict):
            continue
        for name, value in values.items():
            series = out.setdefault(str(name), {"time": [], "value": []})
            series["time"].append(int(_num(event.get("time_ms"))))
            series["value"].append(value)
    return out
