"""``backtest wait <id>``: wait again on a run a timed-out or interrupted ``--wait`` left behind.

The ids ``--wait`` prints on a timeout or an interrupt (``id``, ``list_id``, ``run_id``) all open the
detail page (protocol.md §2.10), which gives the run id the data endpoints take and the run's settings;
from there the polling is ``backtest run --wait``'s own (``RunBacktest.resume``).  Nothing is built.
"""

from __future__ import annotations

from typing import Optional

import attrs

from jqcli.application.run_backtest import Progress, RunBacktest, RunOutcome
from jqcli.domain.backtest import RUNNING, Mode
from jqcli.domain.backtest_build import BacktestRequest, BuildResult
from jqcli.domain.errors import Interrupted, UsageError
from jqcli.domain.polling import WaitPolicy


@attrs.frozen
class WaitBacktest:
    """Resume waiting on one run by any of its ids."""

    run: RunBacktest

    def execute(
        self, backtest_id: str, mode: Mode, wait: WaitPolicy, *, progress: Optional[Progress] = None
    ) -> RunOutcome:
        given = backtest_id.strip()
        if not given:
            raise UsageError("缺少回测 id(run --wait 超时或中断时输出的 id)")
        try:
            detail = self.run.backtests.detail(given)
        except KeyboardInterrupt:
            raise Interrupted("已中断,停止等待;回测仍在聚宽上继续运行", details={"id": given}) from None
        request = BacktestRequest(
            strategy_id=detail.strategy_id,
            start=detail.start_date,
            end=detail.end_date,
            mode=mode,
            capital=detail.capital,
            frequency=detail.frequency or "day",
        )
        # the detail page names the run by its run id; the list id is not on it (protocol.md §1.6)
        build = BuildResult(id=given, list_id=detail.run_id or given, save_id="", response={})
        outcome = RunOutcome(build=build, request=request, status=RUNNING, run_id=detail.run_id or given)
        return self.run.resume(outcome, wait, progress)
