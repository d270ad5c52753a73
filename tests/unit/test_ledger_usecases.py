"""``backtest run`` with the run ledger and the slot check (issue 13 items 3, 6), on fakes."""

from __future__ import annotations

import pytest

from jqcli.application.ledger import ListRuns, RunRecorder
from jqcli.application.quota import ReadQuota
from jqcli.application.run_backtest import PushCode, RunBacktest
from jqcli.domain.backtest import MODES, BacktestRow
from jqcli.domain.backtest_build import BacktestRequest, BuildResult
from jqcli.domain.errors import ApiError, FileError, Interrupted, NetworkError
from jqcli.domain.ledger import code_hash
from jqcli.domain.polling import WaitPolicy
from tests.support.fakes_account import FakeAccount, FakeRunLedger
from tests.support.fakes_strategies import FakeBacktestGateway, FakeClock, FakeStrategyGateway

CODE = "def initialize(context):\n    pass\n"  # what FakeBacktestGateway.source answers
# 1000.0 on the FakeClock is 1970-01-01 08:16:40 in Beijing: rows submitted "after" it
AFTER = "1970-01-01 08:17:00"


class Env:
    def __init__(self) -> None:
        self.strategies = FakeStrategyGateway()
        self.sid = self.strategies.add("均线", CODE)
        self.backtests = FakeBacktestGateway(self.strategies)
        self.clock = FakeClock()
        self.ledger = FakeRunLedger()
        self.warnings: list = []
        self.account = FakeAccount(self.backtests)
        self.recorder = RunRecorder(self.ledger, self.clock, self.warnings.append)
        self.run = RunBacktest(
            self.strategies, self.backtests, self.clock, account=self.account, recorder=self.recorder
        )

    def request(self, **changes) -> BacktestRequest:
        base = dict(strategy_id=self.sid, start="2024-01-02", end="2024-03-29", mode=MODES["backtest"],
                    capital=100000.0)  # fmt: skip
        base.update(changes)
        return BacktestRequest(**base)

    def builds(self) -> int:
        return sum(1 for call in self.backtests.calls if call[0] == "build")


@pytest.fixture
def env() -> Env:
    return Env()


def test_the_entry_is_written_before_the_build_is_sent_and_gets_every_id(env) -> None:
    seen = []
    original = env.backtests.build

    def build(request, *, on_send=None):
        def spy(page) -> None:  # right before the POST goes out
            on_send(page)
            seen.append([(e.outcome, e.code_hash) for e in env.ledger.rows.values()])

        return original(request, on_send=spy)

    env.backtests.build = build
    outcome = env.run.execute(env.request())
    assert seen == [[("sending", code_hash(CODE))]]  # on disk before the request went out
    entry = env.ledger.rows[outcome.ledger_key]
    assert (entry.outcome, entry.backtest_id, entry.list_id, entry.status) == ("submitted", "55544646", "f" * 32,
                                                                              "running")  # fmt: skip
    assert entry.strategy_name == "均线" and entry.settings.capital == 100000.0


def test_a_finished_wait_records_status_run_id_and_metrics(env) -> None:
    outcome = env.run.execute(env.request(), wait=WaitPolicy(poll_interval=1, timeout=60))
    entry = env.ledger.rows[outcome.ledger_key]
    assert entry.status == "done" and entry.run_id == env.backtests.run_id
    assert dict(entry.metrics)["sharpe"] == 1.5


def test_an_interrupted_wait_keeps_the_run_with_its_ids(env) -> None:
    env.backtests.states = ["1"]
    env.clock.interrupt_after = 1
    with pytest.raises(Interrupted):
        env.run.execute(env.request(), wait=WaitPolicy(poll_interval=1, timeout=60))
    (entry,) = env.ledger.rows.values()
    assert entry.backtest_id == "55544646" and entry.status == "running"


def test_a_refused_build_leaves_no_entry(env) -> None:
    env.backtests.refuse = ApiError("免费回测时间不足", details={"msg": "50000"})
    with pytest.raises(ApiError):
        env.run.execute(env.request())
    assert env.ledger.rows == {}


