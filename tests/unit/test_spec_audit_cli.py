"""Spec conformance audit (session 5): bad argument values are usage errors before any request.

Each command runs whole through ``cli.run`` on fake gateways (``tests/fakes.py``); the transport
raises, so a passing test also proves no request was attempted.
"""

from __future__ import annotations

import io
import json
from typing import Dict, List, Optional, TextIO, Tuple

import pytest

from jqcli.adapters.http import HttpTransport
from jqcli.application.ports import BacktestGateway, StrategyGateway
from jqcli.entrypoints.bootstrap import Services
from jqcli.entrypoints.cli import run
from jqcli.entrypoints.context import Stdio
from jqcli.entrypoints.settings import Settings
from tests.fakes import FakeBacktestGateway, FakeStrategyGateway
from tests.support.clirun import FakeStdin


class NoNetwork(AssertionError):
    """A command under test tried to build a transport."""


class AuditServices(Services):
    """The real composition root with fake gateways; building a transport fails the test."""

    strategies = FakeStrategyGateway()
    backtests = FakeBacktestGateway()

    def __init__(self, settings: Settings, *, stderr: Optional[TextIO] = None) -> None:
        super().__init__(settings, stderr=stderr)

    def transport(self) -> HttpTransport:
        raise NoNetwork("the command tried to reach the network")

    def strategy_gateway(self) -> StrategyGateway:
        return self.strategies

    def backtest_gateway(self) -> BacktestGateway:
        return self.backtests


@pytest.fixture()
def services() -> type:
    strategies = FakeStrategyGateway()
    return type("Audit", (AuditServices,), {"strategies": strategies, "backtests": FakeBacktestGateway(strategies)})


def cli(argv: List[str], tmp_path, services: type) -> Tuple[int, str, str]:
    env: Dict[str, str] = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, Stdio(FakeStdin(""), out, err), environ=env, cwd=str(tmp_path), services=services)
    return code, out.getvalue(), err.getvalue()


