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
