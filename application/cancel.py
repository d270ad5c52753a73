"""``backtest cancel``: one cancel POST, then verify that the run really stopped (protocol.md §9.2).

A success answer does not prove the run stopped (a cancel once answered status "0" while the
run kept going), so after the POST the run is checked until it is seen stopped or the
verification time runs out: the task state (result ``state`` / runTimeInfo ``status``), the
``cancelTime`` of runTimeInfo and whether ``statistics.running[]`` still lists the run (matched on its
submit time, since ids are re-minted per response).  The cancel itself is never re-sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Optional

import attrs

from jqcli.application.ports_account import AccountGateway, CancelTarget, RunTimes
from jqcli.domain.backtest import TERMINAL, status_of
from jqcli.domain.errors import ApiError, JqcliError, NetworkError, NotAuthenticated

if TYPE_CHECKING:
    from jqcli.application.ports import BacktestGateway, Clock


@attrs.frozen
class Observation:
    """One look at a run: its state, its cancel time, whether the running list shows it."""

    status: str
    cancel_time: str = ""
    listed_running: Optional[bool] = None  # None: the running list could not be read or matched
    added_at: str = ""
    listed: Optional[int] = None  # running entries with the run's submit time (and name); None: unread

    @property
    def stopped(self) -> bool:
        """Seen stopped: a final state not contradicted by the running list, or a cancel time and
        the run gone from the list."""
        if self.listed_running is True:
            return False
        if self.status in TERMINAL:
            return True
        return bool(self.cancel_time) and self.listed_running is False


@attrs.frozen
class CancelOutcome:
    target: CancelTarget
    accepted: Optional[bool]  # the site answered success; None when the answer was lost
    confirmed: bool
    before: Observation
    after: Observation
    checks: int
    waited: float
    response: Mapping[str, object] = attrs.field(factory=dict)


@attrs.frozen
class CancelBacktest:
    account: AccountGateway
    backtests: BacktestGateway
    clock: Clock

    def execute(self, backtest_id: str, *, verify_timeout: float = 30.0, interval: float = 1.0) -> CancelOutcome:
        target = self.account.cancel_target(backtest_id)
        before = self.observe(target, "", None)
        if before.status in TERMINAL:  # even a run still listed as running then answers 在此状态不能取消 (§9.2)
            raise ApiError(
                f"回测 {backtest_id} 已结束(状态 {before.status}),未发送取消请求",
                details={
                    "id": backtest_id,
                    "run_id": target.run_id,
                    "status": before.status,
                    "listed_running": before.listed_running,
                    "reason": "not_running",
                },
                hint="用 jqcli account quota 查看正在运行的回测",
            )
        lost: Optional[NetworkError] = None
        response: Mapping[str, object] = {}
        try:
            response = self.account.cancel(target)  # once: never retried, never re-sent
        except NetworkError as exc:  # sent, but the answer was lost: verify instead of re-sending
            lost = exc
        started = self.clock.monotonic()
        after, checks = before, 0
        while True:
            after = self.observe(target, before.added_at, before.listed)
            checks += 1
            waited = self.clock.monotonic() - started
            if after.stopped or waited >= verify_timeout:
                break
            self.clock.sleep(min(interval, max(0.0, verify_timeout - waited)))
        waited = round(self.clock.monotonic() - started, 1)
        if lost is not None and not after.stopped:
            lost.details.update(
                id=backtest_id, run_id=target.run_id, status=after.status, confirmed=False, accepted=None
            )
            lost.details.setdefault(
                "hint", f"取消请求可能已送达也可能没有;不会自动重发。用 jqcli backtest show {backtest_id} 查看状态"
            )
            raise lost
        return CancelOutcome(
            target=target,
            accepted=None if lost is not None else True,
            confirmed=after.stopped,
            before=before,
            after=after,
            checks=checks,
            waited=waited,
            response=response,
        )

    def observe(self, target: CancelTarget, added_at: str, listed_before: Optional[int]) -> Observation:
        """The run's state now (three GETs: result, runTimeInfo, statistics; the last two optional).

        Two runs submitted in the same second share a submit time, so the running list is read as a
        count of entries with the run's time (and name): after the cancel the run is still listed
        while that count has not dropped below the count seen before it.
        """
        run_id = target.run_id
        data = self.backtests.result(run_id).data
        state = data.get("state") if isinstance(data, Mapping) else None
        times = self._times(run_id)
        status = status_of(code=state) if state not in (None, "") else ""
        if not status and times is not None:
            status = status_of(code=times.status)
        added = added_at or (times.added_at if times is not None else "")
        listed = self._listed(added, target.name)
        if listed is None:
            still: Optional[bool] = None
        elif listed_before is None:
            still = listed > 0
        else:
            still = listed > 0 and listed >= listed_before
        return Observation(
            status=status or "running",
            cancel_time=times.cancel_time if times is not None and times.cancelled else "",
            listed_running=still,
            added_at=added,
            listed=listed,
        )

    def _times(self, run_id: str) -> Optional[RunTimes]:
        try:
            return self.account.run_times(run_id)
        except NotAuthenticated:
            raise
        except JqcliError:
            return None

    def _listed(self, added_at: str, name: str) -> Optional[int]:
        if not added_at:
            return None
        try:
            quota, _ = self.account.statistics()
        except NotAuthenticated:
            raise
        except JqcliError:
            return None
        return sum(
            1
            for run in quota.running
            if run.started_at.strip() == added_at.strip() and (not name or not run.name or run.name == name)
        )
