"""Backtest use cases (run/push/wait, ls, show, stats, result, logs, rm) against fakes."""

from __future__ import annotations

import pytest

from jqcli.application.backtests import (
    DeleteBacktest,
    ListBacktests,
    ReadBacktestCurves,
    ReadBacktestLogs,
    ReadBacktestStats,
    ShowBacktest,
)
from jqcli.application.run_backtest import PushCode, RunBacktest
from jqcli.domain.backtest import MODES, BacktestRow
from jqcli.domain.backtest_build import BacktestRequest
from jqcli.domain.curves import CurvePage, StatsPage
from jqcli.domain.errors import ApiError, Interrupted, NetworkError, UsageError, WaitTimeout
from jqcli.domain.polling import WaitPolicy
from tests.fakes import FakeBacktestGateway, FakeClock, FakeStrategyGateway


@pytest.fixture
def env():
    strategies = FakeStrategyGateway()
    backtests = FakeBacktestGateway(strategies)
    clock = FakeClock()
    return strategies, backtests, clock, RunBacktest(strategies, backtests, clock)


def request(strategy_id: str = "", **kw) -> BacktestRequest:
    return BacktestRequest(strategy_id=strategy_id, start="2024-01-02", end="2024-01-10", **kw)


def test_run_without_wait_builds_once_and_reports_running(env) -> None:
    strategies, backtests, _, run = env
    sid = strategies.add("s")
    out = run.execute(request(sid))
    assert out.status == "running" and out.build.id == "55544646" and len(backtests.builds) == 1
    assert not out.waited


def test_run_by_name_resolves_the_unique_strategy(env) -> None:
    strategies, backtests, _, run = env
    strategies.add("示例策略")
    run.execute(request("示例策略"))
    assert strategies.name_of(backtests.builds[0].strategy_id) == "示例策略"


def test_push_and_run_creates_then_updates_by_name(env) -> None:
    strategies, backtests, _, run = env
    first = run.execute(request(), push=PushCode(code="v1\n", name="推送"))
    assert first.pushed.action == "created"
    second = run.execute(request(), push=PushCode(code="v2\n", name="推送"))
    assert second.pushed.action == "updated"
    assert [r["code"] for r in strategies.records.values()] == ["v2\n"]
    assert len(backtests.builds) == 2


def test_push_and_run_refuses_ambiguous_name_without_building(env) -> None:
    strategies, backtests, _, run = env
    strategies.add("dup")
    strategies.add("dup")
    with pytest.raises(UsageError):
        run.execute(request(), push=PushCode(code="x\n", name="dup"))
    assert backtests.builds == [] and strategies.saves == []


def test_push_into_strategy_given_by_id(env) -> None:
    strategies, backtests, _, run = env
    sid = strategies.add("s", "old\n")
    out = run.execute(request(sid), push=PushCode(code="new\n"))
    assert out.pushed.action == "updated" and strategies.records[sid]["code"] == "new\n"


def test_wait_polls_until_done_with_at_most_two_requests_per_round(env) -> None:
    strategies, backtests, clock, run = env
    sid = strategies.add("s")
    backtests.states = ["0", "1", "1", "2"]
    start = len(backtests.calls)
    out = run.execute(request(sid), wait=WaitPolicy(poll_interval=2, timeout=600))
    assert out.status == "done" and out.metrics["sharpe"] == 1.5 and out.polls == 4
    polls = [c for c in backtests.calls[start:] if c[0] not in ("build", "detail")]
    assert len(polls) <= 2 * out.polls
    assert clock.sleeps == [1.0, 1.0, 1.0]  # nothing predicts the end: a fifth of the time waited, at least 1 s


def test_wait_done_but_stats_lagging_keeps_polling(env) -> None:
    strategies, backtests, _, run = env
    backtests.states = ["2"]
    backtests.stats_ready_after = 2
    out = run.execute(request(strategies.add("s")), wait=WaitPolicy(poll_interval=1, timeout=600))
    assert out.status == "done" and out.metrics and out.polls == 3


def test_wait_failed_run_carries_error_log_lines(env) -> None:
    strategies, backtests, _, run = env
    backtests.states = ["1", "3"]
    backtests.error_lines = ["Traceback (most recent call last):", "SyntaxError: invalid syntax"]
    out = run.execute(request(strategies.add("s"), mode=MODES["compile"]), wait=WaitPolicy(1, 600))
    assert out.status == "failed" and out.error_logs[-1].startswith("SyntaxError")


def test_wait_cancelled_with_errors_is_failed(env) -> None:
    strategies, backtests, _, run = env
    backtests.states = ["4"]
    backtests.error_lines = ["boom"]
    assert run.execute(request(strategies.add("s")), wait=WaitPolicy(1, 60)).status == "failed"


