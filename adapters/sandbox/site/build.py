"""``POST /algorithm/index/build``: start a formal backtest (type 0) or a compile run (type 1).

Checks, in the site's order as far as protocol.md knows it: the strategy, the
dates (end ≤ previous weekday), the capital and frequency, then — inside one
``BEGIN IMMEDIATE`` transaction so that parallel builds cannot both slip in —
the cap of 2 unfinished runs per account and the free-minutes budget
(``msg "50000"`` unless ``useCredit=1``, then credits; ``"50001"`` when short).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import List, Optional

from jqcli.adapters.sandbox.site import ids, launch
from jqcli.adapters.sandbox.site.kernel import Call
from jqcli.adapters.sandbox.site.run_view import unfinished
from jqcli.adapters.sandbox.site.runs import (
    compile_errors,
    day_seconds,
    minutes_cost,
    parse_day,
    previous_weekday,
    trade_days,
)
from jqcli.adapters.sandbox.site.strategy_views import apply_form, own_strategy
from jqcli.adapters.sandbox.site.web import CN, Response, cn_date, fail, ok

NUMERIC_BASE = 55500000  # backtestId_ = NUMERIC_BASE + internal id (the site's ids look like 55544646)
MAX_RUNNING = 2
FREQUENCIES = ("day", "minute", "tick")
RECENT_SECONDS = 3 * 86400.0  # older runs are over: no emulated time or engine limit lasts that long


def build(call: Call) -> Response:
    s = own_strategy(call, call.req.param("algorithm[algorithmId]") or call.req.param("algorithmId"))
    if s is None:
        return fail("策略不存在")
    btype = call.req.param("backtest[type]", "1").strip() or "1"
    if btype not in ("0", "1"):
        return fail("回测类型不正确")
    apply_form(call, s["id"])  # building persists the posted code, name and settings, like the site
    start, end = parse_day(call.req.param("backtest[startTime]")), parse_day(call.req.param("backtest[endTime]"))
    if start is None or end is None:
        return fail("请选择回测开始和结束时间")
    today = datetime.fromtimestamp(call.now, CN).date()
    if end > previous_weekday(today):
        return fail("结束时间不能大于前一个交易日")
    if start > end:
        return fail("开始时间不能大于结束时间")
    try:
        capital = float(call.req.param("backtest[baseCapital]", "100000") or "100000")
    except ValueError:
        return fail("初始资金格式不正确")
    frequency = call.req.param("backtest[frequency]", "day").strip() or "day"
    if capital <= 0 or frequency not in FREQUENCIES:
        return fail("初始资金或回测频率不正确")
    days = trade_days(start, end)
    if not days:
        return fail("回测区间内没有交易日")
    return _start_run(call, s["id"], int(btype), str(start), str(end), capital, frequency, days)


def _start_run(
    call: Call, strategy_id: int, btype: int, start: str, end: str, capital: float, frequency: str, days: List[date]
) -> Response:
    minutes = minutes_cost(len(days), frequency)
    use_credit = call.req.param("useCredit") == "1"
    with call.db.write() as conn:
        recent = conn.execute(
            "SELECT * FROM backtests WHERE user_id=? AND deleted=0 AND cancelled_at IS NULL AND created > ?",
            (call.user_id, call.now - RECENT_SECONDS),
        ).fetchall()
        running = sum(1 for row in recent if unfinished(call.site, row, call.now))
        if running >= MAX_RUNNING:
            return fail(f"当前可并行回测数已达{MAX_RUNNING}个")
        refusal = _charge(call, conn, minutes, use_credit)
        if refusal:
            return fail(refusal)
        strategy = conn.execute("SELECT name, code FROM strategies WHERE id=?", (strategy_id,)).fetchone()
        errors = compile_errors(strategy["code"])
        cur = conn.execute(
            "INSERT INTO backtests(user_id, strategy_id, type, name, code, start_date, end_date, capital, frequency,"
            " created, queue_s, run_s, compile_error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                call.user_id,
                strategy_id,
                btype,
                strategy["name"],
                strategy["code"],
                start,
                end,
                capital,
                frequency,
                call.now,
                call.config.queue_seconds,
                call.config.run_seconds,
                "\n".join(errors) or None,
            ),
        )
        bt_id = int(cur.lastrowid or 0)
        ids.register_backtests(conn, call.config.seed, [bt_id])
        if btype == 1:
            conn.execute("UPDATE strategies SET compile_count=compile_count+1 WHERE id=?", (strategy_id,))
    launch.start_run(call.site, bt_id)  # the engine starts at once; the emulated queue time overlaps it
    return ok(
        {
            "algorithmId": call.mint(ids.STRATEGY, strategy_id),
            "backtestId": call.mint(ids.BT_BUILD, bt_id),
            "backtestId_": str(NUMERIC_BASE + bt_id),
            "tradeDays": [day_seconds(d) for d in days],
        }
    )


def _charge(call: Call, conn: sqlite3.Connection, minutes: int, use_credit: bool) -> str:
    """Spend free minutes (per account and Beijing day), else credits; returns the refusal ``msg`` or ""."""
    user = conn.execute("SELECT credits, free_day, free_used FROM users WHERE id=?", (call.user_id,)).fetchone()
    today = cn_date(call.now)
    used = user["free_used"] if user["free_day"] == today else 0.0
    if used + minutes <= call.config.free_minutes:
        conn.execute("UPDATE users SET free_day=?, free_used=? WHERE id=?", (today, used + minutes, call.user_id))
        return ""
    if not use_credit:
        return "50000"
    if user["credits"] < minutes:
        return "50001"
    conn.execute("UPDATE users SET credits=credits-? WHERE id=?", (minutes, call.user_id))
    return ""


DETAIL_ROLES = (ids.BACKTEST, ids.BT_BUILD, ids.BT_LIST, ids.BT_DETAIL)  # protocol.md §2.10 (+ the numeric id)


def backtest_by_any_id(
    call: Call, alias: str, roles: ids.Kinds = DETAIL_ROLES, *, numeric: bool = True
) -> Optional[sqlite3.Row]:
    """A live backtest named by an alias of one of ``roles`` ever issued, or (``numeric``) by ``backtestId_``."""
    alias = (alias or "").strip()
    obj: Optional[int]
    if alias.isdigit():
        if not numeric:
            return None
        obj = int(alias) - NUMERIC_BASE
    else:
        obj = call.resolve(roles, alias)
    if obj is None or obj <= 0:
        return None
    return call.db.one("SELECT * FROM backtests WHERE id=? AND deleted=0", (obj,))
