"""The sandbox follows the site strictly where clients have fallbacks (issue 12 item 6) and serves the §3.1
endpoints (transactionInfo, positionInfo, risk, runTimeInfo, statistics) from the engine's output."""

from __future__ import annotations

import re

from tests.sandbox.conftest import XHR, Client, settle

HEX32 = re.compile(r"[0-9a-f]{32}")


def _run(c: Client, name: str = "多因子选股", **kw) -> dict:
    resp = c.build(c.edit_id(name), **kw)
    assert resp.json["code"] == "00000", resp.text
    return resp.json["data"]


def _row(c: Client, name: str = "多因子选股"):
    dom = c.get(f"/algorithm/backtest/list?algorithmId={c.edit_id(name)}").dom
    return dom.find("table", id="backtest-feed-table").find_all("tr", cls="backtest-tr")[0]


def test_data_endpoints_take_only_the_run_id(client, clock) -> None:
    """protocol.md §1.6 (roles, "do not interchange"), §2.12 (stats: the detail page's #backtestId; [] otherwise),
    §2.11 (source: run id or source id), §2.16 (delete: list id), §3.1 (cancel: run id)."""
    run_id = _run(client)["backtestId"]
    settle(client.app)
    clock.advance(10)
    row = _row(client)
    list_id, detail_id = row.attrs["_backtestid"], row.attrs["_backtestid2"]
    source_id = row.cells()[0].find("input", cls="source-code").attrs["_backtestid"]
    assert client.get(f"/algorithm/backtest/stats?backtestId={run_id}").json["data"] != []
    for other in (list_id, detail_id, source_id):
        assert client.get(f"/algorithm/backtest/stats?backtestId={other}").json["data"] == []
        for path in ("result", "log", "error", "transactionInfo", "risk"):
            answer = client.get(f"/algorithm/backtest/{path}?backtestId={other}&offset=0").json
            assert answer["code"] == "20000" and answer["data"] is None, (path, answer)
    assert client.get(f"/algorithm/backtest/source?backtestId={source_id}").json["data"]["source"]
    assert client.get(f"/algorithm/backtest/source?backtestId={list_id}").json["code"] == "20000"
    detail = client.get(f"/algorithm/backtest/detail?backtestId={detail_id}").dom
    page_run_id = detail.find("input", id="backtestId").attrs["value"]
    assert page_run_id != detail_id
    assert client.get(f"/algorithm/backtest/stats?backtestId={page_run_id}").json["data"] != []
    assert (
        client.post("/algorithm/backtest/del?type=0", {"backtestId": page_run_id}, headers=XHR).json["code"] == "20000"
    )
    assert client.post("/algorithm/backtest/del?type=0", {"backtestId": list_id}, headers=XHR).json["code"] == "00000"


def test_the_build_answers_backtest_id_deletes_its_record(client, clock) -> None:
    """protocol.md §2.8: jqcli prints the build's hex ``backtestId`` as ``list_id``, which the spec says to pass to
    ``backtest rm``; §1.6 leaves its role open, so the sandbox takes it where clients use it (data endpoints, the
    detail page, ``/backtest/del``) and nowhere else."""
    build_id = _run(client)["backtestId"]
    settle(client.app)
    clock.advance(10)
    assert client.get(f"/algorithm/backtest/detail?backtestId={build_id}").status == 200
    assert client.get(f"/algorithm/backtest/source?backtestId={build_id}").json["data"]["source"]
    assert client.post("/algorithm/backtest/del?type=1", {"backtestId": build_id}, headers=XHR).json["code"] == "20000"
    assert client.post("/algorithm/backtest/del?type=0", {"backtestId": build_id}, headers=XHR).json["code"] == "00000"
    assert client.get(f"/algorithm/backtest/stats?backtestId={build_id}").json["data"] == []


def test_cancel_refuses_a_list_id(client, clock) -> None:
    run_id = _run(client)["backtestId"]
    list_id = _row(client).attrs["_backtestid"]
    refused = client.post("/algorithm/index/cancel", {"backtestId": list_id}, headers=XHR).json
    assert refused["code"] == "20000"
    assert client.post("/algorithm/index/cancel", {"backtestId": run_id}, headers=XHR).json["code"] == "00000"


def test_detail_export_buttons_carry_their_own_ids(client, clock) -> None:
    """protocol.md §9.7: <a id="export-transaction-button" type="transaction" backtestid="…">, likewise position
    and log; the three ids differ from each other and from the run id."""
    run_id = _run(client)["backtestId"]
    dom = client.get(f"/algorithm/backtest/detail?backtestId={run_id}").dom
    found = {kind: dom.find("a", id=f"export-{kind}-button") for kind in ("transaction", "position", "log")}
    assert all(node.attrs["type"] == kind for kind, node in found.items())
    export_ids = [node.attrs["backtestid"] for node in found.values()]
    run = dom.find("input", id="backtestId").attrs["value"]
    assert all(HEX32.fullmatch(i) for i in export_ids) and len({*export_ids, run}) == 4


