"""Exports: the result CSV and the zip flow (protocol.md §3.1, §9.7), read from the engine's run outputs.

* ``export?backtestId=&type=result``: a GB18030 CSV download (``Content-Disposition: attachment;
  filename=result_<n>.csv``) with the header ``时间,基准收益,策略收益,当日盈利,当日亏损,当日买入,当日卖出,超额收益(%)``;
* ``addExportZip?backtestId=&type=transaction|position|log&useCredit=0``: a GET that creates a task and
  spends one of the account's free exports of the (Beijing) day; past ``FREE_EXPORTS_PER_DAY`` it answers
  ``{"code":30000,"status":"0","data":{"ruleKey":"export_<type>"}}`` unless ``useCredit=1``;
* ``getExportStatus?task=``: ``data:false`` while packing (``PACK_SECONDS`` after creation), ``"1"`` ready,
  ``"2"`` no data;
* ``getExportZip?task=``: the zip (``transaction.csv`` / ``position.csv`` in GB18030, ``log.txt``), as often
  as asked; a task not ready or unknown answers a JSON refusal (the client checks the ``PK`` magic).

Tasks live in their own table, created on first use; the export button ids of the detail page are
aliases of the backtest (one role per kind); the run id is accepted too.
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
import zipfile
from typing import Dict, List, Optional, Sequence

from jqcli.adapters.sandbox.site import ids, run_view
from jqcli.adapters.sandbox.site.backtest_views import _readable
from jqcli.adapters.sandbox.site.build import NUMERIC_BASE, backtest_by_any_id
from jqcli.adapters.sandbox.site.kernel import Call
from jqcli.adapters.sandbox.site.web import Response, cn_date, fail, json_response, ok

TAG = re.compile(r"<[^>]*>")
FREE_EXPORTS_PER_DAY = 3
PACK_SECONDS = 1.0
KINDS = ("transaction", "position", "log")
RESULT_HEADER = ("时间", "基准收益", "策略收益", "当日盈利", "当日亏损", "当日买入", "当日卖出", "超额收益(%)")
TRANSACTION_HEADER = (  # the old frontend's trade table labels (protocol.md §9.6); 品种 carries the code
    "日期", "时间", "品种", "标的", "交易类型", "下单类型", "成交数量", "成交价", "成交额",
    "委托数量", "委托价格", "平仓盈亏", "手续费",
)  # fmt: skip
TRANSACTION_KEYS = (
    "date", "time", "security", "stock", "transaction", "type", "amount", "price", "total",
    "orderAmount", "limitPrice", "gains", "commission",
)  # fmt: skip
POSITION_HEADER = (  # the old frontend's position table labels (protocol.md §9.6)
    "日期", "品种", "标的", "多空", "数量", "收盘价/结算价", "市值/价值", "盈亏/逐笔浮盈", "开仓均价", "持仓均价",
    "保证金", "当日盈亏", "今手数", "仓位占比",
)  # fmt: skip
POSITION_KEYS = (
    "date", "security", "stock", "side", "amount", "price", "value", "gain", "avgCost", "holdCost",
    "margin", "dailyGains", "todayAmount", "positionPersent",
)  # fmt: skip
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS export_tasks(task TEXT PRIMARY KEY, user_id INTEGER, bt_id INTEGER, kind TEXT,"
    " created REAL, day TEXT, credit INTEGER)"
)


def _cell(value: object) -> str:
    text = "" if value is None else TAG.sub("", str(value))  # the cash row's label markup is not exported
    if any(ch in text for ch in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    lines = [",".join(header)] + [",".join(_cell(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def _num(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def _attachment(body: bytes, filename: str, content_type: str) -> Response:
    return Response(
        200,
        [("Content-Type", content_type), ("Content-Disposition", f"attachment; filename={filename}")],
        body,
    )


def export(call: Call) -> Response:
    """``export?type=result``: one row per simulated day, returns in percent as the curves."""
    if call.req.param("type", "result") != "result":
        return fail("不支持的导出类型")
    bt = _readable(call)
    if isinstance(bt, Response):
        return bt
    run = run_view.RunView(call.site, bt, call.now)
    if not run.terminal:
        return fail("回测尚未完成,无法导出")
    rows: List[List[object]] = []
    for day in run.outputs().days:
        a, b = _num(day.get("returns")), _num(day.get("benchmark"))
        excess = (a + 100) / (b + 100) * 100 - 100 if b > -100 else 0.0
        rows.append(
            [day.get("date"), round(b, 4), round(a, 4), round(_num(day.get("earn")), 2),
             round(-abs(_num(day.get("lose"))), 2), int(_num(day.get("buy"))), int(_num(day.get("sell"))),
             round(excess, 4)]
        )  # fmt: skip
    return _attachment(
        csv_bytes(RESULT_HEADER, rows), f"result_{NUMERIC_BASE + bt['id']}.csv", "text/csv; charset=gb18030"
    )


def _schema(call: Call) -> None:
    with call.db.write() as conn:
        conn.execute(SCHEMA)


def add_export_zip(call: Call) -> Response:
    kind = call.req.param("type")
    if kind not in KINDS:
        return fail("导出类型错误")
    # the button's own id, or the run id (§9.7: clients send either, both work)
    roles = (ids.BT_EXPORTS[KINDS.index(kind)], *ids.RUN_ROLES)
    bt = backtest_by_any_id(call, call.req.param("backtestId"), roles, numeric=False)
    if bt is None or bt["user_id"] != call.user_id:
        return fail("回测不存在或访问受限")
    if not run_view.RunView(call.site, bt, call.now).terminal:
        return fail("回测尚未完成,无法导出")
    _schema(call)
    day = cn_date(call.now)
    credit = call.req.param("useCredit", "0").strip() == "1"
    used = int(
        call.db.scalar(
            "SELECT COUNT(*) FROM export_tasks WHERE user_id=? AND day=? AND credit=0", (call.user_id, day), 0
        )
    )
    if used >= FREE_EXPORTS_PER_DAY and not credit:
        return json_response({"code": 30000, "status": "0", "data": {"ruleKey": f"export_{kind}"}, "msg": ""})
    task = os.urandom(12).hex()
    with call.db.write() as conn:
        conn.execute(
            "INSERT INTO export_tasks(task, user_id, bt_id, kind, created, day, credit) VALUES (?,?,?,?,?,?,?)",
            (task, call.user_id, bt["id"], kind, call.now, day, 1 if used >= FREE_EXPORTS_PER_DAY else 0),
        )
    return ok(task)


def _task(call: Call) -> Optional[sqlite3.Row]:
    _schema(call)
    row = call.db.one("SELECT * FROM export_tasks WHERE task=?", (call.req.param("task").strip(),))
    if row is None or row["user_id"] != call.user_id:
        return None
    return row


def _members(call: Call, task: sqlite3.Row) -> Dict[str, bytes]:
    bt = call.db.one("SELECT * FROM backtests WHERE id=?", (task["bt_id"],))
    if bt is None:
        return {}
    outputs = run_view.RunView(call.site, bt, call.now).outputs()
    if task["kind"] == "transaction":
        rows = [[r.get(k, "") for k in TRANSACTION_KEYS] for r in outputs.trades]
        return {"transaction.csv": csv_bytes(TRANSACTION_HEADER, rows)} if rows else {}
    if task["kind"] == "position":
        rows = [[r.get(k, "") for k in POSITION_KEYS] for r in outputs.positions]
        return {"position.csv": csv_bytes(POSITION_HEADER, rows)} if rows else {}
    lines = [text for _, text in outputs.logs]
    return {"log.txt": ("\n".join(lines) + "\n").encode("utf-8")} if lines else {}


def get_export_status(call: Call) -> Response:
    task = _task(call)
    if task is None:
        return fail("导出任务不存在")
    if call.now < task["created"] + PACK_SECONDS:
        return ok(False)
    return ok("1" if _members(call, task) else "2")


def get_export_zip(call: Call) -> Response:
    task = _task(call)
    if task is None:
        return fail("导出任务不存在")
    if call.now < task["created"] + PACK_SECONDS:
        return fail("文件正在打包,请稍后")
    members = _members(call, task)
    if not members:
        return fail("没有可导出的数据")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return _attachment(buffer.getvalue(), f"{task['kind']}.zip", "application/zip")
