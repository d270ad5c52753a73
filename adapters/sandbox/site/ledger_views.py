"""Trades, positions, risk windows, run times and the account's run statistics (protocol.md §3.1, §9.2–9.7).

``transactionInfo`` / ``positionInfo`` page by a cursor: ``offset`` = rows read
so far (``dateOffset`` is accepted and, as the offset alone names the place,
only checked for shape).  Pages alternate 99 and 100 rows, so a short page is
not the end; the end is an empty page.  After ``LEDGER_CAP`` rows in total an
empty page carries ``max: true`` (truncated: the rest is only in the export).
"""

from __future__ import annotations

import sqlite3
from typing import Callable, Dict, List

from jqcli.adapters.sandbox.site import ids, run_view, runs
from jqcli.adapters.sandbox.site.backtest_views import _offset, _readable
from jqcli.adapters.sandbox.site.kernel import Call
from jqcli.adapters.sandbox.site.outputs import Outputs
from jqcli.adapters.sandbox.site.web import Response, cn_date, fmt_time, ok

LEDGER_CAP = 1000
NEVER = "0000-00-00 00:00:00"


def _page_size(offset: int) -> int:
    return 99 if (offset // 99) % 2 == 0 else 100


def _ledger(call: Call, pick: Callable[[Outputs], List[Dict[str, object]]], key: str) -> Response:
    bt = _readable(call)
    if isinstance(bt, Response):
        return bt
    run = run_view.RunView(call.site, bt, call.now)
    cutoff = run.cutoff()
    rows: List[Dict[str, object]] = [r for r in pick(run.outputs()) if cutoff is None or str(r.get("date")) <= cutoff]
    offset = _offset(call)
    if offset >= LEDGER_CAP:
        return ok({"status": str(run.state), key: [], "max": len(rows) > LEDGER_CAP})
    stop = min(offset + _page_size(offset), LEDGER_CAP, len(rows))
    page = rows[offset:stop] if offset < stop else []
    return ok({"status": str(run.state), key: page, "max": False})


def transaction_info(call: Call) -> Response:
    return _ledger(call, lambda out: out.trades, "transaction")


def position_info(call: Call) -> Response:
    return _ledger(call, lambda out: out.positions, "position")


def risk(call: Call) -> Response:
    """``data.risk`` = the engine's monthly windows once done; ``risk: false`` before (protocol.md §9.7)."""
    bt = _readable(call)
    if isinstance(bt, Response):
        return bt
    run = run_view.RunView(call.site, bt, call.now)
    windows = (run.result or {}).get("risk")
    if run.state != runs.DONE or not isinstance(windows, dict) or not windows:
        return ok({"risk": False})
    return ok({"risk": windows})


def _used(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 60}分{whole % 60:02d}秒"


def run_time_info(call: Call) -> Response:
    bt = _readable(call)
    if isinstance(bt, Response):
        return bt
    run = run_view.RunView(call.site, bt, call.now)
    begin = bt["created"] + bt["queue_s"]
    until_now = 0.0 if run.state == runs.QUEUED else min(call.now, bt["cancelled_at"] or call.now) - begin
    if run.terminal and bt["cancelled_at"] is None:
        until_now = run.seconds()
    return ok(
        {
            "startTime": f"{bt['start_date']} 00:00:00",
            "endTime": f"{bt['end_date']} 23:59:59",
            "addTime": fmt_time(bt["created"]),
            "runStartTime": fmt_time(begin) if run.state != runs.QUEUED else NEVER,
            "cancelTime": fmt_time(bt["cancelled_at"]) if bt["cancelled_at"] is not None else NEVER,
            "currentTime": fmt_time(call.now),
            "needSeconds": int(max(bt["run_s"], 1)),
            "untilNowSec": int(max(0.0, until_now)),
            "status": str(run.state),
            "creditsLog": [],
        }
    )


def statistics(call: Call) -> Response:
    """``data{running[], done[], duration{used, free}}``: the account's live runs, today's finished ones,
    free minutes used today and those left (protocol.md §9.3; ``free`` = minutes still free today)."""
    today = cn_date(call.now)
    rows = call.db.all(
        "SELECT * FROM backtests WHERE user_id=? AND deleted=0 AND created > ? ORDER BY created DESC, id DESC",
        (call.user_id, call.now - 3 * 86400.0),
    )
    running, done = [], []
    for bt in rows:
        if not run_view.unfinished(call.site, bt, call.now):
            if bt["cancelled_at"] is None and cn_date(bt["created"]) == today:
                done.append(_entry(call, bt, _engine_seconds(call, bt)))
            continue
        begin = bt["created"] + bt["queue_s"]
        running.append(_entry(call, bt, max(0.0, call.now - begin)))
    user = call.db.one("SELECT free_day, free_used FROM users WHERE id=?", (call.user_id,))
    used = float(user["free_used"]) if user is not None and user["free_day"] == today else 0.0
    free = max(0.0, call.config.free_minutes - used)
    return ok({"running": running, "done": done, "duration": {"used": f"{used:g}", "free": int(free)}})


def _engine_seconds(call: Call, bt: sqlite3.Row) -> float:
    stats = (call.site.runner.result(bt["id"]) or {}).get("stats") if not bt["compile_error"] else None
    engine = stats.get("report_done_seconds") if isinstance(stats, dict) else None
    return max(float(bt["run_s"]), float(engine) if isinstance(engine, (int, float)) else 0.0)


def _entry(call: Call, bt: sqlite3.Row, seconds: float) -> Dict[str, object]:
    return {
        "id": call.mint(ids.BACKTEST, bt["id"]),
        "name": bt["name"],
        "usedSec": _used(seconds),
        "time": fmt_time(bt["created"]),
    }
