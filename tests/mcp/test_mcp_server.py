"""The MCP server in-process (the SDK's own client) against the embedded sandbox: the CLI's JSON, hints, errors."""

from __future__ import annotations

from typing import Any, Dict

import pytest

pytest.importorskip("mcp", reason="MCP SDK 需要 Python 3.10+ 与 jqcli[mcp](pip install 'jqcli[mcp]')")

import anyio  # noqa: E402  (after the skip: anyio comes with the SDK)
from mcp import Client  # noqa: E402

from jqcli.entrypoints.mcp_sdk import build_server  # noqa: E402
from jqcli.entrypoints.mcp_shapes import filter_logs, summarize_result  # noqa: E402
from jqcli.entrypoints.mcp_tools import TOOLS, input_schema  # noqa: E402
from tests.mcp.conftest import SandboxHome, mask_ids  # noqa: E402
from tests.mcp.test_mcp_table import EXPECTED  # noqa: E402


def call(home: SandboxHome, name: str, arguments: Dict[str, Any]) -> Any:
    async def go() -> Any:
        async with Client(build_server(home.runner())) as client:
            return await client.call_tool(name, arguments)

    return anyio.run(go)


def ok(home: SandboxHome, name: str, arguments: Dict[str, Any]) -> Dict[str, Any]:
    result = call(home, name, arguments)
    assert not result.is_error, result.structured_content
    return result.structured_content


def failed(home: SandboxHome, name: str, arguments: Dict[str, Any]) -> Dict[str, Any]:
    result = call(home, name, arguments)
    assert result.is_error, result.structured_content
    assert '"error"' in result.content[0].text  # the same payload as text, for hosts that ignore structured content
    return result.structured_content["error"]


def test_tools_list_shows_every_tool_with_every_hint_of_the_table(sandbox_home) -> None:
    async def go() -> Any:
        async with Client(build_server(sandbox_home.runner())) as client:
            return await client.list_tools()

    listed = {tool.name: tool for tool in anyio.run(go).tools}
    assert set(listed) == set(EXPECTED)
    for spec in TOOLS:
        tool = listed[spec.name]
        hints = tool.annotations
        assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint, hints.open_world_hint) == (
            EXPECTED[spec.name][:4]
        )
        assert tool.input_schema == input_schema(spec)
        assert tool.description == spec.description


@pytest.fixture(scope="module")
def done_backtest(sandbox_home) -> Dict[str, Any]:
    return sandbox_home.cli("backtest", "run", "全天候ETF", "--start", "2024-01-02", "--end", "2024-02-01", "--wait")


READS = [
    ("auth_status", {}, ["auth", "status"]),
    ("auth_verify", {}, ["auth", "status", "--verify"]),
    ("strategy_list", {"limit": 3, "sort": "name"}, ["strategy", "ls", "--limit", "3", "--sort", "name"]),
    ("strategy_list", {"all": True}, ["strategy", "ls", "--all"]),
    ("strategy_show", {"strategy": "全天候ETF", "include_code": True}, ["strategy", "show", "全天候ETF", "--code"]),
    ("backtest_list", {"strategy": "全天候ETF", "limit": 2}, ["backtest", "ls", "全天候ETF", "--limit", "2"]),
    ("community_latest", {"page_size": 5}, ["community", "latest", "--page-size", "5"]),
    ("backtest_history", {"limit": 5}, ["backtest", "history", "--limit", "5"]),
]


@pytest.mark.parametrize(("tool", "arguments", "argv"), READS, ids=[r[0] for r in READS])
def test_read_tool_answers_the_cli_json_for_the_same_call(sandbox_home, tool, arguments, argv) -> None:
    assert mask_ids(ok(sandbox_home, tool, arguments)) == mask_ids(sandbox_home.cli(*argv))


@pytest.mark.parametrize(
    ("tool", "arguments", "argv"),
    [
        ("backtest_show", {}, ["backtest", "show"]),
        ("backtest_stats", {}, ["backtest", "stats"]),
        ("backtest_result", {"summary": False}, ["backtest", "result"]),
        ("backtest_result", {"summary": False, "all": True}, ["backtest", "result", "--all"]),
        ("backtest_logs", {"offset": 2}, ["backtest", "logs", "--offset", "2"]),
        ("backtest_logs", {"error": True}, ["backtest", "logs", "--error"]),
        ("backtest_verdict", {}, ["backtest", "verdict"]),
    ],
)
def test_backtest_read_tools_answer_the_cli_json(sandbox_home, done_backtest, tool, arguments, argv) -> None:
    bid = done_backtest["id"]
    got = ok(sandbox_home, tool, {"backtest_id": bid, **arguments})
    assert mask_ids(got) == mask_ids(sandbox_home.cli(*argv, bid))


def test_compare_answers_the_cli_json(sandbox_home, done_backtest) -> None:
    bid = done_backtest["id"]
    got = ok(sandbox_home, "backtest_compare", {"backtest_ids": [bid, bid]})
    assert mask_ids(got) == mask_ids(sandbox_home.cli("backtest", "compare", bid, bid))


