"""The MCP tool table: hints held against one table, schemas, argv building, tool-layer views.

Nothing here needs the SDK (``mcp_tools``/``mcp_dispatch`` never import it), so it runs on 3.9 too.
"""

from __future__ import annotations

import argparse
import sys

import pytest

from jqcli.domain.errors import UsageError
from jqcli.entrypoints.commands import mcp as mcp_command
from jqcli.entrypoints.mcp_dispatch import ToolRunner, build_argv, validate
from jqcli.entrypoints.mcp_shapes import filter_logs, summarize_result
from jqcli.entrypoints.mcp_tools import LOCAL, TOOLS, TOOLS_BY_NAME, input_schema
from jqcli.entrypoints.parser import build_parser
from tests.support.clirun import run_cli

# name: (readOnlyHint, destructiveHint, idempotentHint, openWorldHint, requires confirm)
EXPECTED = {
    "auth_status": (True, False, True, False, False),
    "auth_verify": (True, False, True, True, False),
    "strategy_list": (True, False, True, True, False),
    "strategy_show": (True, False, True, True, False),
    "strategy_new": (False, False, False, True, False),
    "strategy_edit": (False, True, True, True, True),
    "strategy_delete": (False, True, True, True, True),
    "backtest_run": (False, False, False, True, False),
    "backtest_push_run": (False, True, False, True, True),
    "backtest_list": (True, False, True, True, False),
    "backtest_show": (True, False, True, True, False),
    "backtest_stats": (True, False, True, True, False),
    "backtest_result": (True, False, True, True, False),
    "backtest_logs": (True, False, True, True, False),
    "backtest_delete": (False, True, True, True, True),
    "community_latest": (True, False, True, True, False),
    "community_detail": (True, False, True, True, False),
    "community_clone_check": (True, False, True, True, False),
    "community_clone": (False, True, False, True, True),
    "backtest_verdict": (True, False, True, True, False),
    "backtest_compare": (True, False, True, True, False),
    "backtest_wait": (True, False, True, True, False),
    "account_quota": (True, False, True, True, False),
    "backtest_cancel": (False, True, True, True, True),
    "backtest_history": (True, False, True, False, False),
    "strategy_pull": (False, False, True, True, False),
    "strategy_push": (False, True, True, True, True),
    "strategy_diff": (True, False, True, True, False),
}


def test_every_tool_has_the_hints_of_the_one_table() -> None:
    actual = {
        s.name: (s.hints.read_only, s.hints.destructive, s.hints.idempotent, s.hints.open_world, s.confirm)
        for s in TOOLS
    }
    assert actual == EXPECTED
    assert len(TOOLS) == len(TOOLS_BY_NAME) == 28


@pytest.mark.parametrize("spec", TOOLS, ids=lambda s: s.name)
def test_destructive_means_confirm_and_reads_never_write(spec) -> None:
    assert spec.confirm == spec.hints.destructive, "a destructive or credit-spending tool must require confirm"
    if spec.hints.read_only:
        assert not spec.hints.destructive and not spec.confirm and not spec.code
    assert spec.description and spec.title


def _command_parser(command: tuple) -> argparse.ArgumentParser:
    parser = build_parser(full=True)
    for word in command:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return parser


@pytest.mark.parametrize("spec", TOOLS, ids=lambda s: s.name)
def test_every_argument_maps_to_an_option_the_cli_has(spec) -> None:
    parser = _command_parser(spec.command)
    positionals = [a for a in parser._actions if not a.option_strings]
    sent = [p for p in spec.all_params() if p.option not in ("", LOCAL)]
    for param in sent:
        assert param.option in parser._option_string_actions, f"{spec.name}.{param.name}: {param.option}"
    for word in spec.fixed:
        assert word in parser._option_string_actions
    if spec.confirm:  # a command that asks on the CLI gets --yes from a confirmed call, and only then
        assert spec.sends_yes == ("--yes" in parser._option_string_actions)
    assert len([p for p in spec.all_params() if p.option == ""]) <= len(positionals)


@pytest.mark.parametrize("spec", TOOLS, ids=lambda s: s.name)
def test_schema_is_closed_and_lists_required_arguments(spec) -> None:
    schema = input_schema(spec)
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert set(schema["properties"]) == {p.name for p in spec.all_params()}
    required = set(schema.get("required", []))
    assert ("confirm" in required) == spec.confirm
    assert {p.name for p in spec.all_params() if p.required} <= required


