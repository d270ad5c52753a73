"""Error classification and wire fidelity (issue 10 items 17, 18, 23), in-process against a scripted site."""

from __future__ import annotations

import json
from typing import List

import pytest

from jqcli.adapters.joinquant.community import normalize_reply
from jqcli.application.backtests import ReadBacktestLogs
from jqcli.domain.backtest_detail import LogPage
from tests.support.clirun import run_cli
from tests.support.httpstub import Answer
from tests.unit.test_login import login, site  # noqa: F401 - the scripted login site fixture
from tests.unit.test_strategy_pages import DETAIL_HTML, LIST_HTML

OK = {"data": None, "status": "0", "code": "00000", "msg": ""}
LOGIN_HTML = (
    "<html><head><title>用户登录 - 聚宽</title></head><body>"
    '<form class="formPwdLogin" action="/user/login/doLogin"><input name="CyLoginForm[username]"></form></body></html>'
)
THROTTLE_HTML = (
    "<html><head><title>提示</title></head><body><div class='msg'>操作太频繁了~请稍后再试</div></body></html>"
)
MISSING_BACKTEST = {"data": None, "status": "2", "code": "20000", "msg": "回测不存在或访问受限"}
NO_POST = {"data": None, "status": "2", "code": "20000", "msg": "帖子不存在"}


def refusal(msg: str) -> dict:
    return {"data": None, "status": "2", "code": "20000", "msg": msg}


def html(text: str, status: int = 200) -> Answer:
    return Answer(status, text, content_type="text/html; charset=utf-8")


def js(payload: object) -> Answer:
    return Answer(200, json.dumps(payload, ensure_ascii=False))


def cli(stub, *args: str):
    env = {"JQCLI_COOKIE": "PHPSESSID=abc; token=def", "HOME": "/nonexistent-home", "XDG_CONFIG_HOME": "/nonexistent"}
    return run_cli(["--api-base", stub.url, "--format", "json", "--non-interactive", *args], env=env)


def one_json_error(outcome) -> dict:
    """stderr is exactly one JSON error document."""
    return json.loads(outcome.stderr)["error"]


# --- item 17: inputs that ended in exit 70 ---------------------------------------------------------


@pytest.mark.parametrize("post_id", ["😀", "帖子\r\nX-Injected: 1", "a b\x00c"])
def test_a_non_ascii_or_control_post_id_is_percent_encoded_in_the_referer(stub, post_id: str) -> None:
    stub.route("GET", "/community/post/detailV2", js(NO_POST))
    out = cli(stub, "community", "detail", post_id)
    assert out.code == 2, out
    assert one_json_error(out)["code"] == "not_found"
    referer = stub.hits("/community/post/detailV2")[0].headers["Referer"]
    assert referer.isascii() and "\r" not in referer and "\n" not in referer
    assert "X-Injected" not in stub.hits("/community/post/detailV2")[0].headers


def test_an_emoji_in_the_referer_keeps_its_utf8_percent_encoding(stub) -> None:
    stub.route("GET", "/community/post/detailV2", js(NO_POST))
    cli(stub, "community", "detail", "😀")
    assert stub.hits("/community/post/detailV2")[0].headers["Referer"].endswith("/view/community/detail/%F0%9F%98%80")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("strategy", "ls", "--limit", "99999999999999999999999"), "1 到 1000000000"),
        (("--timeout", "1e308", "strategy", "ls"), "不大于 3600"),
        (("--timeout", "nan", "strategy", "ls"), "大于 0"),
        (("--timeout", "inf", "strategy", "ls"), "不大于 3600"),
        (("--timeout", "-1", "strategy", "ls"), "大于 0"),
        (("--timeout", "0", "strategy", "ls"), "大于 0"),
        (("backtest", "run", "x", "--start", "2024-01-02", "--capital", "1e400"), "金额"),
        (("backtest", "logs", "x", "--offset", "-5"), "0 到 1000000000"),
        (("sandbox", "serve", "--port", "99999"), "0 到 65535"),
        (("backtest", "run", "x", "--start", "２０２４-01-02"), "YYYY-MM-DD"),
    ],
)
def test_out_of_range_numbers_are_usage_errors_naming_the_range(stub, args, needle: str) -> None:
    out = cli(stub, *args)
    assert out.code == 3, out
    error = one_json_error(out)
    assert error["code"] == "usage_error" and needle in error["message"], error
    assert stub.requests == []


# --- item 18: classification ---------------------------------------------------------------------