def _row(**changes) -> BacktestRow:
    base = dict(id="d1", list_id="l1", numeric_id="777", name="均线", start_date="2024-01-02", end_date="2024-03-29",
                capital=100000.0, frequency="每天", submitted_at=AFTER)  # fmt: skip
    base.update(changes)
    return BacktestRow(**base)


def test_a_lost_build_answer_is_reconciled_from_the_history_and_never_resent(env) -> None:
    env.backtests.refuse = NetworkError("连接被重置")
    env.backtests.rows = [_row(), _row(id="d2", numeric_id="778", capital=5.0)]
    outcome = env.run.execute(env.request())
    assert env.builds() == 1
    assert outcome.reconciled == "reconciled" and outcome.build.id == "777" and outcome.build.list_id == "l1"
    entry = env.ledger.rows[outcome.ledger_key]
    assert (entry.outcome, entry.backtest_id, entry.status) == ("reconciled", "777", "running")


def test_a_lost_build_with_nothing_in_the_history_says_so(env) -> None:
    env.backtests.refuse = NetworkError("连接被重置")
    env.backtests.rows = [_row(submitted_at="1970-01-01 08:00:00")]  # older than the attempt
    with pytest.raises(NetworkError) as caught:
        env.run.execute(env.request())
    assert caught.value.details["reconciled"] == "not_found" and "可以重新运行" in caught.value.details["hint"]
    assert env.builds() == 1 and env.clock.sleeps == [2.0, 2.0]  # the list was read three times
    (entry,) = env.ledger.rows.values()
    assert entry.outcome == "not_found"


def test_a_lost_build_whose_candidates_ran_other_code_is_not_matched(env) -> None:
    env.strategies.records[env.sid]["code"] = "x = 1\n"  # the code sent differs from the rows' source
    env.backtests.refuse = NetworkError("连接被重置")
    env.backtests.rows = [_row()]
    with pytest.raises(NetworkError) as caught:
        env.run.execute(env.request())
    assert caught.value.details["reconciled"] == "not_found"


def test_reuse_returns_a_finished_run_without_building(env) -> None:
    env.run.execute(env.request(), wait=WaitPolicy(poll_interval=1, timeout=60))
    again = env.run.execute(env.request(), reuse=True)
    assert again.reused and again.status == "done" and again.metrics["sharpe"] == 1.5
    assert env.builds() == 1


def test_reuse_attaches_to_a_running_run_and_waits_on_it(env) -> None:
    env.backtests.states = ["1"]
    first = env.run.execute(env.request())
    env.backtests.states = ["1", "2"]
    again = env.run.execute(env.request(), reuse=True, wait=WaitPolicy(poll_interval=1, timeout=60))
    assert again.status == "done" and again.build.id == first.build.id and env.builds() == 1
    assert env.ledger.rows[first.ledger_key].status == "done"


def test_reuse_skips_a_run_that_failed_since_and_other_settings(env) -> None:
    env.backtests.states = ["1"]
    env.run.execute(env.request())
    env.backtests.states = ["3"]
    env.run.execute(env.request(capital=5.0), reuse=True)  # other settings: built
    assert env.builds() == 2
    env.run.execute(env.request(), reuse=True)  # the first one failed meanwhile: built afresh
    assert env.builds() == 3


def test_reuse_with_pushed_code_matches_on_the_code_hash(env) -> None:
    pushed = PushCode(code="y = 2\n", name="新策略")
    env.run.execute(env.request(strategy_id=""), push=pushed, wait=WaitPolicy(poll_interval=1, timeout=60))
    again = env.run.execute(env.request(strategy_id=""), push=pushed, reuse=True)
    assert again.reused and env.builds() == 1


def test_a_broken_ledger_warns_once_and_never_stops_the_run(env) -> None:
    env.ledger.fail = FileError("无法打开回测台账")
    outcome = env.run.execute(env.request(), wait=WaitPolicy(poll_interval=1, timeout=60))
    assert outcome.status == "done" and outcome.ledger_key is None
    assert len(env.warnings) == 1 and "回测台账不可用" in env.warnings[0]


