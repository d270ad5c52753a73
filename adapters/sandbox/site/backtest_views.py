"""Backtest history lists, detail page and data endpoints (protocol.md §2.9–2.16, §7.8–7.11)."""

from __future__ import annotations

import math
import sqlite3
from typing import Dict, List, Union

from jqcli.adapters.sandbox.site import curves, ids, run_view, runs
from jqcli.adapters.sandbox.site.build import NUMERIC_BASE, backtest_by_any_id
from jqcli.adapters.sandbox.site.kernel import Call
from jqcli.adapters.sandbox.site.markup import detail_page, history_page, history_row, not_found_page, pagination
from jqcli.adapters.sandbox.site.strategy_views import own_strategy, page_token
from jqcli.adapters.sandbox.site.web import Response, fail, fmt_time, html_response, login_required_json, ok


def formal_list(call: Call) -> Response:
    return _history(call, 0, "/algorithm/backtest/list")


def build_list(call: Call) -> Response:
    return _history(call, 1, "/algorithm/backtest/buildList")


def _history(call: Call, btype: int, path: str) -> Response:
    s = own_strategy(call, call.req.param("algorithmId"))
    if s is None:
        return html_response(not_found_page(), 404)
    size = max(1, call.config.history_page_size)
    total = int(
        call.db.scalar(
            "SELECT COUNT(*) FROM backtests WHERE strategy_id=? AND type=? AND deleted=0", (s["id"], btype), 0
        )
    )
    last = max(1, math.ceil(total / size))
    current = max(1, int(call.req.param("page", "1")) if call.req.param("page", "1").isdigit() else 1)
    rows = call.db.all(
        "SELECT * FROM backtests WHERE strategy_id=? AND type=? AND deleted=0 ORDER BY created DESC, id DESC"
        " LIMIT ? OFFSET ?",
        (s["id"], btype, size, (current - 1) * size),
    )
    rendered, now_seen = [], []
    for index, bt in enumerate(rows, start=(current - 1) * size + 1):
        run = run_view.RunView(call.site, bt, call.now)
        state = run.state
        if state >= runs.DONE and not bt["list_seen_terminal"]:
            # The real list lags one poll behind completion: the first read after the end still says running.
            state = runs.RUNNING
            now_seen.append((bt["id"],))
        rendered.append(history_row(_row_view(call, run, index, state)))
    if now_seen:
        with call.db.write() as conn:
            conn.executemany("UPDATE backtests SET list_seen_terminal=1 WHERE id=?", now_seen)
    pager = pagination(f"{path}?algorithmId={call.mint(ids.STRATEGY, s['id'])}", current, last)
    return html_response(history_page(s["name"], rendered, pager))


def _percent(value: object) -> str:
    return f"{float(value) * 100:.2f}%" if isinstance(value, (int, float)) else "--"


def _row_view(call: Call, run: run_view.RunView, index: int, state: int) -> Dict[str, object]:
    bt = run.row
    metrics = ["--", "--", "--"]
    if state == runs.DONE:
        st = run.stats()
        keys = ("algorithm_return", "benchmark_return", "max_drawdown")
        metrics = [_percent(st.get(k)) for k in keys]
    created = fmt_time(bt["created"])
    return {
        "list_id": call.mint(ids.BT_LIST, bt["id"]),
        "detail_id": call.mint(ids.BT_DETAIL, bt["id"]),
        "source_id": call.mint(ids.BT_SOURCE, bt["id"]),
        "numeric_id": NUMERIC_BASE + bt["id"],
        "idx": index,
        "status": state,
        "status_text": runs.STATUS_TEXT[state],
        "name": bt["name"],
        "created_date": created[:10],
        "created_clock": created[11:],
        "start": bt["start_date"],
        "end": bt["end_date"],
        "capital": str(float(bt["capital"])),
        "run_time": f"{max(1, int(run.seconds()))}秒" if state in (runs.DONE, runs.FAILED) else "--",
        "frequency": runs.FREQ_TEXT.get(bt["frequency"], bt["frequency"]),
        "metrics": metrics,
    }


def detail(call: Call) -> Response:
    """``/algorithm/backtest/detail?backtestId=<list, detail, build hex or numeric id>``."""
    bt = backtest_by_any_id(call, call.req.param("backtestId"))
    if bt is None or bt["user_id"] != call.user_id:
        return html_response(not_found_page(), 404)
    state = run_view.RunView(call.site, bt, call.now).state
    # protocol.md §2.10: some live pages had the strategy and start-date inputs empty while source and
    # stats still worked; every fourth run's page is served that way (deterministically by run).
    bare = bt["id"] % 4 == 3
    info = {
        "run_id": call.mint(ids.BACKTEST, bt["id"]),
        "algorithm_id": "" if bare else call.mint(ids.STRATEGY, bt["strategy_id"]),
        "source_id": call.mint(ids.BT_SOURCE, bt["id"]),
        "numeric_id": str(NUMERIC_BASE + bt["id"]),
        "name": bt["name"],
        "start": bt["start_date"],
        "start_input": "" if bare else bt["start_date"],
        "end": bt["end_date"],
        "capital": f"{float(bt['capital']):.0f}",
        "frequency": bt["frequency"],
        "frequency_text": runs.FREQ_TEXT.get(bt["frequency"], bt["frequency"]),
        "status": str(state),
        "status_text": runs.STATUS_TEXT[state],
    }
    exports = [call.mint(kind, bt["id"]) for kind in ids.BT_EXPORTS]
    return html_response(detail_page(info, bt["code"], page_token(call), exports))


