"""The strategy/backtest commands in-process against a scripted HTTP server: the wire, and failure shapes.

These pin the request details the real site is known to require (protocol.md §2.5–2.8, §2.16),
which a sandbox that is lenient about them would not catch.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.clirun import run_cli
from tests.support.httpstub import Answer, Reset
from tests.unit.test_strategy_pages import BACKTEST_LIST_HTML, DETAIL_HTML, LIST_HTML, editor_html

EDIT = "41faea7d0299bc92c71364d9cd878259"
OK = {"data": None, "status": "0", "code": "00000", "msg": ""}
EXPIRED = {"status": "1", "code": "10001", "msg": "请登录", "redirect": "/user/login/index"}


def html(text: str) -> Answer:
    return Answer(200, text, content_type="text/html; charset=utf-8")


def js(payload: object, status: int = 200) -> Answer:
    return Answer(status, json.dumps(payload, ensure_ascii=False))


def cli(stub, *args, stdin: str = "", cwd: str = "/"):
    env = {"JQCLI_COOKIE": "PHPSESSID=abc; token=def", "HOME": "/nonexistent-home", "XDG_CONFIG_HOME": "/nonexistent"}
    return run_cli(
        ["--api-base", stub.url, "--format", "json", "--non-interactive", *args], env=env, stdin=stdin, cwd=cwd
    )


def form_of(recorded) -> dict:
    return {k: v[0] for k, v in parse_qs(recorded.body.decode("utf-8"), keep_blank_values=True).items()}


def test_ls_outputs_spec_items(stub) -> None:
    stub.route("GET", "/algorithm/index/list", html(LIST_HTML.replace("page=2", "page=1").replace("page=3", "page=1")))
    out = cli(stub, "strategy", "ls")
    assert out.code == 0, out
    root, inside = out.json["items"]  # the stub answers the folder page with the same rows
    assert root["id"] == EDIT and root["internal_id"] and root["created_at"] == "" and root["backtest_count"] == 1
    assert "folder_id" not in root and inside["folder_id"] == "f01"
    assert len(stub.hits("/algorithm/index/list")) == 2  # the folder is visited once, not again from inside itself


def test_ls_with_expired_session_is_exit_1_not_an_empty_list(stub) -> None:
    stub.route("GET", "/algorithm/index/list", Answer(302, b"", [("Location", "/user/login/index?redirect=x")]))
    out = cli(stub, "strategy", "ls")
    assert out.code == 1 and out.stdout == "" and out.error["code"] == "not_authenticated"


def test_show_output_writes_exact_bytes_and_refuses_overwrite(stub, tmp_path) -> None:
    code = "# 中文\n\tif a < b & c:\n        pass\n\n"
    stub.route("GET", "/algorithm/index/edit", html(editor_html(code)))
    out = cli(stub, "strategy", "show", EDIT, "--output", "s.py", cwd=str(tmp_path))
    assert out.code == 0, out
    assert (tmp_path / "s.py").read_bytes() == code.encode("utf-8") and out.json["code"] == code
    again = cli(stub, "strategy", "show", EDIT, "--output", "s.py", cwd=str(tmp_path))
    assert again.code == 6 and again.error["code"] == "file_error"
    assert cli(stub, "strategy", "show", EDIT, "--output", "s.py", "--force", cwd=str(tmp_path)).code == 0


def test_show_output_with_expired_session_writes_nothing(stub, tmp_path) -> None:
    stub.route("GET", "/algorithm/index/edit", js(EXPIRED))
    out = cli(stub, "strategy", "show", EDIT, "--output", "s.py", cwd=str(tmp_path))
    assert out.code == 1 and not (tmp_path / "s.py").exists()


def test_new_follows_the_302_to_the_new_editor_and_saves_base64(stub, tmp_path) -> None:
    new_id = "a" * 32
    code = "x = 1 < 2\n"
    (tmp_path / "c.py").write_text(code, encoding="utf-8")
    stub.route(
        "POST", "/algorithm/index/new", Answer(302, b"", [("Location", f"/algorithm/index/edit?algorithmId={new_id}")])
    )
    stub.route("GET", "/algorithm/index/edit", html(editor_html("template\n", name="策略1")))
    stub.route("POST", "/algorithm/index/save", js({**OK, "data": {"algorithmId": "b" * 32}}))
    stub.route("GET", "/algorithm/index/list", html('<table id="algo_table"></table>'))
    out = cli(stub, "strategy", "new", "新策略", "--file", "c.py", cwd=str(tmp_path))
    assert out.code == 0, out
    assert out.json == {"id": new_id, "save_id": "b" * 32, "name": "新策略", "type": "stock"}
    edit_hit = stub.hits("/algorithm/index/edit")[0]
    assert parse_qs(urlsplit(edit_hit.path).query)["algorithmId"] == [new_id]
    form = form_of(stub.hits("/algorithm/index/save")[0])
    assert base64.b64decode(form["algorithm[code]"]).decode() == code and form["encrType"] == "base64"
    assert form["algorithm[name]"] == "新策略" and form["token"] == "abc123" and "useCredit" not in form


def test_new_without_a_new_id_stops_instead_of_guessing(stub) -> None:
    stub.route("POST", "/algorithm/index/new", Answer(200, b"", content_type="text/html"))
    out = cli(stub, "strategy", "new", "x")
    assert out.code == 4 and not stub.hits("/algorithm/index/save")


def test_rm_by_id_sends_the_editor_pages_operation_id_with_xhr_and_list_referer(stub) -> None:
    # ids rotate on the live site: the given id opens its own editor page, whose form names the strategy
    stub.route("GET", "/algorithm/index/edit", html(editor_html("x = 1\n")))
    stub.route("POST", "/algorithm/index/del", js({"code": "00000", "status": "0"}))
    out = cli(stub, "strategy", "rm", EDIT, "--yes")
    assert out.code == 0, out
    assert stub.hits("/algorithm/index/edit")[0].path.endswith(f"algorithmId={EDIT}")
    assert not stub.hits("/algorithm/index/list")  # never resolved by name
    hit = stub.hits("/algorithm/index/del")[0]
    assert form_of(hit)["algorithmId"] == "2b579058c142e5ecb58627a128ae2645"  # algorithm[algorithmId]
    assert form_of(hit)["token"] == "abc123"
    assert hit.headers["X-Requested-With"] == "XMLHttpRequest" and hit.headers["Referer"].endswith(
        "/algorithm/index/list"
    )
    assert out.json["id"] == EDIT and out.json["internal_id"] == "2b579058c142e5ecb58627a128ae2645"


def single_page_list_without_folder() -> str:
    page = LIST_HTML.replace("page=2", "page=1").replace("page=3", "page=1")
    start = page.index('<tr class="algorithm_list">')
    return page[:start] + page[page.index('<tr class="algorithm_list">', start + 1) :]


def test_show_and_rm_by_name_print_the_id_the_name_resolved_to(stub) -> None:
    stub.route("GET", "/algorithm/index/list", html(single_page_list_without_folder()))
    stub.route("GET", "/algorithm/index/edit", html(editor_html("x = 1\n", name="混合策略 & <ETF>")))
    stub.route("POST", "/algorithm/index/del", js({"code": "00000", "status": "0"}))
    shown = cli(stub, "strategy", "show", "混合策略 & <ETF>")
    assert shown.code == 0, shown
    assert shown.json["id"] == EDIT and "resolved_id" not in shown.json
    assert set(shown.json) == {"id", "save_id", "backtest_id", "name", "type"}  # the spec's keys, no empty extras
    removed = cli(stub, "strategy", "rm", "混合策略 & <ETF>", "--yes")
    assert removed.code == 0, removed
    assert removed.json["id"] == EDIT and removed.json["internal_id"] == "c8546c1d149c650ec420bbee2fe12637"


def test_show_by_id_keeps_the_given_id(stub) -> None:
    stub.route("GET", "/algorithm/index/edit", html(editor_html("x = 1\n")))
    shown = cli(stub, "strategy", "show", EDIT)
    assert shown.code == 0, shown
    assert shown.json["id"] == EDIT and stub.hits("/algorithm/index/list") == []


def test_rm_without_yes_needs_confirmation_and_sends_nothing(stub) -> None:
    out = cli(stub, "strategy", "rm", EDIT)
    assert out.code == 7 and stub.requests == []


def test_rm_refused_by_site_is_api_error(stub) -> None:
    stub.route("GET", "/algorithm/index/edit", html(editor_html("x = 1\n")))
    stub.route("POST", "/algorithm/index/del", js({"status": "2", "code": "20000", "msg": "不合法请求"}))
    out = cli(stub, "strategy", "rm", EDIT, "-y")
    assert out.code == 4 and "不合法请求" in out.error["message"]


def build_routes(stub, answer: Answer) -> None:
    stub.route("GET", "/algorithm/index/edit", html(editor_html("print(1)\n")))
    stub.route("POST", "/algorithm/index/build", answer)


BUILT = {
    "data": {"algorithmId": "2" * 32, "backtestId": "3" * 32, "backtestId_": "55544646", "tradeDays": [1704124800]},
    "status": "0",
    "code": "00000",
    "msg": "",
}


def test_run_posts_the_editor_form_with_overrides(stub) -> None:
    build_routes(stub, js(BUILT))
    out = cli(stub, "backtest", "run", EDIT, "--start", "2024-01-02", "--end", "2024-01-10", "--capital", "1000000")
    assert out.code == 0, out
    assert out.json["id"] == "55544646" and out.json["list_id"] == "3" * 32 and out.json["status"] == "running"
    assert out.json["mode"] == "backtest" and out.json["response"] == BUILT
    form = form_of(stub.hits("/algorithm/index/build")[0])
    assert form["backtest[type]"] == "0" and form["backtest[baseCapital]"] == "1000000.0"
    assert form["backtest[startTime]"] == "2024-01-02 00:00:00" and form["backtest[endTime]"] == "2024-01-10 23:59:59"
    assert form["algorithm[algorithmId]"] == "2b579058c142e5ecb58627a128ae2645" and "useCredit" not in form
    assert base64.b64decode(form["algorithm[code]"]).decode() == "print(1)\n"


def test_run_compile_and_use_credit(stub) -> None:
    build_routes(stub, js(BUILT))
    out = cli(
        stub, "backtest", "run", EDIT, "--start", "2024-01-02", "--end", "2024-01-10", "--compile", "--use-credit"
    )
    assert out.code == 0 and out.json["mode"] == "compile"
    form = form_of(stub.hits("/algorithm/index/build")[0])
    assert form["backtest[type]"] == "1" and form["useCredit"] == "1"


@pytest.mark.parametrize(
    ("msg", "exit_code", "needle"),
    [
        ("50000", 4, "--use-credit"),
        ("50001", 4, ""),
        ("当前可并行回测数已达2个", 4, ""),
        ("结束时间不能大于前一个交易日", 3, ""),
    ],
)
def test_run_refusals_become_clear_errors(stub, msg, exit_code, needle) -> None:
    build_routes(stub, js({"data": None, "status": "2", "code": "20000", "msg": msg}))
    out = cli(stub, "backtest", "run", EDIT, "--start", "2024-01-02", "--end", "2024-01-10")
    assert out.code == exit_code, out
    assert needle in out.error["details"].get("hint", "")


def test_run_is_never_retried(stub) -> None:
    build_routes(stub, Answer(502, b"bad gateway", content_type="text/plain"))
    out = cli(stub, "backtest", "run", EDIT, "--start", "2024-01-02", "--end", "2024-01-10")
    assert out.code == 4 and len(stub.hits("/algorithm/index/build")) == 1
    build_routes(stub, Reset())
    out = cli(stub, "backtest", "run", EDIT, "--start", "2024-01-02", "--end", "2024-01-10")
    assert out.code == 5 and len(stub.hits("/algorithm/index/build")) == 2


def test_run_start_after_end_is_usage_error(stub) -> None:
    out = cli(stub, "backtest", "run", EDIT, "--start", "2024-02-01", "--end", "2024-01-10")
    assert out.code == 3 and stub.requests == []


def test_backtest_ls_and_rm_wire(stub) -> None:
    stub.route("GET", "/algorithm/backtest/buildList", html(BACKTEST_LIST_HTML))
    out = cli(stub, "backtest", "ls", EDIT, "--compile", "--status", "done")
    assert out.code == 0, out
    (item,) = out.json["items"]
    assert item["list_id"] == "9d0018152c49f2a9023c26473610ba7a" and item["strategy_id"] == EDIT
    stub.route("POST", "/algorithm/backtest/del", js({"data": [], "status": "0", "code": "00000", "msg": ""}))
    out = cli(stub, "backtest", "rm", item["list_id"], "--yes", "--compile")
    assert out.code == 0 and out.json["mode"] == "compile" and out.json["response"]["data"] == []
    hit = stub.hits("/algorithm/backtest/del")[0]
    assert "type=1" in hit.path and form_of(hit)["backtestId"] == item["list_id"]
    assert hit.headers["Referer"].endswith("/algorithm/backtest/buildList")


def test_backtest_show_and_logs(stub) -> None:
    stub.route("GET", "/algorithm/backtest/detail", html(DETAIL_HTML))
    stub.route("GET", "/algorithm/backtest/source", js({**OK, "data": {"source": "code\n"}}))
    stub.route("GET", "/algorithm/backtest/stats", js({**OK, "data": {"annual_algo_return": 0.2, "sharpe": 3.7}}))
    out = cli(stub, "backtest", "show", "55544646")
    assert out.code == 0, out
    assert out.json["status"] == "done" and out.json["run_id"] == "runrunrun" and out.json["code"] == "code\n"
    stub.route(
        "GET", "/algorithm/backtest/error", js({**OK, "data": {"state": "3", "logArr": ["Traceback", "SyntaxError"]}})
    )
    out = cli(stub, "backtest", "logs", "runrunrun", "--error")
    assert out.code == 0 and out.json["logs"] == ["Traceback", "SyntaxError"] and out.json["status"] == "failed"


def test_backtest_stats_with_expired_session_is_exit_1(stub) -> None:
    stub.route("GET", "/algorithm/backtest/stats", js(EXPIRED))
    out = cli(stub, "backtest", "stats", "1")
    assert out.code == 1 and out.stdout == ""


def test_wait_timeout_exits_8_with_resume_ids(stub) -> None:
    build_routes(stub, js(BUILT))
    stub.route("GET", "/algorithm/backtest/detail", html(DETAIL_HTML))
    stub.route("GET", "/algorithm/backtest/result", js({**OK, "data": {"state": "1", "result": None}}))
    args = ("--start", "2024-01-02", "--end", "2024-01-10", "--wait", "--wait-timeout", "0.3", "--poll-interval", "0.1")
    out = cli(stub, "backtest", "run", EDIT, *args)
    assert out.code == 8 and out.error["code"] == "timeout"
    details = out.error["details"]
    assert (details["id"], details["list_id"], details["run_id"], details["strategy_id"]) == (
        "55544646",
        "3" * 32,
        "runrunrun",
        EDIT,
    )
    assert len(stub.hits("/algorithm/index/build")) == 1


def test_wait_failed_compile_reports_error_lines(stub) -> None:
    build_routes(stub, js(BUILT))
    stub.route("GET", "/algorithm/backtest/detail", html(DETAIL_HTML))
    stub.route("GET", "/algorithm/backtest/result", js({**OK, "data": {"state": "3", "result": None}}))
    stub.route("GET", "/algorithm/backtest/error", js({**OK, "data": {"state": "3", "logArr": ["SyntaxError: bad"]}}))
    out = cli(stub, "backtest", "run", EDIT, "--start", "2024-01-02", "--end", "2024-01-10", "--compile", "--wait")
    assert out.code == 0, out
    assert out.json["status"] == "failed" and out.json["error_logs"] == ["SyntaxError: bad"]
