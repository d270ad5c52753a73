"""Contract: JoinQuantBacktestGateway against recorded traffic (one cassette per test, per mode).

Recording waits for the sandbox's runs to finish; replay answers the same polls in the same
order, so nothing sleeps when replaying.
"""

from __future__ import annotations

import time

import pytest

from jqcli.adapters.joinquant.backtests import JoinQuantBacktestGateway
from jqcli.adapters.joinquant.strategies import JoinQuantStrategyGateway
from jqcli.domain.backtest import MODES, TERMINAL, status_of
from jqcli.domain.backtest_build import BacktestRequest
from jqcli.domain.errors import NotAuthenticated
from tests.contract.conftest import RECORD
from tests.contract.test_strategies import remove_created

GOOD_CODE = (
    "from jqdata import *\n\n\ndef initialize(context):\n    set_benchmark('000300.XSHG')\n"
    "    log.info('hello 契约')\n\n\ndef handle_data(context, data):\n    pass\n"
)
BAD_CODE = "def initialize(context):\n    if True\n        pass\n"


@pytest.fixture
def gateways(jq_session):
    strategies = JoinQuantStrategyGateway(jq_session, page_workers=1)
    yield strategies, JoinQuantBacktestGateway(jq_session)
    remove_created(strategies)


def start(gateways, name: str, code: str, mode: str = "backtest", *, finish: bool = True):
    """Create a strategy and run it; by default wait for the end (the site allows two runs at a time)."""
    strategies, backtests = gateways
    created = strategies.create_strategy(name, code)
    request = BacktestRequest(
        strategy_id=created.id, start="2024-01-02", end="2024-01-10", mode=MODES[mode], capital=1000000
    )
    build = backtests.build(request)
    if finish:
        wait_finished(backtests, backtests.detail(build.id).run_id)
    return created, build


def wait_finished(backtests, run_id: str) -> str:
    """Poll the task state until the run ends (replay answers the recorded polls in order, without sleeping)."""
    pause, limit = (2.0, 300) if RECORD == "live" else (0.5, 120)  # be gentle with the real site
    for _ in range(limit):
        state = backtests.result(run_id).state
        if status_of(code=state) in TERMINAL:
            return status_of(code=state)
        if RECORD:
            time.sleep(pause)
    raise AssertionError("run did not finish")


@pytest.mark.parametrize("mode", ["backtest", "compile"])
def test_build_returns_numeric_and_list_ids(gateways, mode) -> None:
    _, build = start(gateways, f"契约-构建-{mode}", GOOD_CODE, mode)
    assert build.id and build.list_id and build.save_id
    assert build.response["code"] == "00000"


@pytest.mark.parametrize("mode", ["backtest", "compile"])
def test_list_backtests_shows_the_new_run(gateways, mode) -> None:
    created, build = start(gateways, f"契约-列表-{mode}", GOOD_CODE, mode)
    rows = list(gateways[1].list_backtests(created.id, MODES[mode]))
    assert rows and all(row.id and row.list_id for row in rows)
    assert rows[0].start_date == "2024-01-02" and rows[0].end_date == "2024-01-10"


def test_detail_source_stats_result_and_log_of_a_finished_run(gateways) -> None:
    _, build = start(gateways, "契约-详情", GOOD_CODE, finish=False)
    backtests = gateways[1]
    detail = backtests.detail(build.id)
    assert detail.run_id and detail.start_date.startswith("2024-01-02")
    assert wait_finished(backtests, detail.run_id) == "done"
    assert backtests.source(detail.run_id) == GOOD_CODE
    stats = backtests.stats(detail.run_id).data
    assert "annual_algo_return" in stats and "sharpe" in stats
    result = backtests.result(detail.run_id).data
    assert result["result"]["overallReturn"]["time"]
    page = backtests.log(detail.run_id, offset=0)
    assert page.lines and page.offset == 0


def test_error_log_of_a_failed_compile(gateways) -> None:
    _, build = start(gateways, "契约-语法错误", BAD_CODE, "compile", finish=False)
    backtests = gateways[1]
    run_id = backtests.detail(build.id).run_id
    assert wait_finished(backtests, run_id) == "failed"
    page = backtests.error_log(run_id)
    assert any("SyntaxError" in line for line in page.lines)


@pytest.mark.parametrize("mode", ["backtest", "compile"])
def test_delete_backtest_by_list_id(gateways, mode) -> None:
    created, _ = start(gateways, f"契约-删回测-{mode}", GOOD_CODE, mode)
    backtests = gateways[1]
    (row,) = backtests.list_backtests(created.id, MODES[mode])
    response = backtests.delete(row.list_id, MODES[mode])
    assert response["code"] == "00000"
    assert list(backtests.list_backtests(created.id, MODES[mode])) == []


def test_expired_session_is_not_authenticated_on_pages_and_json(gateways, jq_recorder) -> None:
    _, build = start(gateways, "契约-过期", GOOD_CODE)
    run_id = gateways[1].detail(build.id).run_id
    expired = JoinQuantBacktestGateway(jq_recorder("PHPSESSID=expired0000; token=expired0000"))
    with pytest.raises(NotAuthenticated):
        expired.detail(build.id)
    with pytest.raises(NotAuthenticated):
        expired.log(run_id)
    with pytest.raises(NotAuthenticated):
        expired.error_log(run_id)
