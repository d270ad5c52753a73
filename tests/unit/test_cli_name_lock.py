"""The push-and-run name lock: the use case holds it around push and build; the file lock excludes."""

from __future__ import annotations

import contextlib
import threading

from jqcli.adapters.locks import FileNameLock
from jqcli.application.run_backtest import PushCode, RunBacktest
from jqcli.domain.backtest_build import BacktestRequest
from tests.fakes import FakeBacktestGateway, FakeClock, FakeStrategyGateway


class RecordingLock:
    def __init__(self, log: list) -> None:
        self.log = log

    @contextlib.contextmanager
    def hold(self, name: str):
        self.log.append(("lock", name))
        try:
            yield
        finally:
            self.log.append(("unlock", name))


class LoggingStrategies(FakeStrategyGateway):
    def __init__(self, log: list) -> None:
        super().__init__()
        self.log = log

    def list_strategies(self):
        self.log.append(("list",))
        return super().list_strategies()

    def create_strategy(self, name, code):
        self.log.append(("create", name))
        return super().create_strategy(name, code)


class LoggingBacktests(FakeBacktestGateway):
    def build(self, request):
        self.log.append(("build",))
        return super().build(request)


def _request() -> BacktestRequest:
    return BacktestRequest(strategy_id="", start="2024-01-02", end="2024-01-10")


def test_push_and_run_by_name_holds_the_lock_from_resolving_to_building() -> None:
    log: list = []
    strategies = LoggingStrategies(log)
    backtests = LoggingBacktests(strategies)
    backtests.log = log
    run = RunBacktest(strategies, backtests, FakeClock(), name_lock=RecordingLock(log))
    run.execute(_request(), push=PushCode(code="x = 1\n", name=" 名字 "))
    assert log[0] == ("lock", "名字") and log[-1] == ("unlock", "名字")
    inside = [entry[0] for entry in log[1:-1]]
    assert "list" in inside and "create" in inside and inside[-1] == "build"


def test_runs_by_id_take_no_lock() -> None:
    log: list = []
    strategies = LoggingStrategies(log)
    sid = strategies.add("s")
    backtests = LoggingBacktests(strategies)
    backtests.log = log
    RunBacktest(strategies, backtests, FakeClock(), name_lock=RecordingLock(log)).execute(
        BacktestRequest(strategy_id=sid, start="2024-01-02", end="2024-01-10")
    )
    assert not any(entry[0] == "lock" for entry in log)


def test_file_lock_excludes_a_second_holder_until_released(tmp_path) -> None:
    lock = FileNameLock(str(tmp_path / "locks"), scope="https://site\nuser")
    other = FileNameLock(str(tmp_path / "locks"), scope="https://site\nuser")
    entered = threading.Event()
    order: list = []

    def second() -> None:
        with other.hold("策略"):
            order.append("second")
        entered.set()

    with lock.hold("策略"):
        thread = threading.Thread(target=second)
        thread.start()
        assert not entered.wait(0.3)  # blocked while the first holds the lock (its own open file)
        order.append("first")
    thread.join(timeout=10)
    assert order == ["first", "second"]


def test_lock_files_are_per_scope_and_name(tmp_path) -> None:
    a = FileNameLock(str(tmp_path), scope="https://a\n")
    b = FileNameLock(str(tmp_path), scope="https://b\n")
    assert a.path_for("x") != b.path_for("x") != a.path_for("y")
    with a.hold("x"), b.hold("x"):  # different sites never wait for each other
        pass
