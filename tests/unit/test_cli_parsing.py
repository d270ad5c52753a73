"""Parsing rules (issue 10, item 22): no abbreviations, global options after the command, bare `jqcli`."""

from __future__ import annotations

import argparse

import pytest

from jqcli.entrypoints.parser import build_parser, hoist_global_options
from tests.support.clirun import run_cli


def _all_parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _all_parsers(child)


def test_every_parser_refuses_abbreviations() -> None:
    parsers = list(_all_parsers(build_parser(full=True)))
    assert len(parsers) > 20
    assert all(parser.allow_abbrev is False for parser in parsers), [p.prog for p in parsers if p.allow_abbrev]


@pytest.mark.parametrize(
    "argv",
    [
        ["--sandbox", "backtest", "run", "x", "--sta", "2024-01-02", "--en", "2024-02-01"],
        ["--form", "json", "auth", "status"],
        ["auth", "status", "--form", "json"],
        ["--non-inter", "auth", "status"],
        ["community", "latest", "--max-p", "1"],
    ],
)
def test_abbreviated_options_are_usage_errors(argv, tmp_path) -> None:
    outcome = run_cli(["--format", "json", *argv], env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)})
    assert outcome.code == 3, outcome
    assert outcome.error["code"] == "usage_error"


def test_global_options_may_follow_the_command(tmp_path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    after = run_cli(["auth", "status", "--format", "json"], env=env)
    assert after.code == 0 and after.json["authenticated"] is False
    equals = run_cli(["auth", "status", "--format=json", "-q"], env=env)
    assert equals.code == 0 and equals.json["authenticated"] is False


def test_hoisting_keeps_command_options_and_their_values() -> None:
    parser = build_parser(["auth", "import-token", "--token", "x"])
    # import-token's own --token is not the global one
    assert hoist_global_options(parser, ["auth", "import-token", "--token", "x", "--format", "json"]) == [
        "--format",
        "json",
        "auth",
        "import-token",
        "--token",
        "x",
    ]
    parser = build_parser(["strategy", "new", "n"])
    # a value of the command's own option that looks like a global option stays a value
    argv = ["strategy", "edit", "s", "--name", "--quiet", "--debug"]
    assert hoist_global_options(parser, argv) == ["--debug", "strategy", "edit", "s", "--name", "--quiet"]
    # after `--` nothing is moved
    assert hoist_global_options(parser, ["strategy", "show", "--", "--quiet"]) == ["strategy", "show", "--", "--quiet"]


def test_unknown_option_hint_says_where_global_options_go() -> None:
    outcome = run_cli(["--format", "json", "auth", "status", "--bogus"])
    assert outcome.code == 3 and "全局选项" in outcome.error["details"]["hint"]


@pytest.mark.parametrize("argv", [[], ["--format", "json"], ["strategy"]])
def test_no_command_is_a_usage_error_with_the_usage_and_the_commands(argv) -> None:
    outcome = run_cli(argv)
    assert outcome.code == 3 and outcome.stdout == ""
    if argv[:2] == ["--format", "json"]:
        details = outcome.error["details"]
        assert "auth" in details["commands"] and details["usage"].startswith("用法: jqcli")
    else:
        assert outcome.stderr.startswith("错误[usage_error]: 缺少命令")
        assert "用法: jqcli" in outcome.stderr  # the usage, and each command with its help
        expected = "ls" if argv == ["strategy"] else "backtest"
        assert expected in outcome.stderr
