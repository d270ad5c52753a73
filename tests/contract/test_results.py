"""Contract: JoinQuantBacktestResults against recorded traffic (protocol.md §3.1, §9.6, §9.7).

One finished run per test; recording polls with real sleeps, replay answers the same polls in order.
Export tests create export tasks: recording them live spends the account's free exports.
"""

from __future__ import annotations

import time

import pytest

from jqcli.adapters.joinquant.backtests import JoinQuantBacktestGateway
from jqcli.adapters.joinquant.results import JoinQuantBacktestResults
from jqcli.adapters.joinquant.strategies import JoinQuantStrategyGateway
from jqcli.application.results import ListLedger
from jqcli.domain.backtest import MODES
from jqcli.domain.backtest_build import BacktestRequest
from jqcli.domain.errors import ApiError
from jqcli.domain.results import to_utf8
from tests.contract.conftest import RECORD
from tests.contract.test_backtests import wait_finished
from tests.contract.test_strategies import remove_created

CODE = (
    "from jqdata import *\n\n\ndef initialize(context):\n    set_benchmark('000300.XSHG')\n    g.n = 0\n\n\n"
    "def handle_data(context, data):\n    g.n += 1\n    if g.n % 4 == 1:\n"
    "        order_target_value('510300.XSHG', context.portfolio.total_value * 0.5)\n"
    "    elif g.n % 4 == 3:\n        order_target('510300.XSHG', 0)\n    log.info('契约 %d' % g.n)\n"
)


@pytest.fixture
def finished(jq_session):
    """(results gateway, the given numeric id, the run id) of a finished run."""
    strategies = JoinQuantStrategyGateway(jq_session, page_workers=1)
    backtests = JoinQuantBacktestGateway(jq_session)
    created = strategies.create_strategy("契约-结果", CODE)
    request = BacktestRequest(
        strategy_id=created.id, start="2024-01-02", end="2024-03-29", mode=MODES["backtest"], capital=1000000
    )
    build = backtests.build(request)
    run_id = backtests.detail(build.id).run_id
    assert wait_finished(backtests, run_id) == "done"
    yield JoinQuantBacktestResults(jq_session), build.id, run_id
    remove_created(strategies)


def wait_ready(results: JoinQuantBacktestResults, task: str) -> str:
    for _ in range(60):
        state = results.export_status(task)
        if state != "packing":
            return state
        if RECORD:
            time.sleep(2.0)  # the page polls about every 2 s (§9.7)
    raise AssertionError("export did not finish packing")


def test_trades_and_positions_page_by_the_cursor_to_the_end(finished) -> None:
    results, given, _ = finished
    trades = ListLedger(results, "transaction").execute(given)
    assert trades.run_id and trades.end == "end" and trades.count > 10  # run ids rotate per page
    assert all(row.security and row.name for row in trades.rows)
    positions = ListLedger(results, "position").execute(given)
    assert positions.end == "end" and any(row.cash for row in positions.rows)


def test_risk_windows_of_a_finished_run(finished) -> None:
    results, _, run_id = finished
    table = results.risk(run_id)
    assert table is not None
    assert table["sharpe"][0].values[3] is None  # a 12-month window of the first month: "N/A"


def test_result_csv_is_gb18030_with_the_documented_header(finished) -> None:
    results, _, run_id = finished
    body = results.result_csv(run_id)
    assert to_utf8(body).decode("utf-8").startswith("时间,基准收益,策略收益")


def test_zip_export_task_packs_and_downloads_twice(finished) -> None:
    results, given, _ = finished
    ids = results.export_ids(given)
    assert ids.buttons.get("transaction") and ids.for_kind("transaction") != ids.run_id
    task = results.add_export(ids.for_kind("transaction"), "transaction", use_credit=False)
    assert wait_ready(results, task) == "ready"
    first, second = results.export_zip(task), results.export_zip(task)
    assert first.data[:2] == b"PK" and list(first.members) == ["transaction.csv"]
    assert second.members == first.members


def test_export_zip_of_an_unknown_task_is_refused(jq_session) -> None:
    with pytest.raises(ApiError):
        JoinQuantBacktestResults(jq_session).export_zip("0" * 24)
