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
    # a value of the command's own option that looks like a global option stays a value
    argv = ["strategy", "edit", "s", "--name", "--quiet", "--debug"]
    assert hoist_global_options(build_parser(argv), argv) == ["--debug", "strategy", "edit", "s", "--name", "--quiet"]
    # after `--` nothing is moved
    argv = ["strategy", "show", "--", "--quiet"]
    assert hoist_global_options(build_parser(argv), argv) == ["strategy", "show", "--", "--quiet"]


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


def _subcommands(parser: argparse.ArgumentParser) -> dict:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_only_the_named_subcommand_gets_a_parser() -> None:
    argv = ["--format", "json", "backtest", "--quiet", "ls", "abc", "--limit", "3"]
    group = _subcommands(build_parser(argv))["backtest"]
    built = {name for name, sub in _subcommands(group).items() if isinstance(sub, argparse.ArgumentParser)}
    assert built == {"ls"}
    assert {"run", "show", "stats", "logs", "rm"} <= set(_subcommands(group))  # still listed, never built
    assert "cancel" not in _subcommands(group)  # its module is not even imported
    # the full parser (man page, completion) builds every one
    full = _subcommands(_subcommands(build_parser(full=True))["backtest"])
    assert all(isinstance(sub, argparse.ArgumentParser) for sub in full.values())


@pytest.mark.parametrize(
    "argv",
    [
        ["backtest", "--help"],  # no sub-command named: every one is built, the help lists them
        ["backtest", "bogus"],  # an unknown one: the error lists the choices
        ["--config", "backtest", "strategy", "show", "--help"],  # the group's name as an option's value
    ],
)
def test_deferred_subcommands_keep_help_and_errors(argv: list, capsys: pytest.CaptureFixture) -> None:
    from jqcli.domain.errors import UsageError

    parser = build_parser(argv)
    try:
        parser.parse_args(hoist_global_options(parser, argv))
    except SystemExit as done:  # --help
        assert done.code == 0
        out = capsys.readouterr().out
        assert "show" in out and ("ls" in out or "--help" in argv)
    except UsageError as error:
        assert "bogus" in error.message and "stats" in str(error.details)


def test_every_subcommand_of_the_full_parser_is_built_when_named() -> None:
    """The tables that decide which command modules to import (backtest EXTENSIONS, strategy's pull/push/diff)
    name every sub-command the full parser has: each one, named alone, gets its real parser."""
    full = _subcommands(build_parser(full=True))
    for group_name, group in full.items():
        for name in _subcommands(group):
            argv = [group_name, name]
            built = _subcommands(_subcommands(build_parser(argv))[group_name])[name]
            assert isinstance(built, argparse.ArgumentParser), argv


def test_an_unknown_subcommand_lists_every_choice() -> None:
    from jqcli.domain.errors import UsageError

    argv = ["backtest", "nope"]
    parser = build_parser(argv)
    with pytest.raises(UsageError) as raised:
        parser.parse_args(argv)
    listed = raised.value.message
    for name in ("run", "ls", "trades", "verdict", "wait", "compare", "cancel", "history", "report"):
        assert name in listed