def test_system_busy_answering_the_login_post_is_api_error_not_wrong_credentials(site, tmp_path) -> None:  # noqa: F811
    busy = {"data": None, "status": "2", "code": "20000", "msg": "系统繁忙，请稍后重试"}
    site.route("POST", "/user/login/doLogin", Answer(200, json.dumps(busy, ensure_ascii=False)))
    outcome = login(site, tmp_path, "--username", "u", "--password-stdin", stdin="pw")
    assert outcome.code == 4, outcome
    error = outcome.error
    assert error["code"] == "api_error" and "繁忙" in error["message"]
    assert "稍后" in error["details"]["hint"]


def test_a_login_page_answering_strategy_new_is_not_authenticated(stub) -> None:
    stub.route("POST", "/algorithm/index/new", html(LOGIN_HTML))
    out = cli(stub, "strategy", "new", "新策略")
    assert out.code == 1, out
    assert one_json_error(out)["code"] == "not_authenticated"
    assert not stub.hits("/algorithm/index/save")


def test_a_login_page_answering_a_json_post_is_not_authenticated(stub) -> None:
    stub.route("POST", "/algorithm/backtest/del", html(LOGIN_HTML))
    out = cli(stub, "backtest", "rm", "f" * 32, "--yes")
    assert out.code == 1 and one_json_error(out)["code"] == "not_authenticated", out


@pytest.mark.parametrize(
    ("command", "path"),
    [
        (("backtest", "logs", "f" * 32), "/algorithm/backtest/log"),
        (("backtest", "logs", "f" * 32, "--error"), "/algorithm/backtest/error"),
        (("backtest", "result", "f" * 32), "/algorithm/backtest/result"),
    ],
)
def test_data_endpoints_refusing_a_missing_backtest_are_not_found(stub, command, path: str) -> None:
    stub.route("GET", path, js(MISSING_BACKTEST))
    stub.route("GET", "/algorithm/backtest/detail", html("<html><body>404</body></html>", 404))
    out = cli(stub, *command)
    assert out.code == 2, out
    assert one_json_error(out)["code"] == "not_found"


def test_backtest_rm_of_a_missing_id_is_not_found(stub) -> None:
    stub.route(
        "POST",
        "/algorithm/backtest/del",
        js(refusal("回测不存在或已删除")),
    )
    out = cli(stub, "backtest", "rm", "f" * 32, "--yes")
    assert out.code == 2 and one_json_error(out)["code"] == "not_found", out


def sandbox_cli(tmp_path, *args: str, stdin: str = ""):
    env = {
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    return run_cli(
        ["--sandbox", "--format", "json", "--non-interactive", *args], env=env, cwd=str(tmp_path), stdin=stdin
    )


@pytest.mark.parametrize(
    "command",
    [("logs", "f" * 32), ("logs", "f" * 32, "--error"), ("result", "f" * 32), ("rm", "f" * 32, "--yes")],
    ids=["logs", "error-log", "result", "rm"],
)
def test_the_sandbox_answer_for_a_missing_backtest_is_not_found(tmp_path, command) -> None:
    out = sandbox_cli(tmp_path, "backtest", *command)
    assert out.code == 2, out
    assert one_json_error(out)["code"] == "not_found"


def test_the_too_frequent_page_gets_a_throttling_message(stub) -> None:
    stub.route("GET", "/algorithm/index/list", html(THROTTLE_HTML))
    out = cli(stub, "strategy", "ls")
    assert out.code == 4, out
    error = one_json_error(out)
    assert error["code"] == "api_error" and "频繁" in error["message"] and "改版" not in error["message"]
    assert "JQCLI_PAGE_WORKERS=1" in error["details"]["hint"]
    assert error["details"]["throttled"] is True


def test_a_too_frequent_json_refusal_gets_the_throttling_hint(stub) -> None:
    stub.route("GET", "/algorithm/backtest/log", js(refusal("操作太频繁了~")))
    stub.route("GET", "/algorithm/backtest/detail", html("<html><body>404</body></html>", 404))
    out = cli(stub, "backtest", "logs", "f" * 32)
    assert out.code == 4, out
    assert "JQCLI_PAGE_WORKERS=1" in one_json_error(out)["details"]["hint"]


def test_a_strategy_named_like_the_throttle_notice_is_still_listed(stub) -> None:
    page = LIST_HTML.replace("page=2", "page=1").replace("page=3", "page=1").replace("混合策略", "操作太频繁")
    stub.route("GET", "/algorithm/index/list", html(page))
    out = cli(stub, "strategy", "ls", "--all")
    assert out.code == 0, out
    assert any(item["name"].startswith("操作太频繁") for item in out.json["items"])


# --- item 23: wire fidelity ------------------------------------------------------------------------


def test_backtest_show_prints_the_detail_pages_run_id_as_list_id(stub) -> None:
    stub.route("GET", "/algorithm/backtest/detail", html(DETAIL_HTML))
    stub.route("GET", "/algorithm/backtest/source", js({**OK, "data": {"source": "code\n"}}))
    stub.route("GET", "/algorithm/backtest/stats", js({**OK, "data": {"annual_algo_return": 0.2, "sharpe": 3.7}}))
    out = cli(stub, "backtest", "show", "55544646")
    assert out.code == 0, out
    assert out.json["list_id"] == "runrunrun"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [({"overallReturn": "0", "backtestId": ""}, 0.0), ({"overallReturn": "0.12", "backtestId": "b"}, 0.12),
     ({"overallReturn": ""}, None), ({}, None)],
)  # fmt: skip
def test_reply_overall_return_is_the_float_the_site_sends(raw, expected) -> None:
    assert normalize_reply({"replyId": "r", **raw})["backtest"]["overall_return"] == expected