def test_some_detail_pages_have_the_strategy_and_start_inputs_empty(client, clock) -> None:
    """protocol.md §2.10: a live page showed empty strategy/start inputs while source and stats still worked."""
    pages = []
    for _ in range(4):
        run_id = _run(client)["backtestId"]
        settle(client.app)
        clock.advance(10)
        dom = client.get(f"/algorithm/backtest/detail?backtestId={run_id}").dom
        pages.append((dom.find("input", id="algorithmId").attrs["value"], dom.find("input", id="startTime")))
        run = dom.find("input", id="backtestId").attrs["value"]
        assert client.get(f"/algorithm/backtest/stats?backtestId={run}").json["data"] != []
    bare = [p for p in pages if p[0] == ""]
    assert len(bare) == 1 and bare[0][1].attrs["value"] == ""
    assert all(HEX32.fullmatch(p[0]) and p[1].attrs["value"] == "2024-01-02" for p in pages if p[0])


def test_check_backtest_view_answers_url_for_a_post_already_paid_for(client) -> None:
    """protocol.md §2.20: when the user may already open it (own / already paid) the check returns url/redirect."""
    posts = client.get("/community/post/listV2?limit=50").json["data"]["list"]
    post = next(p for p in posts if p["backtestId"] and p["user"]["alias"] != "沙盒演示账号")
    form = {"postId": post["postId"], "backId": post["backtestId"], "ruleKey": "clone_algorithm"}
    check = client.post("/community/post/checkBacktestView", form, headers=XHR).json["data"]
    assert "url" not in check and check["reduce"] > 0
    deal = client.post("/community/post/dealCreditsHander", {**form, **check}, headers=XHR).json
    clone_edit = deal["data"]["url"].split("algorithmId=")[1].split("&")[0]
    again = client.post("/community/post/checkBacktestView", form, headers=XHR).json["data"]
    assert again["reduce"] == 0 and again["url"].startswith("/algorithm/index/edit?algorithmId=")
    opened = again["url"].split("algorithmId=")[1]
    assert client.editor_form(opened)["algorithm[name]"] == client.editor_form(clone_edit)["algorithm[name]"]


def test_author_replies_carry_the_posts_backtest_with_its_real_return(client) -> None:
    """protocol.md §2.19: reply keys backtestId, backtestName, overallReturn (a number as a string)."""
    for post in client.get("/community/post/listV2?limit=50").json["data"]["list"]:
        if not post["backtestId"]:
            continue
        replies = client.get(f"/community/post/replyList?postId={post['postId']}&limit=50").json["data"]["replyArr"]
        carried = [r for r in replies if r["backtestId"]]
        if not carried:
            continue
        reply = carried[0]
        assert reply["isPostUser"] is True and reply["backtestName"]
        stats = client.get(f"/algorithm/backtest/stats?backtestId={reply['backtestId']}").json["data"]
        assert reply["overallReturn"] == f"{stats['algorithm_return']:.4f}"
        assert all(not r["backtestId"] for r in replies if not r["isPostUser"])
        return
    raise AssertionError("no author reply with a backtest among the first 50 posts")


def test_transaction_pages_are_short_sometimes_and_capped_at_1000_rows(client, clock) -> None:
    """protocol.md §3.1/§9.6: cursor offset + dateOffset, pages of ~99–100 rows, a short page is not the end,
    1000 rows then an empty page with max:true."""
    run_id = _run(client, start="2019-01-02", end="2024-06-28")["backtestId"]  # 1433 days: one trade each
    settle(client.app)
    clock.advance(10)
    rows, sizes, last = [], [], None
    while True:
        query = f"&offset={len(rows)}&dateOffset={rows[-1]['tradeDate']}" if rows else ""
        data = client.get(f"/algorithm/backtest/transactionInfo?backtestId={run_id}{query}").json["data"]
        if not data["transaction"]:
            last = data
            break
        rows.extend(data["transaction"])
        sizes.append(len(data["transaction"]))
    assert sizes[0] == 99 and 100 in sizes and len(rows) == 1000
    assert last["max"] is True and last["status"] == "2"


def test_positions_include_the_cash_row_and_end_with_an_empty_page(client, clock) -> None:
    run_id = _run(client)["backtestId"]  # 64 days, one cash row a day
    settle(client.app)
    clock.advance(10)
    first = client.get(f"/algorithm/backtest/positionInfo?backtestId={run_id}").json["data"]
    assert len(first["position"]) == 64 and first["max"] is False
    assert first["position"][0]["stock"] == '<span class="label label-cash">Cash</span>'
    end = client.get(f"/algorithm/backtest/positionInfo?backtestId={run_id}&offset=64&dateOffset=2024-03-29").json
    assert end["data"] == {"status": "2", "position": [], "max": False}


def test_risk_is_false_until_done_and_run_time_info_tracks_the_cancel(client, clock) -> None:
    run_id = _run(client)["backtestId"]
    assert client.get(f"/algorithm/backtest/risk?backtestId={run_id}").json["data"] == {"risk": False}
    info = client.get(f"/algorithm/backtest/runTimeInfo?backtestId={run_id}").json["data"]
    assert info["status"] == "0" and info["cancelTime"] == "0000-00-00 00:00:00"
    clock.advance(2)
    running = client.get("/algorithm/index/statistics").json["data"]
    assert [r["time"] for r in running["running"]] == [info["addTime"]]
    assert re.fullmatch(r"\d+分\d\d秒", running["running"][0]["usedSec"])
    assert running["duration"] == {"used": "1", "free": 59}
    client.post("/algorithm/index/cancel", {"backtestId": run_id}, headers=XHR)
    after = client.get(f"/algorithm/backtest/runTimeInfo?backtestId={run_id}").json["data"]
    assert after["status"] == "4" and after["cancelTime"] != "0000-00-00 00:00:00"
    assert client.get("/algorithm/index/statistics").json["data"]["running"] == []
