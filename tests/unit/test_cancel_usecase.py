"""``backtest cancel``: one POST, then verification that the run stopped (protocol.md §9.2)."""

from __future__ import annotations

import pytest

from jqcli.application.cancel import CancelBacktest
from jqcli.domain.errors import ApiError, NetworkError
from tests.support.fakes_account import ADDED, FakeAccount
from tests.support.fakes_strategies import FakeBacktestGateway, FakeClock


def make(states=("1",)):
    backtests = FakeBacktestGateway()
    backtests.states = list(states)
    account = FakeAccount(backtests)
    account.add_running()
    clock = FakeClock()
    return CancelBacktest(account, backtests, clock), account, backtests, clock


def test_a_cancel_that_stops_the_run_is_confirmed_after_one_post() -> None:
    use_case, account, _, clock = make()
    outcome = use_case.execute("55544646", verify_timeout=30)
    assert len(account.cancels) == 1 and account.cancels[0].token == "t0k"
    assert outcome.accepted is True and outcome.confirmed is True
    assert outcome.after.status == "cancelled" and outcome.after.listed_running is False
    assert outcome.before.status == "running" and outcome.after.cancel_time == "2026-12-01 10:05:00"
    assert clock.sleeps == []  # seen stopped at the first check


def test_an_accepted_cancel_of_a_run_that_keeps_going_is_reported_unconfirmed_and_never_resent() -> None:
    use_case, account, _, clock = make()
    account.on_cancel = lambda: None  # the phantom: status "0", the run goes on
    outcome = use_case.execute("55544646", verify_timeout=10, interval=2)
    assert outcome.accepted is True and outcome.confirmed is False
    assert outcome.after.status == "running" and outcome.after.listed_running is True
    assert len(account.cancels) == 1  # verified for 10 s, never re-sent
    assert sum(clock.sleeps) == pytest.approx(10) and outcome.checks == 6


def test_a_state_that_says_cancelled_while_the_running_list_still_shows_the_run_is_not_confirmed() -> None:
    use_case, account, backtests, _ = make()

    def half() -> None:
        backtests.states = ["4"]

    account.on_cancel = half
    outcome = use_case.execute("55544646", verify_timeout=3)
    assert outcome.after.status == "cancelled" and outcome.after.listed_running is True
    assert outcome.confirmed is False


def test_another_run_submitted_in_the_same_second_does_not_hide_the_stop() -> None:
    use_case, account, _, _ = make()
    account.add_running()  # a second run with the same submit time and name
    outcome = use_case.execute("55544646", verify_timeout=3)
    assert outcome.confirmed is True and outcome.after.listed == 1 and outcome.before.listed == 2


def test_a_finished_run_is_not_sent_a_cancel() -> None:
    use_case, account, _, _ = make(states=("2",))
    with pytest.raises(ApiError) as caught:
        use_case.execute("55544646")
    assert caught.value.details["reason"] == "not_running" and caught.value.details["status"] == "done"
    assert account.cancels == []


def test_a_lost_answer_is_verified_not_resent() -> None:
    use_case, account, _, _ = make()
    account.cancel_error = NetworkError("连接被重置")  # the cancel reached the site, the answer did not
    outcome = use_case.execute("55544646", verify_timeout=5)
    assert outcome.accepted is None and outcome.confirmed is True and len(account.cancels) == 1


def test_a_lost_answer_of_a_run_still_going_raises_the_network_error_with_the_state() -> None:
    use_case, account, _, _ = make()
    account.cancel_error = NetworkError("连接被重置")
    account.on_cancel = lambda: None
    with pytest.raises(NetworkError) as caught:
        use_case.execute("55544646", verify_timeout=2)
    assert caught.value.details["confirmed"] is False and caught.value.details["status"] == "running"
    assert "不会自动重发" in caught.value.details["hint"] and len(account.cancels) == 1


def test_an_unreadable_running_list_leaves_the_state_to_decide() -> None:
    use_case, account, _, _ = make()
    account.statistics_error = ApiError("读取回测配额失败")
    outcome = use_case.execute("55544646", verify_timeout=2)
    assert outcome.confirmed is True and outcome.after.listed_running is None
    assert outcome.after.added_at == ADDED