def test_argv_puts_values_after_equals_positionals_after_dashdash_and_yes_for_confirmed_tools() -> None:
    argv, stdin = build_argv(
        TOOLS_BY_NAME["backtest_push_run"],
        {"name": "-x", "start": "2024-01-02", "capital": 100000.0, "compile": True, "code": "pass\n", "confirm": True},
    )
    assert argv == [
        "backtest",
        "run",
        "--name=-x",
        "--start=2024-01-02",
        "--capital=100000",
        "--compile",
        "--code-stdin",
    ]
    assert stdin == "pass\n"
    argv, _ = build_argv(TOOLS_BY_NAME["backtest_logs"], {"backtest_id": "-1", "grep": "x", "tail": 3, "error": False})
    assert argv == ["backtest", "logs", "--", "-1"]
    argv, _ = build_argv(TOOLS_BY_NAME["auth_verify"], {})
    assert argv == ["auth", "status", "--verify"]
    argv, _ = build_argv(TOOLS_BY_NAME["backtest_delete"], {"list_id": "abc", "compile": True, "confirm": True})
    assert argv == ["backtest", "rm", "--compile", "--yes", "--", "abc"]


@pytest.mark.parametrize(
    ("tool", "arguments", "fragment"),
    [
        ("strategy_list", {"limt": 3}, "未知参数: limt"),
        ("strategy_list", {"limit": "3"}, "应为 integer"),
        ("strategy_list", {"limit": True}, "应为 integer"),
        ("strategy_list", {"limit": 0}, "小于 1"),
        ("strategy_list", {"sort": "size"}, "不在"),
        ("strategy_show", {}, "缺少必需参数: strategy"),
        ("backtest_logs", {"backtest_id": "1", "grep": "("}, "不是有效的正则表达式"),
        ("strategy_new", {"name": "a", "code": "x", "file": "y"}, "code 与 file 只能给一个"),
    ],
)
def test_bad_arguments_are_usage_errors_before_anything_runs(tool, arguments, fragment) -> None:
    refused = validate(TOOLS_BY_NAME[tool], arguments)
    assert refused is not None and not refused.ok
    assert refused.payload["error"]["code"] == "usage_error"
    assert fragment in refused.payload["error"]["message"]


class _NeverRun(ToolRunner):
    def run(self, command, stdin=""):  # type: ignore[no-untyped-def]
        raise AssertionError(f"must not run {command}")


@pytest.mark.parametrize("spec", [s for s in TOOLS if s.confirm], ids=lambda s: s.name)
@pytest.mark.parametrize("confirm", [None, False, "true", 1])
def test_confirmed_tools_refuse_anything_but_confirm_true(spec, confirm) -> None:
    arguments: dict = {p.name: "x" for p in spec.params if p.required and p.type == "string"}
    arguments.update({p.name: ["x"] for p in spec.params if p.required and p.type == "array"})
    if spec.name == "backtest_push_run":
        arguments.update(name="n", code="pass\n")
    if confirm is not None:
        arguments["confirm"] = confirm
    outcome = _NeverRun([], environ={}, cwd="/").call(spec.name, arguments)
    assert not outcome.ok
    assert outcome.payload["error"]["code"] in ("confirmation_required", "usage_error")
    if confirm in (None, False):
        assert outcome.payload["error"]["code"] == "confirmation_required"
        assert "confirm: true" in outcome.payload["error"]["hint"]


def test_unknown_tool_is_a_usage_error() -> None:
    outcome = _NeverRun([], environ={}, cwd="/").call("strategy_rm", {})
    assert outcome.payload["error"]["code"] == "usage_error"
    assert "strategy_delete" in outcome.payload["error"]["details"]["tools"]