def test_wait_timeout_carries_every_resume_id(env) -> None:
    strategies, backtests, clock, run = env
    backtests.states = ["1"]
    with pytest.raises(WaitTimeout) as info:
        run.execute(request(strategies.add("s")), wait=WaitPolicy(poll_interval=5, timeout=20))
    details = info.value.details
    assert details["id"] == "55544646" and details["list_id"] == "f" * 32
    assert details["run_id"] == backtests.run_id and details["strategy_id"] and details["mode"] == "backtest"
    assert clock.t - 1000.0 == pytest.approx(20)


def test_ctrl_c_during_wait_is_interrupted_with_ids(env) -> None:
    strategies, backtests, clock, run = env
    backtests.states = ["1"]
    clock.interrupt_after = 2
    with pytest.raises(Interrupted) as info:
        run.execute(request(strategies.add("s")), wait=WaitPolicy(1, 600))
    assert info.value.details["id"] == "55544646" and info.value.details["run_id"] == backtests.run_id


def test_failure_during_wait_keeps_resume_ids(env) -> None:
    strategies, backtests, _, run = env
    backtests.states = ["1", NetworkError("reset")]
    with pytest.raises(NetworkError) as info:
        run.execute(request(strategies.add("s")), wait=WaitPolicy(1, 600))
    assert info.value.details["backtest_id"] == "55544646"


def test_build_refusal_propagates(env) -> None:
    strategies, backtests, _, run = env
    backtests.refuse = ApiError("免费回测时间不足")
    with pytest.raises(ApiError):
        run.execute(request(strategies.add("s")), wait=WaitPolicy(1, 60))


def test_ls_filters_and_limits(env) -> None:
    strategies, backtests, _, _ = env
    sid = strategies.add("s")
    backtests.rows = [BacktestRow(id=str(i), list_id=str(i), status="done" if i % 2 else "running") for i in range(6)]
    used, rows = ListBacktests(strategies, backtests).execute(sid, MODES["backtest"], status="done", limit=2)
    assert used == sid and [r.id for r in rows] == ["1", "3"]
    assert backtests.rows_read == 4  # the history is read lazily: nothing past the second match
    assert backtests.read_ahead == 1


def test_ls_without_limit_reads_the_whole_history(env) -> None:
    strategies, backtests, _, _ = env
    sid = strategies.add("s")
    backtests.rows = [BacktestRow(id=str(i), list_id=str(i), status="done") for i in range(7)]
    _, rows = ListBacktests(strategies, backtests).execute(sid, MODES["backtest"], limit=None)
    assert [r.id for r in rows] == [str(i) for i in range(7)] and backtests.rows_read == 7
    assert backtests.read_ahead == 4  # every page is wanted: known pages may be read concurrently


def test_show_reads_detail_source_and_stats_with_run_id(env) -> None:
    _, backtests, _, _ = env
    view = ShowBacktest(backtests).execute("55544646")
    assert view.status == "done" and view.code.startswith("def initialize")
    assert ("stats", backtests.run_id) in backtests.calls


def test_stats_retries_with_run_id_when_given_id_has_none(env) -> None:
    _, backtests, _, _ = env
    out = ReadBacktestStats(backtests).execute("55544646")
    assert out.resolved_id == backtests.run_id and out.ready


def test_stats_not_ready_is_reported_not_faked(env) -> None:
    _, backtests, _, _ = env
    backtests.stats_ready_after = 5
    out = ReadBacktestStats(backtests).execute("55544646")
    assert out.ready is False and out.metrics == {}


def test_result_all_merges_pages(env) -> None:
    _, backtests, _, _ = env

    def page(offset, times):
        series = {"time": times, "value": [1.0] * len(times)}
        return {"offset": offset, "data": {"state": "2", "result": {"offset": offset, "count": len(times),
                "overallReturn": series, "benchmark": series}, "userRecord": None}}  # fmt: skip

    backtests.result_pages = [page(0, [1, 2, 3]), page(3, [4, 5])]
    out = ReadBacktestCurves(backtests).execute("x", read_all=True)
    assert out.data["result"]["overallReturn"]["time"] == [1, 2, 3, 4, 5]
    assert out.next_offset == 5 and len(out.responses) == 3  # run id page 1, page 2, the empty page
    assert out.truncated is False
    capped = ReadBacktestCurves(backtests).execute("x", read_all=True, max_pages=1)
    assert capped.truncated is True and capped.next_offset == 3  # says so, and where to go on from


