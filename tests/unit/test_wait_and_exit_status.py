"""``backtest wait`` (use case on fakes, CLI on a scripted site), ``--exit-status`` and the verdict keys."""

from __future__ import annotations

import pytest

from jqcli.application.run_backtest import RunBacktest
from jqcli.application.waiting import WaitBacktest
from jqcli.domain.backtest import MODES
from jqcli.domain.errors import Interrupted, UsageError, WaitTimeout
from jqcli.domain.polling import WaitPolicy
from tests.support.fakes_strategies import FakeBacktestGateway, FakeClock, FakeStrategyGateway
from tests.unit.test_strategy_cli import BUILT, DETAIL_HTML, EDIT, OK, build_routes, cli, html, js

POLICY = WaitPolicy(poll_interval=1.0, timeout=60.0)
RUN_ARGS = ("--start", "2024-01-02", "--end", "2024-01-10", "--wait", "--poll-interval", "0.1")
TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/tmp/strategy/user_code.py", line 2, in initialize',
    "    g.x = 1 / 0",
    "ZeroDivisionError: division by zero",
]


def waiter(states):
    backtests = FakeBacktestGateway()
    backtests.states = list(states)
    clock = FakeClock()
    return backtests, clock, WaitBacktest(RunBacktest(FakeStrategyGateway(), backtests, clock))


def test_wait_resumes_polling_without_building_and_reads_the_detail_page_once() -> None:
    backtests, clock, use_case = waiter(["1", "1", "2"])
    out = use_case.execute("55544646", MODES["backtest"], POLICY)
    assert out.status == "done" and out.waited and out.metrics["sharpe"] == 1.5
    assert backtests.builds == [] and [c for c in backtests.calls if c[0] == "detail"] == [("detail", "55544646")]
    assert out.run_id == backtests.run_id and out.request.strategy_id == "a" * 32 and out.polls == 3


def test_wait_on_a_failed_run_returns_its_error_log() -> None:
    backtests, _, use_case = waiter(["3"])
    backtests.error_lines = list(TRACEBACK)
    out = use_case.execute("55544646", MODES["compile"], POLICY)
    assert out.status == "failed" and out.error_logs == tuple(TRACEBACK) and out.request.mode.name == "compile"


def test_wait_timeout_and_interrupt_carry_the_ids_to_wait_again() -> None:
    _, clock, use_case = waiter(["1"])
    with pytest.raises(WaitTimeout) as timeout:
        use_case.execute("55544646", MODES["compile"], WaitPolicy(poll_interval=1.0, timeout=5.0))
    assert timeout.value.details["resume_wait"] == "jqcli backtest wait 55544646 --compile"
    assert "jqcli backtest wait 55544646 --compile" in timeout.value.details["hint"]
    _, clock, use_case = waiter(["1"])
    clock.interrupt_after = 1
    with pytest.raises(Interrupted) as stopped:
        use_case.execute("55544646", MODES["backtest"], POLICY)
    assert stopped.value.details["resume_wait"] == "jqcli backtest wait 55544646"
    assert stopped.value.details["run_id"] == "run" + "0" * 29


def test_wait_needs_an_id() -> None:
    with pytest.raises(UsageError):
        waiter(["2"])[2].execute("  ", MODES["backtest"], POLICY)


# -- the CLI on a scripted site ------------------------------------------------------------------


def failed_site(stub) -> None:
    build_routes(stub, js(BUILT))
    stub.route("GET", "/algorithm/backtest/detail", html(DETAIL_HTML))
    stub.route("GET", "/algorithm/backtest/result", js({**OK, "data": {"state": "3", "result": None}}))
    stub.route("GET", "/algorithm/backtest/error", js({**OK, "data": {"state": "3", "logArr": ["\n".join(TRACEBACK)]}}))
    log = ["2024-01-02 09:30:00 - ERROR - " + TRACEBACK[0], *TRACEBACK[1:]]
    stub.route(
        "GET",
        "/algorithm/backtest/log",
        js({**OK, "data": {"state": "3", "logArr": log, "offset": "0", "max": False}}),
        js({**OK, "data": {"state": "3", "logArr": [], "offset": "4", "max": False}}),
    )