class LogSite:
    """A log of lines with blank ones in between, served the way the site counts (non-empty lines only)."""

    def __init__(self, lines: List[str]) -> None:
        self.lines, self.offsets = lines, []

    def log(self, backtest_id: str, *, offset: int = 0) -> LogPage:
        self.offsets.append(offset)
        counted = [i for i, line in enumerate(self.lines) if line.strip()]
        if offset >= len(counted):
            return LogPage(lines=(), state="2", offset=offset)
        start = counted[offset]
        end = counted[offset + 3] if offset + 3 < len(counted) else len(self.lines)
        return LogPage(lines=tuple(self.lines[start:end]), state="2", offset=offset)

    def detail(self, backtest_id: str):  # pragma: no cover - the first answer is ready
        raise AssertionError("not needed")


def test_the_log_cursor_advances_by_non_empty_lines() -> None:
    lines = ["a", "", "b", "c", "", "", "d", "e", "f", "g"]
    log_site = LogSite(lines)
    out = ReadBacktestLogs(log_site).execute("run", offset=0, read_all=True)  # type: ignore[arg-type]
    assert list(out.lines) == lines  # nothing skipped, nothing read twice
    assert log_site.offsets == [0, 3, 6, 7]
    assert out.next_offset == 7


def test_one_of_two_same_named_strategies_is_deleted_by_id_in_the_rotating_sandbox(tmp_path) -> None:
    first = sandbox_cli(tmp_path, "strategy", "new", "孪生", "--code-stdin", stdin="first = 1\n")
    second = sandbox_cli(tmp_path, "strategy", "new", "孪生", "--code-stdin", stdin="second = 2\n")
    assert first.code == 0 and second.code == 0, (first, second)
    listed = sandbox_cli(tmp_path, "strategy", "ls", "--all").json["items"]
    assert [item["name"] for item in listed].count("孪生") == 2
    assert first.json["id"] not in {item["id"] for item in listed}  # ids rotated
    removed = sandbox_cli(tmp_path, "strategy", "rm", first.json["id"], "--yes")
    assert removed.code == 0, removed
    left = [item for item in sandbox_cli(tmp_path, "strategy", "ls", "--all").json["items"] if item["name"] == "孪生"]
    assert len(left) == 1
    shown = sandbox_cli(tmp_path, "strategy", "show", left[0]["id"], "--code")
    assert shown.json["code"] == "second = 2\n"


def test_a_redirect_to_the_sites_404_page_is_not_found(stub) -> None:
    stub.route("GET", "/algorithm/backtest/detail", Answer(302, b"", headers=[("Location", "/default/index/404")]))
    out = cli(stub, "backtest", "show", "55544646")
    assert out.code == 2 and one_json_error(out)["code"] == "not_found", out


def test_undecodable_bytes_in_an_argument_are_a_usage_error_before_anything_is_sent(stub) -> None:
    # ``jqcli backtest logs $'\xff'``: Python hands the byte over as the lone surrogate "\udcff"
    out = cli(stub, "backtest", "logs", "\udcff")
    assert out.code == 3, out
    assert one_json_error(out)["code"] == "usage_error"
    assert stub.requests == []


def test_name_equals_double_dash_is_the_name_not_a_crash(stub) -> None:
    stub.route("GET", "/algorithm/index/edit", html("<html><body>no form</body></html>"))
    out = cli(stub, "strategy", "edit", "--name=--", "f" * 32)
    assert out.code == 4 and one_json_error(out)["code"] == "api_error", out