def test_logs_all_capped_by_max_pages_says_so(env) -> None:
    _, backtests, _, _ = env
    out = ReadBacktestLogs(backtests).execute("x", read_all=True, max_pages=2)
    assert len(out.lines) == 200 and out.truncated is True and out.next_offset == 200
    assert ReadBacktestLogs(backtests).execute("x", read_all=True).truncated is False


def test_logs_all_reads_until_empty_page(env) -> None:
    _, backtests, _, _ = env
    out = ReadBacktestLogs(backtests).execute("x", read_all=True)
    assert len(out.lines) == 250 and out.next_offset == 250 and out.max is False


def test_logs_all_stops_at_max(env) -> None:
    _, backtests, _, _ = env
    backtests.log_max_at = 100
    out = ReadBacktestLogs(backtests).execute("x", read_all=True)
    assert len(out.lines) == 100 and out.max is True


def test_logs_offset_and_error_kind(env) -> None:
    _, backtests, _, _ = env
    out = ReadBacktestLogs(backtests).execute("x", offset=200)
    assert out.lines[0] == "line 200" and out.next_offset == 250
    backtests.error_lines = ["Traceback"]
    err = ReadBacktestLogs(backtests).execute("x", errors=True)
    assert err.kind == "error" and err.lines == ("Traceback",) and err.next_offset is None


def test_delete_backtest_passes_mode(env) -> None:
    _, backtests, _, _ = env
    DeleteBacktest(backtests).execute("abc", MODES["compile"])
    assert backtests.calls[-1] == ("delete", "abc", "compile")
    with pytest.raises(UsageError):
        DeleteBacktest(backtests).execute(" ", MODES["backtest"])


def test_data_call_refused_for_another_id_kind_retries_with_run_id(env) -> None:
    _, backtests, _, _ = env

    def picky_stats(backtest_id):
        if backtest_id != backtests.run_id:
            raise ApiError("读取回测指标失败:回测不存在或访问受限")
        return StatsPage.of({"code": "00000", "data": backtests.stats_data})

    backtests.stats = picky_stats
    out = ReadBacktestStats(backtests).execute("detail-id-from-ls")
    assert out.resolved_id == backtests.run_id and out.ready


def test_refusal_is_raised_when_the_detail_page_gives_nothing_better(env) -> None:
    _, backtests, _, _ = env

    def refuse(backtest_id):
        raise ApiError("读取回测指标失败:回测不存在或访问受限")

    backtests.stats = refuse
    with pytest.raises(ApiError, match="访问受限"):
        ReadBacktestStats(backtests).execute("nope")


WEEKDAYS_MS = [1704153600000 + d * 86_400_000 for d in range(200) if (1 + d) % 7 < 5]  # 2024-01-02 is a Tuesday


class CurveFillingGateway(FakeBacktestGateway):
    """A run of ``length`` seconds that fills its daily curve evenly, then reports done."""

    DAY_MS = 86_400_000

    def __init__(self, strategies, clock, length: float, days: int) -> None:
        super().__init__(strategies)
        self.clock, self.length, self.days, self.t0 = clock, length, days, clock.t
        self.offsets: list = []

    def result(self, backtest_id: str, *, offset: int = 0, user_record_offset: int = 0) -> CurvePage:
        self.offsets.append(offset)
        done = self.clock.t - self.t0 >= self.length
        upto = self.days if done else int(self.days * (self.clock.t - self.t0) / self.length)
        times = [WEEKDAYS_MS[i] for i in range(offset, upto)]  # one point per trading day from 2024-01-02
        page = {
            "offset": str(offset),
            "count": str(len(times)),
            "overallReturn": {"time": times, "value": [0] * len(times)},
        }
        return CurvePage.of({"code": "00000", "data": {"state": "2" if done else "1", "result": page}})


@pytest.mark.parametrize("length", [3.0, 20.0, 120.0])
def test_wait_notices_the_end_soon_after_it_from_the_curve_progress(length) -> None:
    strategies, clock = FakeStrategyGateway(), FakeClock()  # its sleeps move its time
    backtests = CurveFillingGateway(strategies, clock, length, days=86)
    sid = strategies.add("s")
    run = RunBacktest(strategies, backtests, clock)
    req = BacktestRequest(strategy_id=sid, start="2024-01-02", end="2024-04-30")  # 86 weekdays
    out = run.execute(req, wait=WaitPolicy(timeout=600))
    assert out.status == "done"
    assert clock.t - backtests.t0 - length <= 2.0  # noticed within 2 s of the end
    assert backtests.offsets == sorted(backtests.offsets) and backtests.offsets[-1] > 0  # only new points read
