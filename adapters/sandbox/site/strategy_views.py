"""Strategy pages and writes: list, editor, new, save, del (protocol.md §2.3–2.7, §7.5–7.7)."""

from __future__ import annotations

import base64
import binascii
import math
import re
import sqlite3
from typing import Dict, List, Optional

from jqcli.adapters.sandbox.site import ids
from jqcli.adapters.sandbox.site.kernel import Call
from jqcli.adapters.sandbox.site.markup import editor_page, folder_row, not_found_page, pagination, strategy_list_page
from jqcli.adapters.sandbox.site.markup import strategy_row as render_strategy_row
from jqcli.adapters.sandbox.site.web import Response, fail, fmt_time, html_response, ok, redirect

TEMPLATE = (
    "# 导入函数库\nfrom jqdata import *\n\n\ndef initialize(context):\n    set_benchmark('000300.XSHG')\n"
    "    run_daily(market_open, time='09:30')\n\n\ndef market_open(context):\n    pass\n"
)
DEFAULTS = {"start_date": "2024-01-01", "end_date": "2024-06-28", "capital": "100000", "frequency": "day"}
B64_JUNK = re.compile(r"[^A-Za-z0-9+/=]")


def page_token(call: Call) -> str:
    return call.session["page_token"] if call.session is not None else ids.hex_token(20)


def _int(text: str, default: int) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def list_page(call: Call) -> Response:
    """``/algorithm/index/list[?page=N][&fId=F][&query=Q]``: folders first, then strategies by last change."""
    fid = _int(call.req.param("fId"), 0)
    folder_name = ""
    if fid:
        folder = call.db.one("SELECT * FROM folders WHERE id=? AND user_id=?", (fid, call.user_id))
        if folder is None:
            return html_response(not_found_page(), 404)
        folder_name = folder["name"]
    query = call.req.param("query").strip()
    like = f"%{query}%"
    folders = call.db.all(
        "SELECT * FROM folders WHERE user_id=? AND COALESCE(parent_id,0)=? AND name LIKE ? ORDER BY modified DESC",
        (call.user_id, fid, like),
    )
    total = len(folders) + int(
        call.db.scalar(
            "SELECT COUNT(*) FROM strategies WHERE user_id=? AND COALESCE(folder_id,0)=? AND deleted=0 AND name LIKE ?",
            (call.user_id, fid, like),
            0,
        )
    )
    size = max(1, call.config.page_size)
    last = max(1, math.ceil(total / size))
    current = max(1, _int(call.req.param("page"), 1))
    start = (current - 1) * size
    rows = [folder_row(f["id"], f["name"], fmt_time(f["modified"])) for f in folders[start : start + size]]
    skip = max(0, start - len(folders))
    want = size - len(rows)
    strategies = call.db.all(
        "SELECT s.*, (SELECT COUNT(*) FROM backtests b WHERE b.strategy_id=s.id AND b.type=0 AND b.deleted=0) AS bts,"
        " (SELECT COUNT(*) FROM backtests b WHERE b.strategy_id=s.id AND b.type=1 AND b.deleted=0) AS builds"
        " FROM strategies s WHERE user_id=? AND COALESCE(folder_id,0)=? AND deleted=0 AND name LIKE ?"
        " ORDER BY modified DESC, id DESC LIMIT ? OFFSET ?",
        (call.user_id, fid, like, want, skip),
    )
    rows.extend(render_strategy_row(_row_view(call, s)) for s in strategies)
    base = "/algorithm/index/list" + (f"?fId={fid}" if fid else "")
    return html_response(strategy_list_page(rows, pagination(base, current, last), folder_name=folder_name))


def _row_view(call: Call, s: sqlite3.Row) -> Dict[str, object]:
    return {
        "row_id": call.mint(ids.STRATEGY, s["id"]),
        "edit_id": call.mint(ids.STRATEGY, s["id"]),
        "history_id": call.mint(ids.STRATEGY, s["id"]),
        "name": s["name"],
        "modified": fmt_time(s["modified"]),
        "compiles": max(int(s["compile_count"]), int(s["builds"])),
        "backtests": int(s["bts"]),
    }


def own_strategy(call: Call, alias: str) -> Optional[sqlite3.Row]:
    """The caller's live strategy named by any alias it was ever given, else None."""
    obj = call.resolve(ids.STRATEGY, alias)
    if obj is None:
        return None
    return call.db.one("SELECT * FROM strategies WHERE id=? AND user_id=? AND deleted=0", (obj, call.user_id))