def usage_error(err: str) -> dict:
    error = json.loads(err)["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == "usage_error"
    return error


BACKTEST_ID_COMMANDS = [
    ["backtest", "show"],
    ["backtest", "stats"],
    ["backtest", "result"],
    ["backtest", "logs"],
    ["backtest", "logs", "--error"],
    ["backtest", "trades"],
    ["backtest", "positions"],
    ["backtest", "risk"],
    ["backtest", "chart"],
    ["backtest", "verdict"],
    ["backtest", "cancel", "--yes"],
    ["backtest", "report", "--output", "r.html"],
]


@pytest.mark.parametrize("blank", ["", "   "])
@pytest.mark.parametrize("command", BACKTEST_ID_COMMANDS, ids=lambda c: " ".join(c))
def test_a_blank_backtest_id_is_a_usage_error_not_a_lookup(command, blank, services, tmp_path) -> None:
    # before: 「回测  不存在」 (or 「回测 None 不存在」) with exit 2 not_found, after asking the site about ""
    code, out, err = cli(
        ["--non-interactive", "--format", "json", *command[:2], blank, *command[2:]], tmp_path, services
    )
    assert code == 3 and out == ""
    assert "回测 id 不能为空" in usage_error(err)["message"]
    assert services.backtests.calls == []


def test_a_backtest_id_keeps_working_with_surrounding_spaces(services, tmp_path) -> None:
    code, out, err = cli(["--format", "json", "backtest", "stats", "  55544646 "], tmp_path, services)
    assert code == 0, err
    assert json.loads(out)["id"] == "55544646"


@pytest.mark.parametrize("blank", ["", "  "])
def test_strategy_show_with_an_empty_output_path_is_a_usage_error(blank, services, tmp_path) -> None:
    # the spec: --output <path> writes the source to a file; before, "" was silently ignored (no file, no code)
    strategy_id = services.strategies.add("alpha", "def initialize(context):\n    pass\n")
    code, out, err = cli(["--format", "json", "strategy", "show", strategy_id, "--output", blank], tmp_path, services)
    assert code == 3 and out == ""
    assert "--output" in usage_error(err)["message"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == []


# -- table mode is for a terminal: text from the site never carries control sequences ------------

EVIL = "\x1b]0;pwned\x07evil\x1b[2J\x9b1m"


def assert_terminal_safe(text: str) -> None:
    assert not any(ch in text for ch in "\x1b\x07\x9b\r\x00"), repr(text)


def test_table_mode_shows_control_characters_in_site_text_as_replacement_characters(services, tmp_path) -> None:
    # before: a strategy name (or a post title, a log line …) printed its ESC/OSC sequences raw to the terminal
    services.strategies.add(EVIL)
    services.strategies.add("正常策略")
    code, out, err = cli(["--format", "table", "strategy", "ls"], tmp_path, services)
    assert code == 0, err
    assert_terminal_safe(out)
    header, _rule, *rows = out.splitlines()
    evil_row = next(row for row in rows if "evil" in row)
    assert "\ufffd]0;pwned\ufffdevil\ufffd[2J\ufffd1m" in evil_row
    other_row = next(row for row in rows if "正常策略" in row)
    from jqcli.entrypoints.render import display_width

    def column(row: str, text: str) -> int:
        return display_width(row[: row.index(text)])

    assert column(evil_row, "2026-") == column(other_row, "2026-") == column(header, "更新时间")  # still aligned


def test_table_mode_errors_never_echo_control_characters(services, tmp_path) -> None:
    code, out, err = cli(["--format", "table", "strategy", "show", EVIL], tmp_path, services)
    assert code == 2 and out == ""
    assert err.startswith("错误[not_found]") and "evil" in err
    assert_terminal_safe(err)


def test_json_mode_keeps_the_exact_text_escaped(services, tmp_path) -> None:
    code, out, err = cli(["--format", "json", "strategy", "show", EVIL], tmp_path, services)
    assert code == 2
    assert json.loads(err)["error"]["details"]["name"] == EVIL


def test_backtest_logs_in_table_mode_do_not_pass_the_strategy_output_to_the_terminal(services, tmp_path) -> None:
    services.backtests.log_lines = [f"2024-01-02 09:30:00 - INFO  - {EVIL}", "2024-01-02 09:31:00 - INFO  - 第二行"]
    code, out, err = cli(["--format", "table", "backtest", "logs", "55544646"], tmp_path, services)
    assert code == 0, err
    assert_terminal_safe(out)
    assert out.splitlines()[1].endswith("第二行") and "evil" in out.splitlines()[0]


def test_terminal_safe_keeps_newlines_tabs_and_wide_characters() -> None:
    from jqcli.entrypoints.render import display_width, terminal_safe

    assert terminal_safe("策略\t名称\n第二行") == "策略\t名称\n第二行"
    shown = terminal_safe("a\x00b\rc\x7fd\x85e")
    assert shown == "a\ufffdb\ufffdc\ufffdd\ufffde"
    assert display_width(shown) == display_width("a\x00b\rc\x7fd\x85e")  # same columns: tables stay aligned


@pytest.mark.parametrize(
    "command",
    [["strategy", "new", "名称"], ["strategy", "edit", "alpha"], ["backtest", "run", "alpha", "--start", "2024-01-02"]],
    ids=lambda c: " ".join(c[:2]),
)
def test_an_empty_file_path_is_a_usage_error_not_the_default_template(command, services, tmp_path) -> None:
    # before: `strategy new 名称 --file ""` created the template strategy, `backtest run --file ""` ran the old code
    services.strategies.add("alpha")
    code, out, err = cli(["--format", "json", *command, "--file", ""], tmp_path, services)
    assert code == 3 and out == ""
    assert "--file" in usage_error(err)["message"]
    assert services.strategies.saves == [] and len(services.strategies.records) == 1
    assert services.backtests.builds == []


@pytest.mark.parametrize("yes", [[], ["--yes"]], ids=["check", "yes"])
def test_clone_with_an_empty_backtest_id_is_a_usage_error_not_the_posts_own_backtest(yes, services, tmp_path) -> None:
    # before: "" meant "not given", so the post's own backtest was checked (and with --yes cloned, spending credits)
    argv = ["--format", "json", "community", "clone-strategy", "post1", "--backtest-id", " ", *yes]
    code, out, err = cli(argv, tmp_path, services)
    assert code == 3 and out == ""
    assert usage_error(err)["details"]["option"] == "--backtest-id"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_strategy_code_is_exact_into_a_pipe_and_harmless_on_a_terminal(services, tmp_path) -> None:
    code_text = 'def initialize(context):\n    log.info("\\x1b]0;x\\x07")  # literal: ' + EVIL + "\n"
    strategy_id = services.strategies.add("alpha", code_text)
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "data")}
    argv = ["--format", "table", "strategy", "show", strategy_id, "--code"]
    for stdout in (io.StringIO(), Terminal()):
        err = io.StringIO()
        assert run(argv, Stdio(FakeStdin(""), stdout, err), environ=env, cwd=str(tmp_path), services=services) == 0
        if isinstance(stdout, Terminal):
            assert_terminal_safe(stdout.getvalue())
            assert stdout.getvalue() == code_text.translate({0x1B: "\ufffd", 0x07: "\ufffd", 0x9B: "\ufffd"})
        else:
            assert stdout.getvalue() == code_text  # byte for byte when redirected


@pytest.mark.parametrize(
    "command", [["backtest", "export", "55544646", "--kind", "result"], ["backtest", "report", "55544646"]]
)
def test_export_and_report_with_an_empty_output_path_are_usage_errors(command, services, tmp_path) -> None:
    # before: "" named the working directory: file_error 「输出路径是目录」
    code, out, err = cli(["--format", "json", *command, "--output", ""], tmp_path, services)
    assert code == 3 and out == ""
    assert "--output" in usage_error(err)["message"]