def test_result_summary_and_log_filters_are_views_of_the_cli_json(sandbox_home, done_backtest) -> None:
    bid = done_backtest["id"]
    summary = ok(sandbox_home, "backtest_result", {"backtest_id": bid})
    full = sandbox_home.cli("backtest", "result", bid)
    expected = summarize_result(full, {})
    assert summary["series"] == expected["series"] and summary["series"]["result.overallReturn"]["points"] > 5
    assert len(str(summary)) < len(str(full)) / 3
    logs = ok(sandbox_home, "backtest_logs", {"backtest_id": bid, "grep": "warning", "tail": 2, "all": True})
    assert mask_ids(logs) == mask_ids(
        filter_logs(sandbox_home.cli("backtest", "logs", bid, "--all"), {"grep": "warning", "tail": 2})
    )
    assert len(logs["logs"]) <= 2


def test_community_detail_and_clone_check_answer_the_cli_json(sandbox_home) -> None:
    post = next(p for p in sandbox_home.cli("community", "latest", "--page-size", "20")["items"] if p["backtest"]["id"])
    got = ok(sandbox_home, "community_detail", {"post_id": post["id"]})
    assert mask_ids(got) == mask_ids(sandbox_home.cli("community", "detail", post["id"]))
    check = ok(sandbox_home, "community_clone_check", {"post_id": post["id"]})
    assert check["execute"] is False
    assert mask_ids(check) == mask_ids(sandbox_home.cli("community", "clone-strategy", post["id"]))


def test_write_tools_do_what_the_cli_does(sandbox_home) -> None:
    created = ok(sandbox_home, "strategy_new", {"name": "mcp-新策略", "code": "def initialize(context):\n    pass\n"})
    by_cli = sandbox_home.cli("strategy", "new", "cli-新策略")
    assert set(created) == set(by_cli) and created["name"] == "mcp-新策略" and created["type"] == "stock"
    edited = ok(
        sandbox_home,
        "strategy_edit",
        {"strategy": created["id"], "code": "def initialize(context):\n    log.info('mcp')\n", "confirm": True},
    )
    assert edited["ok"] is True
    shown = sandbox_home.cli("strategy", "show", created["id"], "--code")
    assert shown["code"] == "def initialize(context):\n    log.info('mcp')\n"
    run = ok(
        sandbox_home,
        "backtest_run",
        {"strategy": created["id"], "start": "2024-01-02", "end": "2024-01-10", "compile": True, "wait": True},
    )
    assert run["mode"] == "compile" and run["status"] == "done"
    listed = sandbox_home.cli("backtest", "ls", created["id"], "--compile")
    assert len(listed["items"]) == 1  # the new strategy's one compile run (the list may lag on its status)
    deleted = ok(sandbox_home, "backtest_delete", {"list_id": run["list_id"], "compile": True, "confirm": True})
    assert deleted["ok"] is True and deleted["mode"] == "compile"
    gone = ok(sandbox_home, "strategy_delete", {"strategy": created["id"], "confirm": True})
    assert gone["ok"] is True and gone["name"] == "mcp-新策略"
    assert all(s["name"] != "mcp-新策略" for s in sandbox_home.cli("strategy", "ls", "--all")["items"])


def test_push_run_saves_the_code_by_name_then_runs_it(sandbox_home) -> None:
    code = "def initialize(context):\n    log.info('pushed by mcp')\n"
    dates = {"start": "2024-01-02", "end": "2024-01-05"}
    run = ok(
        sandbox_home, "backtest_push_run", {"name": "mcp-推送", "code": code, **dates, "compile": True, "confirm": True}
    )
    assert run["mode"] == "compile"
    assert sandbox_home.cli("strategy", "show", "mcp-推送", "--code")["code"] == code


def test_a_destructive_tool_refuses_without_confirm_and_changes_nothing(sandbox_home) -> None:
    before = sandbox_home.cli("strategy", "ls", "--all")["items"]
    error = failed(sandbox_home, "strategy_delete", {"strategy": before[0]["name"]})
    assert error["code"] == "confirmation_required" and "confirm: true" in error["hint"]
    error = failed(sandbox_home, "community_clone", {"post_id": "x", "confirm": False})
    assert error["code"] == "confirmation_required"
    assert len(sandbox_home.cli("strategy", "ls", "--all")["items"]) == len(before)


def test_not_found_and_usage_errors_carry_the_cli_error(sandbox_home) -> None:
    error = failed(sandbox_home, "backtest_show", {"backtest_id": "99999999"})
    cli = sandbox_home.cli_error("backtest", "show", "99999999")
    assert error["code"] == "not_found" == cli["code"] and error["exit_status"] == 2
    assert error["message"] == cli["message"] and error["details"] == cli["details"]
    error = failed(sandbox_home, "backtest_run", {"strategy": "全天候ETF", "start": "2024-13-01"})
    assert error["code"] == "usage_error" and error["exit_status"] == 3
    assert "Traceback" not in str(error)
    error = failed(sandbox_home, "strategy_list", {"limit": "ten"})
    assert error["code"] == "usage_error" and "应为 integer" in error["message"]


def test_env_file_of_serve_applies_to_calls_and_its_warnings_come_back_as_notes(tmp_path) -> None:
    home = SandboxHome(tmp_path / "home")
    (tmp_path / "home" / "custom.env").write_text("JQCLI_API_BASE=http://203.0.113.9\n", encoding="utf-8")
    home.global_argv = ["--sandbox", "--env-file=custom.env"]
    result = call(home, "auth_status", {})
    assert not result.is_error
    assert result.structured_content["api_base"] == "http://sandbox.localhost"  # never taken from a .env file
    notes = [block.text for block in result.content[1:]]
    assert any("custom.env" in note and "JQCLI_API_BASE" in note for note in notes), notes
