"""Backtest build, task states, history lists, detail and data endpoints (protocol.md §2.8–2.16, §4, §7.8–7.11)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from jqcli.adapters.sandbox.site.runs import LOG_CAP
from tests.sandbox.conftest import XHR, Client, settle

HEX32 = re.compile(r"[0-9a-f]{32}")
STATUS_TEXT = {"0": "排队中", "1": "运行中", "2": "完成", "3": "失败", "4": "已取消"}


def _history(c: Client, edit_id: str, path: str = "list") -> list:
    dom = c.get(f"/algorithm/backtest/{path}?algorithmId={edit_id}").dom
    return dom.find("table", id="backtest-feed-table").find("tbody").find_all("tr", cls="backtest-tr")


def _run(c: Client, name: str = "多因子选股", **kw) -> dict:
    resp = c.build(c.edit_id(name), **kw)
    assert resp.json["code"] == "00000", resp.text
    return resp.json["data"]


def test_build_answers_the_documented_ids(client) -> None:
    data = _run(client)
    assert HEX32.fullmatch(data["algorithmId"]) and HEX32.fullmatch(data["backtestId"])
    assert isinstance(data["backtestId_"], str) and data["backtestId_"].isdigit()
    first = datetime.fromtimestamp(data["tradeDays"][0], timezone.utc)
    assert len(data["tradeDays"]) == 64 and first.date().isoformat() in ("2024-01-01", "2024-01-02")


def test_states_follow_the_clock_and_stats_stay_empty_until_done(client, clock) -> None:
    run_id = _run(client)["backtestId"]
    state = lambda: client.get(f"/algorithm/backtest/result?backtestId={run_id}").json["data"]["state"]  # noqa: E731
    assert state() == "0"
    assert client.get(f"/algorithm/backtest/stats?backtestId={run_id}").json["data"] == []
    clock.advance(2)
    assert state() == "1"
    assert client.get(f"/algorithm/backtest/stats?backtestId={run_id}").json["data"] == []
    settle(client.app)
    assert state() == "1"  # the engine has ended but the emulated run time has not
    clock.advance(4)
    assert state() == "2"
    stats = client.post(f"/algorithm/backtest/stats?backtestId={run_id}", {"ajax": "1", "token": "x"}).json["data"]
    assert stats["trading_days"] == 64  # the engine's result.json, served as is (keys: test_engine_site.py)


def test_a_run_whose_emulated_time_is_over_still_runs_until_its_engine_ends(make_app, clock) -> None:
    c = Client(make_app(queue_seconds=0, run_seconds=0))
    c.login()
    edit_id = c.edit_id("多因子选股")
    form = c.editor_form(edit_id)
    form["algorithm[code]"] = "# FAKE:sleep\n"
    c.post("/algorithm/index/save", form, headers=XHR)
    run_id = _run(c)["backtestId"]
    clock.advance(60)
    assert c.get(f"/algorithm/backtest/result?backtestId={run_id}").json["data"]["state"] == "1"
    assert c.get(f"/algorithm/backtest/stats?backtestId={run_id}").json["data"] == []


def test_history_row_markup_and_the_one_poll_lag_after_completion(client, clock) -> None:
    edit_id = client.edit_id("多因子选股")
    _run(client)
    row = _history(client, edit_id)[0]
    assert row.attrs["_status"] == "0" and row.attrs["_idx"] == "1"
    assert HEX32.fullmatch(row.attrs["_backtestid"]) and HEX32.fullmatch(row.attrs["_backtestid2"])
    cells = row.cells()
    assert len(cells) == 18
    source = cells[0].find("input", cls="source-code")
    assert "hidden" in source.classes and HEX32.fullmatch(source.attrs["_backtestid"])
    assert source.attrs["backtestid_"].isdigit()
    assert cells[1].text == "1"
    assert cells[2].find("span", cls="backtest-name").attrs["title"] == "多因子选股"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d\d\d:\d\d:\d\d", cells[3].text)  # date<br>time
    assert cells[4].text == "2024-01-02- 2024-03-29" and cells[5].text == "1000000.0" and cells[7].text == "每天"
    assert [c.text for c in cells[8:11]] == ["--", "--", "--"]
    assert cells[16].find("span", cls="backtest-list__backtest-status").text == "排队中"
    settle(client.app)
    clock.advance(10)
    lagging = _history(client, edit_id)[0]
    assert lagging.attrs["_status"] == "1" and lagging.cells()[16].text == "运行中"
    done = _history(client, edit_id)[0]
    assert done.attrs["_status"] == "2" and done.cells()[16].text == "完成"
    assert all(re.fullmatch(r"-?\d+\.\d\d%", c.text) for c in done.cells()[8:11])


def test_status_text_always_matches_status_attribute(client, clock) -> None:
    _run(client)
    settle(client.app)
    for _ in range(4):
        clock.advance(2)
        for row in _history(client, client.edit_id("多因子选股")) + _history(
            client, client.edit_id("语法错误示例"), "buildList"
        ):
            assert STATUS_TEXT[row.attrs["_status"]] == row.cells()[16].text


def test_compile_runs_list_under_buildlist_and_delete_needs_the_matching_type(client, clock) -> None:
    edit_id = client.edit_id("多因子选股")
    before = len(_history(client, edit_id, "buildList"))
    _run(client, btype="1")
    rows = _history(client, edit_id, "buildList")
    assert len(rows) == before + 1 and len(_history(client, edit_id)) == 0
    list_id = rows[0].attrs["_backtestid"]
    wrong = client.post("/algorithm/backtest/del?type=0", {"backtestId": list_id, "algorithmId": ""}, headers=XHR)
    assert wrong.json["code"] != "00000"
    ok = client.post("/algorithm/backtest/del?type=1", {"backtestId": list_id, "algorithmId": ""}, headers=XHR)
    assert ok.json == {"data": [], "status": "0", "code": "00000", "msg": ""}
    assert len(_history(client, edit_id, "buildList")) == before


def test_detail_page_accepts_list_build_and_numeric_ids(client, clock) -> None:
    built = _run(client)
    settle(client.app)
    clock.advance(10)
    row = _history(client, client.edit_id("多因子选股"))[0]
    for any_id in (built["backtestId"], built["backtestId_"], row.attrs["_backtestid2"], row.attrs["_backtestid"]):
        page = client.get(f"/algorithm/backtest/detail?backtestId={any_id}", headers=XHR)
        assert re.search(r'window\.tokenData=\{name:"token",value:"[0-9a-f]{40}"\}', page.text)
        dom = page.dom
        run_input = dom.find("input", id="backtestId")
        assert run_input.attrs["name"] == "backtest[backtestId]" and HEX32.fullmatch(run_input.attrs["value"])
        assert dom.find("input", id="algorithmId").attrs["name"] == "backtest[algorithmId]"
        assert dom.find("input", id="startTime").attrs["value"] == "2024-01-02"
        assert HEX32.fullmatch(dom.find("textarea", id="code").attrs["_backtestid"])
        assert dom.find(id="frequency").attrs["value"] == "day" and dom.find(id="baseCapital").text == "￥1000000"
        run = run_input.attrs["value"]
        assert (
            client.get(f"/algorithm/backtest/source?backtestId={run}").json["data"]["source"].startswith("# 导入函数库")
        )


def test_result_curves_are_percent_with_ms_times_paged_by_offset(client, clock) -> None:
    run_id = _run(client, start="2019-01-02", end="2024-06-28")["backtestId"]
    settle(client.app)
    clock.advance(3)
    partial = client.get(f"/algorithm/backtest/result?backtestId={run_id}").json["data"]
    assert partial["state"] == "1" and 0 < int(partial["result"]["count"]) < 1000  # the emulated progress
    clock.advance(10)
    first = client.get(f"/algorithm/backtest/result?backtestId={run_id}&offset=0").json["data"]["result"]
    assert first["offset"] == "0" and first["count"] == "1000"
    times = first["overallReturn"]["time"]
    assert times[0] == int(datetime(2019, 1, 2, tzinfo=timezone.utc).timestamp() * 1000) - 8 * 3600 * 1000
    second = client.get(f"/algorithm/backtest/result?backtestId={run_id}&offset=1000").json["data"]["result"]
    total = 1000 + int(second["count"])
    assert second["offset"] == "1000" and total == 1433
    empty = client.get(f"/algorithm/backtest/result?backtestId={run_id}&offset={total}").json["data"]["result"]
    assert empty["count"] == "0"
    assert set(first) >= {"benchmark", "overallReturn", "gains", "orders"}
    assert all(v <= 0 for v in first["orders"]["sell"]["value"]) and all(
        v <= 0 for v in first["gains"]["lose"]["value"]
    )


def test_log_pages_hold_at_most_100_lines_echo_offset_and_flag_max_at_the_cap(client, clock) -> None:
    run_id = _run(client, start="2019-01-02", end="2024-06-28")["backtestId"]
    settle(client.app)
    clock.advance(10)
    page = client.get(f"/algorithm/backtest/log?backtestId={run_id}&offset=0").json["data"]
    assert len(page["logArr"]) == 100 and page["offset"] == "0" and page["max"] is False and page["state"] == "2"
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - INFO  - ", page["logArr"][1])
    near_cap = client.get(f"/algorithm/backtest/log?backtestId={run_id}&offset={LOG_CAP - 100}").json["data"]
    assert len(near_cap["logArr"]) == 100 and near_cap["max"] is True
    past = client.get(f"/algorithm/backtest/log?backtestId={run_id}&offset={LOG_CAP}").json["data"]
    assert past["logArr"] == [] and past["max"] is True


def test_log_without_an_offset_answers_400_with_an_empty_body(client, clock) -> None:
    """protocol.md §9.1: a bare ``?backtestId=X`` without ``offset`` answers 400 with an empty body."""
    run_id = _run(client)["backtestId"]
    resp = client.get(f"/algorithm/backtest/log?backtestId={run_id}")
    assert resp.status == 400 and resp.body == b""


def test_syntax_error_fails_the_run_with_a_traceback_in_the_error_log(client, clock) -> None:
    edit_id = client.edit_id("多因子选股")
    form = client.editor_form(edit_id)
    form["algorithm[code]"] = "def initialize(context)\n    pass\n"
    client.post("/algorithm/index/save", form, headers=XHR)
    run_id = _run(client)["backtestId"]
    clock.advance(10)
    error = client.get(f"/algorithm/backtest/error?backtestId={run_id}").json["data"]
    assert error["state"] == "3"
    # protocol.md §9.1: `File "user_code.py", line N`, the source line, a caret line, `SyntaxError: …`; no
    # fabricated `in <module>` frame.
    assert error["logArr"][0] == "Traceback (most recent call last):"
    assert error["logArr"][1] == '  File "user_code.py", line 1'
    assert error["logArr"][2].strip() == "def initialize(context)"
    assert error["logArr"][3].strip() == "^"
    assert error["logArr"][-1].startswith("SyntaxError:") and len(error["logArr"]) == 5
    assert client.get(f"/algorithm/backtest/stats?backtestId={run_id}").json["data"] == []
    assert client.app.runner.pids(int(client.app.db.scalar("SELECT MAX(id) FROM backtests"))) == []  # no engine


def test_at_most_two_unfinished_runs_per_account(client, clock) -> None:
    _run(client)
    _run(client, "网格交易")
    refused = client.build(client.edit_id("海龟交易法则"))
    assert refused.json == {"data": None, "status": "2", "code": "20000", "msg": "当前可并行回测数已达2个"}
    settle(client.app)
    clock.advance(10)
    assert client.build(client.edit_id("海龟交易法则")).json["code"] == "00000"


def test_end_date_after_the_previous_weekday_is_refused(client) -> None:
    late = client.build(client.edit_id("网格交易"), start="2026-11-02", end="2026-11-23")
    assert late.json["msg"] == "结束时间不能大于前一个交易日" and late.json["code"] == "20000"
    assert client.build(client.edit_id("网格交易"), start="2026-11-02", end="2026-11-20").json["code"] == "00000"


def test_free_minutes_then_credits_then_50001(make_app, clock) -> None:
    c = Client(make_app(free_minutes=1))
    c.login("13900000000", "jqcli-demo2")  # 5 credits
    c.post("/algorithm/index/new", {"code": "pass\n"}, headers=XHR)
    edit_id = c.strategy_rows()[0].find("a", cls="file_name").attrs["href"].split("=")[1].split("&")[0]
    assert c.build(edit_id).json["code"] == "00000"
    settle(c.app)
    clock.advance(10)
    assert c.build(edit_id).json == {"data": None, "status": "2", "code": "20000", "msg": "50000"}
    long = {"start": "2010-01-04", "end": "2024-12-31"}  # 15 years: more minutes than 5 credits
    assert c.build(edit_id, useCredit="1", **long).json["msg"] == "50001"
    assert c.build(edit_id, useCredit="1").json["code"] == "00000"


def test_cancel_stops_a_running_run(client, clock) -> None:
    built = _run(client)
    clock.advance(2)
    run = client.get(f"/algorithm/backtest/detail?backtestId={built['backtestId']}").dom.find("input", id="backtestId")
    resp = client.post("/algorithm/index/cancel", {"backtestId": run.attrs["value"]}, headers=XHR)
    assert resp.json["code"] == "00000"
    clock.advance(10)
    assert client.get(f"/algorithm/backtest/result?backtestId={built['backtestId']}").json["data"]["state"] == "4"
    again = client.post("/algorithm/index/cancel", {"backtestId": run.attrs["value"]}, headers=XHR)
    assert again.json["msg"] == "在此状态不能取消"


def test_build_persists_the_posted_code_and_name(client) -> None:
    edit_id = client.edit_id("多因子选股")
    resp = client.build(edit_id, **{"algorithm[name]": "多因子选股 改"})
    assert resp.json["code"] == "00000"
    assert client.editor_form(client.edit_id("多因子选股 改"))["algorithm[name]"] == "多因子选股 改"


def test_private_backtests_need_the_owners_session(app, client, clock) -> None:
    run_id = _run(client)["backtestId"]
    settle(app)
    clock.advance(10)
    anon = Client(app)
    assert anon.get(f"/algorithm/backtest/stats?backtestId={run_id}").json["code"] == "10001"
    other = Client(app)
    other.login("13900000000", "jqcli-demo2")
    assert other.get(f"/algorithm/backtest/source?backtestId={run_id}").json["code"] == "20000"