def test_run_wait_exit_status_is_9_for_a_failed_run_with_the_output_and_its_verdict(stub, tmp_path) -> None:
    failed_site(stub)
    local = tmp_path / "mine.py"
    local.write_text("def initialize(context):\n    g.x = 1 / 0\n", encoding="utf-8")
    stub.route("POST", "/algorithm/index/save", js({**OK, "data": {"algorithmId": "b" * 32}}))
    out = cli(stub, "backtest", "run", EDIT, "--file", "mine.py", *RUN_ARGS, "--exit-status", cwd=str(tmp_path))
    assert out.code == 9, out
    data = out.json
    assert data["status"] == "failed" and data["verdict"] == "runtime_error" and data["warnings"] == 0
    (error,) = data["errors"]
    assert (error["file"], error["line"], error["func"], error["exception"]) == (
        "mine.py", 2, "initialize", "ZeroDivisionError",
    )  # fmt: skip
    assert error["source_line"] == "    g.x = 1 / 0" and error["sim_time"] == "2024-01-02 09:30:00"
    assert data["error_logs"] == ["\n".join(TRACEBACK)]  # the existing key stays as it was


def test_without_exit_status_a_failed_run_still_exits_0(stub) -> None:
    failed_site(stub)
    out = cli(stub, "backtest", "run", EDIT, *RUN_ARGS)
    assert out.code == 0 and out.json["verdict"] == "runtime_error"
    assert out.json["errors"][0]["file"] == "/tmp/strategy/user_code.py"  # no local file: the site's path


def test_a_finished_runs_output_is_unchanged_and_exits_0_with_exit_status(stub) -> None:
    build_routes(stub, js(BUILT))
    stub.route("GET", "/algorithm/backtest/detail", html(DETAIL_HTML))
    stub.route("GET", "/algorithm/backtest/result", js({**OK, "data": {"state": "2", "result": None}}))
    stub.route("GET", "/algorithm/backtest/stats", js({**OK, "data": {"annual_algo_return": 0.2, "sharpe": 3.7}}))
    out = cli(stub, "backtest", "run", EDIT, *RUN_ARGS, "--exit-status")
    assert out.code == 0, out
    assert list(out.json) == [
        "id", "list_id", "strategy_id", "mode", "status", "start_date", "end_date", "response",
        "run_id", "metrics", "result_state", "polls", "waited_seconds",
    ]  # fmt: skip
    assert not stub.hits("/algorithm/backtest/log")


def test_exit_status_without_wait_is_a_usage_error_before_any_request(stub) -> None:
    out = cli(stub, "backtest", "run", EDIT, "--start", "2024-01-02", "--end", "2024-01-10", "--exit-status")
    assert out.code == 3 and "--wait" in out.error["message"] and stub.requests == []


def test_wait_command_prints_the_run_output_without_building(stub) -> None:
    failed_site(stub)
    out = cli(stub, "backtest", "wait", "55544646", "--poll-interval", "0.1", "--exit-status")
    assert out.code == 9, out
    data = out.json
    assert (data["id"], data["run_id"], data["strategy_id"], data["status"]) == (
        "55544646", "runrunrun", "algo1", "failed",
    )  # fmt: skip
    assert data["verdict"] == "runtime_error" and "response" not in data
    assert not stub.hits("/algorithm/index/build")
    out = cli(stub, "--format", "table", "backtest", "wait", "55544646", "--poll-interval", "0.1")
    assert out.code == 0
    assert "判定: runtime_error(运行时错误)" in out.stdout and "ZeroDivisionError: division by zero" in out.stdout


def test_show_and_logs_error_of_a_failed_run_carry_the_verdict(stub) -> None:
    failed_site(stub)
    stub.route(
        "GET", "/algorithm/backtest/source", js({**OK, "data": {"source": "def initialize(c):\n    g.x = 1 / 0\n"}})
    )
    stub.route("GET", "/algorithm/backtest/stats", js({**OK, "data": []}))
    shown = cli(stub, "backtest", "show", "55544646")
    assert shown.code == 0 and shown.json["status"] == "failed" and shown.json["verdict"] == "runtime_error"
    assert shown.json["errors"][0]["source_line"] == "    g.x = 1 / 0"  # from the run's own code
    logs = cli(stub, "backtest", "logs", "runrunrun", "--error")
    assert logs.code == 0 and logs.json["verdict"] == "runtime_error" and logs.json["logs"] == ["\n".join(TRACEBACK)]
    table = cli(stub, "--format", "table", "backtest", "logs", "runrunrun", "--error")
    assert table.stdout.startswith("Traceback") and "判定: runtime_error" in table.stdout