def edit_page(call: Call) -> Response:
    """``/algorithm/index/edit?algorithmId=<any strategy id>``: the editor form of protocol.md §2.4."""
    s = own_strategy(call, call.req.param("algorithmId"))
    if s is None:
        return html_response(not_found_page(), 404)
    last = call.db.scalar(
        "SELECT id FROM backtests WHERE strategy_id=? AND deleted=0 ORDER BY created DESC, id DESC LIMIT 1", (s["id"],)
    )
    form = {
        "save_id": call.mint(ids.STRATEGY, s["id"]),
        "user_id": call.mint(ids.USER, call.uid),
        "name": s["name"],
        "start": s["start_date"] or DEFAULTS["start_date"],
        "end": s["end_date"] or DEFAULTS["end_date"],
        "capital": s["capital"] or DEFAULTS["capital"],
        "frequency": s["frequency"] or DEFAULTS["frequency"],
    }
    last_id = call.mint(ids.BACKTEST, int(last)) if last is not None else ""
    return html_response(editor_page(form, s["code"], page_token(call), last_id))


def create_strategy(call: Call, name: str, code: str, folder: Optional[int]) -> int:
    with call.db.write() as conn:
        cur = conn.execute(
            "INSERT INTO strategies(user_id, folder_id, name, code, created, modified, start_date, end_date,"
            " capital, frequency) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (call.user_id, folder, name, code, call.now, call.now, *DEFAULTS.values()),
        )
        new_id = int(cur.lastrowid or 0)
        ids.register_canonical(conn, call.config.seed, ids.STRATEGY, [new_id])
    return new_id


def new(call: Call) -> Response:
    """``/algorithm/index/new`` (GET or POST creates) → 302 to the new editor page, empty body, XHR or not.

    protocol.md §2.5: that is what the site was seen to answer; the JSON ``data.algorithmId`` shape is only a
    fixture's, so a client must take the id from ``Location`` (or fall back to the list).
    """
    fid = _int(call.req.param("fId"), 0)
    if fid and call.db.one("SELECT 1 FROM folders WHERE id=? AND user_id=?", (fid, call.user_id)) is None:
        fid = 0
    code = call.req.param("code") or TEMPLATE
    count = int(call.db.scalar("SELECT COUNT(*) FROM strategies WHERE user_id=?", (call.user_id,), 0))
    new_id = create_strategy(call, f"策略{count + 1}", code, fid or None)
    edit_id = call.mint(ids.STRATEGY, new_id)
    return redirect(f"/algorithm/index/edit?algorithmId={edit_id}&isNew=1&type=empty&f=")


def decode_code(call: Call) -> Optional[str]:
    """``algorithm[code]``: base64 (standard alphabet) when ``encrType=base64``, else plain text.

    Like PHP's ``base64_decode``, characters outside the alphabet are dropped, so a
    client that forgets to escape ``+`` gets its code corrupted, as on the site.
    """
    if "algorithm[code]" not in call.req.form and "algorithm[code]" not in call.req.query:
        return None
    raw = call.req.param("algorithm[code]")
    if call.req.param("encrType") != "base64":
        return raw
    cleaned = B64_JUNK.sub("", raw).rstrip("=")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def apply_form(call: Call, strategy_id: int, *, bump_compiles: bool = False) -> None:
    """Persist what the editor form carries: name, code and backtest settings."""
    sets: List[str] = ["modified=?"]
    values: List[object] = [call.now]
    name = call.req.param("algorithm[name]").strip()
    if name:
        sets.append("name=?")
        values.append(name)
    code = decode_code(call)
    if code is not None:
        sets.append("code=?")
        values.append(code)
    for field, column in (("startTime", "start_date"), ("endTime", "end_date"), ("baseCapital", "capital")):
        value = call.req.param(f"backtest[{field}]").strip()
        if value:
            sets.append(f"{column}=?")
            values.append(value[:10] if column != "capital" else value)
    freq = call.req.param("backtest[frequency]").strip()
    if freq:
        sets.append("frequency=?")
        values.append(freq)
    if bump_compiles:
        sets.append("compile_count=compile_count+1")
    with call.db.write() as conn:
        conn.execute(f"UPDATE strategies SET {', '.join(sets)} WHERE id=?", (*values, strategy_id))


def save(call: Call) -> Response:
    """``/algorithm/index/save``: rename and/or replace the code; answers a fresh save id."""
    s = own_strategy(call, call.req.param("algorithm[algorithmId]") or call.req.param("algorithmId"))
    if s is None:
        return fail("策略不存在")
    apply_form(call, s["id"])
    return ok({"algorithmId": call.mint(ids.STRATEGY, s["id"])})


def delete(call: Call) -> Response:
    """``/algorithm/index/del``: refused as 不合法请求 without the XHR header and a list-page Referer."""
    if not call.req.is_xhr or "/algorithm/index/list" not in call.req.headers.get("referer", ""):
        return fail("不合法请求")
    targets = []
    for alias in filter(None, (a.strip() for a in call.req.param("algorithmId").split(","))):
        s = own_strategy(call, alias)
        if s is None:
            return fail("策略不存在或已删除")
        targets.append(s["id"])
    if not targets:
        return fail("参数错误")
    with call.db.write() as conn:
        conn.executemany("UPDATE strategies SET deleted=1, modified=? WHERE id=?", [(call.now, t) for t in targets])
    return ok(None)
