"""``cli.run(..., services=...)``: whole commands on fake gateways, no HTTP, no sandbox.

The injected ``Services`` subclass replaces only the gateways; everything between argv and the
printed JSON (parser, handler, use case, rendering, the error shell and exit codes) is the real code.
Its transport raises, so a test that passes proves no request was attempted.
"""

from __future__ import annotations

import io
import json
from typing import Any, Dict, List, Optional, TextIO

import pytest

from jqcli.adapters.http import HttpTransport
from jqcli.application.ports import BacktestGateway, StrategyGateway
from jqcli.entrypoints.bootstrap import Services, build_settings
from jqcli.entrypoints.cli import run
from jqcli.entrypoints.context import Stdio
from jqcli.entrypoints.settings import Flags, Settings
from tests.fakes import FakeBacktestGateway, FakeStrategyGateway
from tests.support.clirun import FakeStdin


class NoNetwork(AssertionError):
    """A command under test tried to build a transport."""


class FakeServices(Services):
    """The composition root with fake gateways; building a transport fails the test."""

    strategies: FakeStrategyGateway = FakeStrategyGateway()

    def __init__(self, settings: Settings, *, stderr: Optional[TextIO] = None) -> None:
        super().__init__(settings, stderr=stderr)
        self.backtests = FakeBacktestGateway(self.strategies)

    def transport(self) -> HttpTransport:
        raise NoNetwork("the command tried to reach the network")

    def strategy_gateway(self) -> StrategyGateway:
        return self.strategies

    def backtest_gateway(self) -> BacktestGateway:
        return self.backtests


@pytest.fixture()
def fakes(tmp_path) -> type[FakeServices]:
    gateway = FakeStrategyGateway()
    return type("Injected", (FakeServices,), {"strategies": gateway})


def env_for(tmp_path) -> Dict[str, str]:
    return {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "data")}


def cli(argv: List[str], tmp_path, services: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, Stdio(FakeStdin(""), out, err), environ=env_for(tmp_path), cwd=str(tmp_path), services=services)
    return code, out.getvalue(), err.getvalue()


def test_strategy_ls_runs_on_a_fake_gateway_without_http(fakes, tmp_path) -> None:
    fakes.strategies.add("alpha")
    fakes.strategies.add("beta")
    code, out, err = cli(["--format", "json", "strategy", "ls"], tmp_path, fakes)
    assert code == 0, err
    items = json.loads(out)["items"]
    assert [item["name"] for item in items] == ["beta", "alpha"]  # --sort updated: newest first
    assert fakes.strategies.list_calls == 1


def test_a_use_case_error_maps_to_the_spec_error_json_and_exit_code(fakes, tmp_path) -> None:
    code, out, err = cli(["--format", "json", "strategy", "show", "0" * 32], tmp_path, fakes)
    assert code == 2 and out == ""
    error = json.loads(err)["error"]
    assert error["code"] == "not_found" and set(error) == {"code", "message", "details"}


def test_a_refused_write_never_reaches_the_gateway(fakes, tmp_path) -> None:
    key = fakes.strategies.add("keep")
    code, _, err = cli(["--format", "json", "--non-interactive", "strategy", "rm", key], tmp_path, fakes)
    assert code == 7 and json.loads(err)["error"]["code"] == "confirmation_required"
    assert fakes.strategies.deleted == [] and "keep" in [r["name"] for r in fakes.strategies.records.values()]


def test_backtest_ls_on_fakes_goes_through_the_typed_factory(fakes, tmp_path) -> None:
    key = fakes.strategies.add("runner")
    code, out, err = cli(["--format", "json", "backtest", "ls", key], tmp_path, fakes)
    assert code == 0, err
    assert json.loads(out)["items"] == []


def test_an_instance_can_be_injected_too(tmp_path) -> None:
    settings = build_settings(Flags(format="json"), env_for(tmp_path), str(tmp_path))
    services = FakeServices(settings)
    services.strategies = FakeStrategyGateway()
    services.strategies.add("only")
    code, out, err = cli(["--format", "json", "strategy", "ls"], tmp_path, services)
    assert code == 0, err
    assert [item["name"] for item in json.loads(out)["items"]] == ["only"]


def test_the_guard_is_real_a_command_that_needs_the_network_fails(fakes, tmp_path) -> None:
    # community latest uses the community feed, which the fake does not replace: the transport guard trips
    code, _, err = cli(["--format", "json", "--cookie", "PHPSESSID=a; token=b", "community", "latest"], tmp_path, fakes)
    assert code == 70 and "NoNetwork" in err
