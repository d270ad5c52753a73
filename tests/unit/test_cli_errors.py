"""Exit codes, usage errors and the error shape (architecture §4)."""

from __future__ import annotations

import pytest

from jqcli.domain import errors
from jqcli.entrypoints import commands
from jqcli.entrypoints.exit_codes import EXIT_CODES, OUTCOME_EXIT_CODES, exit_code_for
from tests.support.clirun import run_cli

SPEC_TABLE = {
    "not_authenticated": 1,
    "not_found": 2,
    "usage_error": 3,
    "api_error": 4,
    "network_error": 5,
    "file_error": 6,
    "confirmation_required": 7,
    "timeout": 8,
}


def test_exit_code_table_is_the_spec_plus_interrupt_and_internal() -> None:
    assert EXIT_CODES == {**SPEC_TABLE, "interrupted": 130, "internal_error": 70}


def test_every_error_class_has_an_exit_code_and_codes_are_distinct() -> None:
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.JqcliError)]
    assert {c.code for c in classes} == set(EXIT_CODES)
    assert set(errors.ERROR_CLASSES) == {c for c in classes if c is not errors.JqcliError}
    assert len(set(EXIT_CODES.values())) == len(EXIT_CODES)
    # outcome statuses (a reported result the caller must not miss) never reuse an error's status
    assert not set(OUTCOME_EXIT_CODES.values()) & set(EXIT_CODES.values())
    assert OUTCOME_EXIT_CODES["cancel_unconfirmed"] == 10
    assert exit_code_for("something_new") == 70


@pytest.mark.parametrize(
    "argv",
    [
        ["--format", "json", "nosuchcommand"],
        ["--format", "json", "auth", "nosuch"],
        ["--format", "json", "--timeout", "abc", "auth", "status"],
        ["--format", "json", "--timeout", "-1", "auth", "status"],
        ["--format", "json", "auth", "import-token"],
        ["--format", "json", "--token", "a", "--cookie", "b", "auth", "status"],
        ["--format", "json"],
        ["--format", "json", "auth", "status", "--bogus"],
    ],
    ids=[
        "unknown-command",
        "unknown-subcommand",
        "bad-type",
        "negative",
        "missing-arg",
        "exclusive",
        "no-command",
        "unknown-option",
    ],
)
def test_usage_errors_exit_3_in_json_shape(argv) -> None:
    outcome = run_cli(argv)
    assert outcome.code == 3, outcome
    assert outcome.stdout == ""
    error = outcome.error
    assert error["code"] == "usage_error"
    assert set(error) == {"code", "message", "details"}
    assert "usage" in error["details"]
    assert "Traceback" not in outcome.stderr


def test_usage_error_messages_are_chinese() -> None:
    assert "缺少必需参数" in run_cli(["--format", "json", "auth", "import-token"]).error["message"]
    assert "取值无效" in run_cli(["--format", "json", "nosuch"]).error["message"]


def test_table_mode_errors_are_a_readable_line_then_their_details() -> None:
    outcome = run_cli(["nosuchcommand"])
    assert outcome.code == 3
    first, *rest = outcome.stderr.splitlines()
    assert first.startswith("错误[usage_error]:") and "nosuchcommand" in first
    assert rest[0].startswith("用法: jqcli")  # the usage, as argparse prints it
    assert "the following" not in outcome.stderr and "invalid choice" not in outcome.stderr  # no English


def test_help_and_version_exit_zero() -> None:
    assert run_cli(["--help"]).code == 0
    version = run_cli(["--version"])
    assert version.code == 0 and version.stdout.startswith("jqcli ")
    assert run_cli(["auth", "--help"]).code == 0


def test_internal_error_exits_70_without_traceback_unless_debug(monkeypatch, tmp_path) -> None:
    def boom(ctx):
        raise RuntimeError("kaputt")

    monkeypatch.setattr("jqcli.entrypoints.commands.auth.status_command", boom)
    env = {"HOME": str(tmp_path)}
    quiet = run_cli(["--format", "json", "auth", "status"], env=env)
    assert quiet.code == 70 and quiet.error["code"] == "internal_error"
    assert "Traceback" not in quiet.stderr and "kaputt" in quiet.error["message"]
    loud = run_cli(["--debug", "--format", "json", "auth", "status"], env=env)
    assert loud.code == 70 and "Traceback" in loud.stderr and "RuntimeError: kaputt" in loud.stderr


def test_ctrl_c_exits_130(monkeypatch, tmp_path) -> None:
    def interrupted(ctx):
        raise KeyboardInterrupt

    monkeypatch.setattr("jqcli.entrypoints.commands.auth.status_command", interrupted)
    outcome = run_cli(["--format", "json", "auth", "status"], env={"HOME": str(tmp_path)})
    assert outcome.code == 130 and outcome.error["code"] == "interrupted"


def test_groups_table_modules_all_register() -> None:
    import importlib

    for name, help_text, module in commands.GROUPS:
        assert help_text and callable(importlib.import_module(module).register), name


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_stop_signals_are_interrupts_with_the_signal_named(monkeypatch, tmp_path, name) -> None:
    from jqcli.entrypoints.cli import Terminated

    def terminated(ctx):
        raise Terminated(name)

    monkeypatch.setattr("jqcli.entrypoints.commands.auth.status_command", terminated)
    outcome = run_cli(["--format", "json", "auth", "status"], env={"HOME": str(tmp_path)})
    assert outcome.code == 130 and outcome.error["code"] == "interrupted"
    assert outcome.error["details"]["signal"] == name and name in outcome.error["message"]


def test_main_turns_sigterm_and_sighup_into_keyboard_interrupt(monkeypatch) -> None:
    import signal

    from jqcli.entrypoints import cli

    installed = {}
    signals = cli._signal_module()  # `_signal`: what `signal` wraps, without its enum classes
    assert signals.SIGTERM == signal.SIGTERM and signals.SIG_IGN == signal.SIG_IGN
    monkeypatch.setattr(signals, "getsignal", lambda signum: signal.SIG_DFL)
    monkeypatch.setattr(signals, "signal", lambda signum, handler: installed.setdefault(signum, handler))
    cli.install_stop_signal_handlers()
    assert set(installed) == {signal.SIGTERM, signal.SIGHUP}
    with pytest.raises(KeyboardInterrupt):
        installed[signal.SIGTERM](signal.SIGTERM, None)