def test_full_running_slots_refuse_before_anything_is_saved_or_built(env) -> None:
    env.account.add_running()
    env.account.add_running("别的")
    with pytest.raises(ApiError) as caught:
        env.run.execute(env.request(strategy_id=""), push=PushCode(code="z = 3\n", name="均线"))
    assert caught.value.details["reason"] == "concurrency_cap" and "account quota" in caught.value.details["hint"]
    assert env.builds() == 0 and env.strategies.saves == [] and env.ledger.rows == {}


def test_an_unreadable_statistics_endpoint_skips_the_check(env) -> None:
    env.account.statistics_error = ApiError("读取回测配额失败:系统繁忙")
    env.run.execute(env.request())
    assert env.builds() == 1


def test_read_quota_reports_tier_and_can_start(env) -> None:
    env.account.add_running()
    view = ReadQuota(env.account).execute()
    assert (view.can_start, view.quota.vip_type, len(view.quota.running)) == (True, "VIP", 1)
    env.account.add_running()
    full = ReadQuota(env.account).execute(tier=False)
    assert not full.can_start and "并行上限 2" in full.reason and full.quota.vip_type is None


def test_history_filters_by_strategy_status_and_date(env) -> None:
    env.run.execute(env.request(), wait=WaitPolicy(poll_interval=1, timeout=60))
    env.clock.t += 86400
    env.backtests.states = ["1"]
    env.run.execute(env.request(capital=5.0))
    runs = ListRuns(env.ledger)
    assert [e.status for e in runs.execute()] == ["running", "done"]
    assert [e.status for e in runs.execute(status="done")] == ["done"]
    assert len(runs.execute(strategy="均线")) == 2 and runs.execute(strategy="其他") == []
    assert [e.status for e in runs.execute(since=env.clock.t - 10)] == ["running"]
    assert runs.execute(status="unknown") == []


def test_build_result_ids_of_a_reconciled_row_prefer_the_numeric_id() -> None:
    from jqcli.application.ledger import build_of

    assert build_of(_row()) == BuildResult(id="777", list_id="l1", save_id="", response=None)
    assert build_of(_row(numeric_id="")).id == "d1"


def test_ctrl_c_while_the_build_is_in_flight_keeps_the_entry_as_unknown(env) -> None:
    def build(request, *, on_send=None):
        on_send(env.strategies.get_strategy(request.strategy_id))
        raise KeyboardInterrupt

    env.backtests.build = build
    with pytest.raises(Interrupted) as caught:
        env.run.execute(env.request())
    (entry,) = env.ledger.rows.values()
    assert entry.outcome == "unknown" and caught.value.details["ledger_key"] == entry.key
    assert env.backtests.calls == []  # nothing else was sent: no reconcile, no retry


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), NetworkError("连接被拒绝")], ids=["ctrl-c", "network"])
def test_a_failure_before_the_build_request_went_out_records_nothing_and_reconciles_nothing(env, failure) -> None:
    def build(request, *, on_send=None):  # the editor page read fails: on_send is never called
        raise failure

    env.backtests.build = build
    with pytest.raises((Interrupted, NetworkError)) as caught:
        env.run.execute(env.request())
    assert env.ledger.rows == {} and env.backtests.calls == [] and "reconciled" not in caught.value.details


def test_a_lost_answer_is_reconciled_even_when_the_ledger_cannot_be_written(env) -> None:
    env.ledger.fail = FileError("无法打开回测台账")
    env.backtests.refuse = NetworkError("连接被重置")
    env.backtests.rows = [_row()]
    outcome = env.run.execute(env.request())
    assert outcome.build.id == "777" and env.builds() == 1 and outcome.ledger_key is None


def test_backtest_wait_records_the_end_of_a_run_the_ledger_knows(env) -> None:
    from jqcli.application.waiting import WaitBacktest

    outcome = env.run.execute(env.request())  # built, not waited on (e.g. the --wait was killed)
    assert env.ledger.rows[outcome.ledger_key].status == "running"
    ended = WaitBacktest(env.run).execute(outcome.build.id, MODES["backtest"], WaitPolicy(poll_interval=1, timeout=60))
    entry = env.ledger.rows[outcome.ledger_key]
    assert ended.status == "done" and entry.status == "done" and entry.run_id == env.backtests.run_id
    assert dict(entry.metrics)["sharpe"] == 1.5
    assert env.builds() == 1  # waiting never builds
