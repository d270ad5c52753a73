"""Contract: JoinQuantAccount (statistics, isLogin tier, cancel, runTimeInfo) against recorded traffic.

protocol.md §3.1, §9.2, §9.3.  Recording against the real site starts and cancels runs (it spends a
little of the day's free minutes).
"""

from __future__ import annotations

import pytest

from jqcli.adapters.joinquant.account import JoinQuantAccount
from jqcli.adapters.joinquant.backtests import JoinQuantBacktestGateway
from jqcli.adapters.joinquant.strategies import JoinQuantStrategyGateway
from jqcli.application.cancel import CancelBacktest
from jqcli.application.ports_account import NEVER
from jqcli.domain.backtest import MODES
from jqcli.domain.backtest_build import BacktestRequest
from jqcli.domain.errors import ApiError
from tests.contract.test_backtests import wait_finished
from tests.contract.test_strategies import remove_created
from tests.fakes import FakeClock

CODE = "def initialize(context):\n    pass\n\n\ndef handle_data(context, data):\n    pass\n"


@pytest.fixture
def started(jq_session):
    """(account, backtests, build) of a run just started (still queued or running)."""
    strategies = JoinQuantStrategyGateway(jq_session, page_workers=1)
    backtests = JoinQuantBacktestGateway(jq_session)
    created = strategies.create_strategy("契约-配额", CODE)
    request = BacktestRequest(
        strategy_id=created.id, start="2024-01-02", end="2024-06-28", mode=MODES["backtest"], capital=1000000
    )
    yield JoinQuantAccount(jq_session), backtests, backtests.build(request)
    remove_created(strategies)


def test_statistics_lists_the_running_run_and_the_minutes(started) -> None:
    account, _, _ = started
    quota, response = account.statistics()
    assert response["code"] == "00000"
    assert any(run.name == "契约-配额" and run.started_at for run in quota.running)
    assert all(run.elapsed_seconds is not None for run in quota.running)
    assert quota.used_minutes is not None and quota.free_minutes is not None
    assert account.vip_type()  # the demo account's tier


def test_cancel_of_a_running_run_is_confirmed_by_state_cancel_time_and_the_running_list(started) -> None:
    account, backtests, build = started
    target = account.cancel_target(build.id)
    assert target.run_id and target.token and target.name == "契约-配额"
    times = account.run_times(target.run_id)
    assert times.added_at and times.cancel_time == NEVER and not times.cancelled
    clock = FakeClock(0.0)  # replay answers the recorded checks in order: the verification need not sleep
    outcome = CancelBacktest(account, backtests, clock).execute(build.id, verify_timeout=10)
    assert outcome.accepted is True and outcome.confirmed is True
    assert outcome.after.status == "cancelled" and outcome.after.listed_running is False
    assert account.run_times(target.run_id).cancelled


def test_cancel_of_a_finished_run_is_refused_by_the_site(started) -> None:
    account, backtests, build = started
    target = account.cancel_target(build.id)
    assert wait_finished(backtests, target.run_id) == "done"
    times = account.run_times(target.run_id)
    assert str(times.status) == "2" and not times.cancelled and times.until_now_seconds is not None
    with pytest.raises(ApiError) as caught:
        account.cancel(account.cancel_target(build.id))  # sent once: the site refuses it
    assert caught.value.details["reason"] == "not_cancellable"