def test_verdict_command_json_and_table(stub, tmp_path) -> None:
    failed_site(stub)
    stub.route(
        "GET", "/algorithm/backtest/source", js({**OK, "data": {"source": "def initialize(c):\n    g.x = 1 / 0\n"}})
    )
    (tmp_path / "mine.py").write_text("def initialize(context):\n    g.x = 1 / 0\n", encoding="utf-8")
    out = cli(stub, "backtest", "verdict", "55544646", "--file", "mine.py", cwd=str(tmp_path))
    assert out.code == 0, out
    data = out.json
    assert data["verdict"] == "runtime_error" and data["file"] == "mine.py" and data["file_matches_run"] is False
    assert data["errors"][0]["file"] == "mine.py" and data["log_complete"] is True
    assert "与回测所用的源码不同" in out.stderr
    table = cli(stub, "--format", "table", "backtest", "verdict", "55544646")
    lines = table.stdout.splitlines()
    assert lines[0] == "判定: runtime_error(运行时错误)  状态 failed"
    assert "  代码: g.x = 1 / 0" in lines and any("第 2 行,函数 initialize" in line for line in lines)


def test_a_cancelled_run_exits_9_with_the_cancelled_verdict(stub) -> None:
    build_routes(stub, js(BUILT))
    stub.route("GET", "/algorithm/backtest/detail", html(DETAIL_HTML))
    stub.route("GET", "/algorithm/backtest/result", js({**OK, "data": {"state": "4", "result": None}}))
    stub.route("GET", "/algorithm/backtest/error", js({**OK, "data": {"state": "4", "logArr": []}}))
    stub.route("GET", "/algorithm/backtest/log", js({**OK, "data": {"state": "4", "logArr": [], "offset": "0"}}))
    out = cli(stub, "backtest", "run", EDIT, *RUN_ARGS, "--exit-status")
    assert out.code == 9 and out.json["status"] == "cancelled", out
    assert (out.json["verdict"], out.json["errors"], out.json["warnings"]) == ("cancelled", [], 0)


def test_compare_needs_two_ids_on_the_command_line(stub) -> None:
    out = cli(stub, "backtest", "compare", "55544646")
    assert out.code == 3 and "至少两个" in out.error["message"] and stub.requests == []


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_knows_the_new_commands_and_options(shell) -> None:
    from tests.support.clirun import run_cli

    script = run_cli(["completion", shell]).stdout
    for word in ("verdict", "compare", "wait", "--exit-status", "--context", "--max-pages"):
        assert word in script, word


def test_an_interrupt_while_reading_the_verdict_says_the_run_ended_and_how_to_judge_it() -> None:
    from types import SimpleNamespace

    from jqcli.application.run_backtest import RunOutcome
    from jqcli.domain.backtest_build import BacktestRequest, BuildResult
    from jqcli.entrypoints.commands.backtest_verdict import finish_run

    class Judge:
        def of_run(self, *args, **kwargs):
            raise KeyboardInterrupt

    ctx = SimpleNamespace(services=SimpleNamespace(judge_run=Judge), args=SimpleNamespace(exit_status=True))
    outcome = RunOutcome(
        build=BuildResult("55544646", "f" * 32, "", {}),
        request=BacktestRequest("s", "2024-01-02", "2024-01-10", MODES["backtest"]),
        status="failed",
        waited=True,
        run_id="r" * 32,
    )
    with pytest.raises(Interrupted) as stopped:
        finish_run(ctx, outcome, {"id": "55544646"})
    assert stopped.value.details["status"] == "failed" and stopped.value.details["run_id"] == "r" * 32
    assert "jqcli backtest verdict 55544646" in stopped.value.details["hint"]