def test_result_summary_keeps_size_ends_and_range_of_every_curve() -> None:
    data = {
        "id": "1",
        "next_offset": 3,
        "data": {
            "result": {"overallReturn": {"time": [1704124800000, 1704211200000, 1704297600000], "value": [0.5, -1, 2]}},
            "userRecord": {"mine": {"time": [1704124800000], "value": [7]}},
        },
        "response": {"data": "raw copy"},
    }
    summary = summarize_result(data, {})
    assert summary["summary"] is True and "data" not in summary and "response" not in summary
    assert summary["next_offset"] == 3
    curve = summary["series"]["result.overallReturn"]
    assert curve["points"] == 3 and curve["min"] == -1 and curve["max"] == 2
    assert curve["first"] == {"time": 1704124800000, "value": 0.5, "date": "2024-01-02"}
    assert curve["last"]["date"] == "2024-01-04"
    assert summary["series"]["userRecord.mine"]["points"] == 1
    assert summarize_result(data, {"summary": False}) is data


def test_logs_grep_is_case_insensitive_then_tail_keeps_the_last_lines() -> None:
    data = {"logs": ["a ERROR 1", "b ok", "c error 2", "d Error 3"], "next_offset": 4}
    out = filter_logs(data, {"grep": "error", "tail": 2})
    assert out["logs"] == ["c error 2", "d Error 3"]
    assert out["filter"] == {"grep": "error", "tail": 2, "lines_read": 4, "matched": 3}
    assert out["next_offset"] == 4
    assert filter_logs(data, {}) is data


def test_python_39_gets_a_usage_error_naming_the_sdk_requirement() -> None:
    with pytest.raises(UsageError) as caught:
        mcp_command.check_sdk_available((3, 9))
    assert "Python 3.10" in caught.value.message
    assert "jqcli[mcp]" in caught.value.details["hint"]


def test_serve_exits_3_with_the_json_error_when_python_is_too_old(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(mcp_command, "MIN_PYTHON", (99, 0))
    outcome = run_cli(["--format", "json", "mcp", "serve"], env={"HOME": str(tmp_path)}, cwd=str(tmp_path))
    assert outcome.code == 3
    assert outcome.error["code"] == "usage_error"
    assert "Python 3.10" in outcome.error["message"]


@pytest.mark.skipif(sys.version_info >= (3, 10), reason="only Python 3.9 lacks the SDK by requirement")
def test_on_python_39_mcp_serve_is_a_clear_usage_error(tmp_path) -> None:
    outcome = run_cli(["--format", "json", "mcp", "serve"], env={"HOME": str(tmp_path)}, cwd=str(tmp_path))
    assert outcome.code == 3 and "Python 3.10" in outcome.error["message"]


def test_stdin_credentials_are_refused_because_stdin_is_the_mcp_channel(tmp_path) -> None:
    pytest.importorskip("mcp", reason="MCP SDK 需要 Python 3.10+ 与 jqcli[mcp]")
    outcome = run_cli(["--format", "json", "--cookie", "-", "mcp", "serve"], env={"HOME": str(tmp_path)}, cwd="/")
    assert outcome.code == 3 and "stdin 是 MCP 通道" in outcome.error["message"]


def test_global_options_of_serve_prefix_every_call() -> None:
    args = argparse.Namespace(
        config="c.json",
        env_file=".env.x",
        api_base="http://127.0.0.1:9",
        flag_token=None,
        flag_cookie="a=b",
        timeout=12.5,
        sandbox=False,
        allow_custom_api_base=True,
        debug=False,
    )
    assert mcp_command.global_argv(args) == [
        "--config=c.json",
        "--env-file=.env.x",
        "--api-base=http://127.0.0.1:9",
        "--cookie=a=b",
        "--timeout=12.5",
        "--allow-custom-api-base",
    ]


def test_array_arguments_become_several_positionals_for_commands_that_take_many_ids() -> None:
    from jqcli.entrypoints.mcp_tools import READ_SITE, Param, ToolSpec

    spec = ToolSpec(
        "backtest_compare",
        "对比回测",
        "对比两个或更多回测。",
        ("backtest", "compare"),
        (Param("backtest_ids", "array", "回测 id", required=True), Param("context", "integer", "", option="--context")),
        READ_SITE,
    )
    assert build_argv(spec, {"backtest_ids": ["a", "-b"], "context": 3}) == (
        ["backtest", "compare", "--context=3", "--", "a", "-b"],
        "",
    )
    assert input_schema(spec)["properties"]["backtest_ids"]["items"] == {"type": "string"}
    for bad in ([], [1], "a"):
        refused = validate(spec, {"backtest_ids": bad})
        assert refused is not None and refused.payload["error"]["code"] == "usage_error"
    assert validate(spec, {"backtest_ids": ["a", "b"]}) is None