def _readable(
    call: Call, *, empty_when_missing: object = None, roles: ids.Kinds = ids.RUN_ROLES
) -> Union[sqlite3.Row, Response]:
    """The backtest when the caller may read it, else the response to send.

    The data endpoints take the run id only (protocol.md §1.6, §2.12: the detail page's ``#backtestId``);
    another role's id names nothing here, and is answered as an unknown id is.
    """
    bt = backtest_by_any_id(call, call.req.param("backtestId"), roles, numeric=False)
    if bt is not None and (bt["public"] or (call.full and bt["user_id"] == call.user_id)):
        return bt
    if bt is not None and not call.full:
        return login_required_json()
    if empty_when_missing is not None:
        return ok(empty_when_missing)
    return fail("回测不存在或访问受限")


def source(call: Call) -> Response:
    """The run id or the source id (protocol.md §2.11)."""
    bt = _readable(call, roles=(*ids.RUN_ROLES, ids.BT_SOURCE))
    return bt if isinstance(bt, Response) else ok({"source": bt["code"]})


def stats(call: Call) -> Response:
    """``data: []`` until the run is done (and for ids that name nothing), then the scalar metrics."""
    bt = _readable(call, empty_when_missing=[])
    if isinstance(bt, Response):
        return bt
    run = run_view.RunView(call.site, bt, call.now)
    if run.state != runs.DONE:
        return ok([])
    return ok(run.stats() or [])


def result(call: Call) -> Response:
    bt = _readable(call)
    if isinstance(bt, Response):
        return bt
    run = run_view.RunView(call.site, bt, call.now)
    if run.state == runs.QUEUED:
        return ok({"state": str(run.state), "result": None, "userRecord": None})
    out = run.outputs()
    days = out.days[: out.days_before(run.cutoff())]
    offset = _offset(call)
    page = curves.curve_page(days, offset, runs.RESULT_PAGE)
    records = curves.user_record(out.records, days, _offset(call, "userRecordOffset"), runs.RESULT_PAGE)
    return ok({"state": str(run.state), "result": page, "userRecord": records})


def log(call: Call) -> Response:
    """≤100 lines per call from ``offset``; ``max: true`` once the page reaches the display cap with more left."""
    bt = _readable(call)
    if isinstance(bt, Response):
        return bt
    if "offset" not in call.req.query and "offset" not in call.req.form:
        return Response(400, [("Content-Type", "text/html; charset=utf-8")], b"")  # protocol.md §9.1
    run = run_view.RunView(call.site, bt, call.now)
    cutoff = run.cutoff()
    lines = [text for day, text in run.outputs().logs if cutoff is None or day <= cutoff]
    if run.compile_error and run.terminal:
        first, *rest = run.compile_error.splitlines()
        lines = [f"{fmt_time(bt['created'] + bt['queue_s'])} - ERROR - {first}", *rest]
    available = len(lines)
    offset = _offset(call)
    visible = min(available, runs.LOG_CAP)
    page = lines[offset : min(visible, offset + runs.LOG_PAGE)] if offset < visible else []
    capped = available > runs.LOG_CAP and offset + len(page) >= runs.LOG_CAP
    return ok({"state": str(run.state), "logArr": page, "offset": str(offset), "max": capped})


def error(call: Call) -> Response:
    bt = _readable(call)
    if isinstance(bt, Response):
        return bt
    run = run_view.RunView(call.site, bt, call.now)
    lines: List[str] = []
    if run.state == runs.FAILED:
        if run.compile_error:
            lines = run.compile_error.split("\n")
        else:
            failure = (run.result or {}).get("error")
            text = str(failure.get("traceback") or "") if isinstance(failure, dict) else ""
            lines = [line for line in text.split("\n") if line.strip()]
    return ok({"state": str(run.state), "logArr": lines})


def _offset(call: Call, name: str = "offset") -> int:
    text = call.req.param(name, "0").strip()
    return int(text) if text.isdigit() else 0


def delete(call: Call) -> Response:
    """``/algorithm/backtest/del?type=0|1`` with the list id of the matching list → ``data: []``."""
    btype = call.req.param("type", "0")
    # §2.16: the list id; also the build's backtestId, which the spec's `backtest rm <list_id>` passes (ids.BT_BUILD)
    bt = backtest_by_any_id(call, call.req.param("backtestId"), (ids.BT_LIST, ids.BT_BUILD), numeric=False)
    if bt is None or bt["user_id"] != call.user_id or str(bt["type"]) != btype:
        return fail("回测不存在或已删除")
    with call.db.write() as conn:
        conn.execute("UPDATE backtests SET deleted=1 WHERE id=?", (bt["id"],))
    return ok([])


def cancel(call: Call) -> Response:
    """``/algorithm/index/cancel`` with the run id (protocol.md §3.1): only a queued or running run can be cancelled."""
    bt = backtest_by_any_id(call, call.req.param("backtestId"), ids.RUN_ROLES, numeric=False)
    if bt is None or bt["user_id"] != call.user_id:
        return fail("回测不存在")
    if run_view.RunView(call.site, bt, call.now).state not in (runs.QUEUED, runs.RUNNING):
        return fail("在此状态不能取消")
    with call.db.write() as conn:
        conn.execute("UPDATE backtests SET cancelled_at=? WHERE id=? AND cancelled_at IS NULL", (call.now, bt["id"]))
    call.site.runner.kill(bt["id"], cancelled=True)  # the engine's process group goes with the cancel
    return ok(None)
