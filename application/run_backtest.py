"""``backtest run``: optional push of local code, one build POST, optional ``--wait``.

The build is never retried (a retry would start a second run).  While
waiting, each round makes at most two requests — the task state from
``/backtest/result``, then either the stats (finished) or the error log
(failed) — and sleeps with backoff up to the deadline.  Every way out of the
wait other than success (timeout, Ctrl-C, a failed request) carries the ids
needed to resume.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple

import attrs

from jqcli.application.ledger import RunRecorder  # fixb: the run ledger
from jqcli.application.ports_account import AccountGateway
from jqcli.application.targets import resolve_edit_id
from jqcli.domain.backtest import CANCELLED, DONE, FAILED, RUNNING, has_core_metrics, metrics_dict
from jqcli.domain.backtest_build import BacktestRequest, BuildResult
from jqcli.domain.curves import CurvePage
from jqcli.domain.errors import Interrupted, JqcliError, UsageError, WaitTimeout
from jqcli.domain.ledger import LedgerEntry
from jqcli.domain.polling import WaitPolicy, curve_fraction, final_status, round_outcome
from jqcli.domain.strategy import ambiguous, rows_named, validate_name

if TYPE_CHECKING:
    from jqcli.application.ports import BacktestGateway, Clock, NameLock, StrategyGateway

Progress = Callable[[str], None]


@attrs.frozen
class PushCode:
    """Local code to put into a strategy before running it."""

    code: str
    name: Optional[str] = None  # push-and-run by name: create it, or update the one strategy of that name


@attrs.frozen
class Pushed:
    action: str  # "created" | "updated"
    id: str
    save_id: str
    name: str


@attrs.frozen
class RunOutcome:
    """A started (and possibly finished) run."""

    build: BuildResult
    request: BacktestRequest
    status: str
    waited: bool = False
    run_id: str = ""
    metrics: Dict[str, object] = attrs.field(factory=dict)
    error_logs: Tuple[str, ...] = ()
    result_state: object = None
    pushed: Optional[Pushed] = None
    polls: int = 0
    elapsed: float = 0.0
    reused: bool = False  # --reuse: a run of the ledger with the same code and settings, nothing built
    reconciled: str = ""  # "reconciled": the build's answer was lost; the history list showed the run
    ledger_key: Optional[int] = None

    def resume_ids(self) -> Dict[str, object]:
        return resume_ids(self.build, self.request, self.run_id)


def resume_ids(build: BuildResult, request: BacktestRequest, run_id: str = "") -> Dict[str, object]:
    """The ids a user needs to pick a run up again (``backtest show/stats/logs/rm``)."""
    return {
        "id": build.id,
        "list_id": build.list_id,
        "run_id": run_id,
        "strategy_id": request.strategy_id,
        "mode": request.mode.name,
        "resume": f"jqcli backtest show {build.id}",
        "resume_wait": f"jqcli backtest wait {build.id}" + (" --compile" if request.mode.name == "compile" else ""),
    }


class _BuildInterrupted(KeyboardInterrupt):
    """Ctrl-C while the build request was in flight: the run may or may not exist."""

    def __init__(self, request: BacktestRequest, ledger_key: Optional[int] = None) -> None:
        super().__init__()
        self.request = request
        self.ledger_key = ledger_key


def _stopped_waiting(ids: Dict[str, object], waited: float) -> Interrupted:
    """The interrupt of a run that exists: every id to pick it up again, and the command to do so."""
    return Interrupted(
        "已中断,停止等待;回测仍在聚宽上继续运行",
        details={**ids, "backtest_id": ids["id"], "waited_seconds": round(waited, 1)},
        hint=f"稍后用 {ids['resume_wait']} 继续等待,或用 {ids['resume']} 查看结果",
    )


@attrs.frozen
class RunBacktest:
    """Start a formal backtest or a compile run; optionally push code first and wait for the end."""

    strategies: StrategyGateway
    backtests: BacktestGateway
    clock: Clock
    name_lock: Optional[NameLock] = None  # serialises push-and-run by name on this machine
    account: Optional[AccountGateway] = None  # fixb: check the running slots before building
    recorder: Optional[RunRecorder] = None  # fixb: the run ledger

    def execute(
        self,
        request: BacktestRequest,
        *,
        push: Optional[PushCode] = None,
        wait: Optional[WaitPolicy] = None,
        progress: Optional[Progress] = None,
        reuse: bool = False,
        file: str = "",
    ) -> RunOutcome:
        build: Optional[BuildResult] = None
        progress = progress or (lambda text: None)
        try:
            if reuse and self.recorder is not None:
                from jqcli.application.reuse import reuse_run

                reused = reuse_run(self, request, push, wait, progress)
                if reused is not None:
                    return reused
            if self.account is not None:
                from jqcli.application.quota import check_slots

                check_slots(self.account)
            request, pushed, build, entry = self._push_and_build(request, push, file)
            outcome = RunOutcome(
                build=build, request=request, status=RUNNING, pushed=pushed,
                reconciled=entry.outcome if entry is not None and entry.outcome == "reconciled" else "",
                ledger_key=entry.key if entry is not None and entry.key else None,
            )  # fmt: skip
            if wait is None:
                return outcome
            return self.finish(self._wait(outcome, wait, progress), entry)
        except _BuildInterrupted as exc:
            raise Interrupted(
                "已中断:创建回测的请求可能已经生效",
                details={
                    "strategy_id": exc.request.strategy_id,
                    "mode": exc.request.mode.name,
                    **({"ledger_key": exc.ledger_key} if exc.ledger_key is not None else {}),
                },
                hint=f"用 jqcli backtest ls {exc.request.strategy_id} 确认是否已创建,不要直接重试",
            ) from None
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM/SIGHUP turned into KeyboardInterrupt by the CLI
            if build is None:
                raise  # before the build request: nothing was started
            raise _stopped_waiting(resume_ids(build, request), 0.0) from None

    def finish(self, outcome: RunOutcome, entry: Optional[LedgerEntry]) -> RunOutcome:
        """A wait ended: the ledger gets the run's status and metrics."""
        if self.recorder is not None:
            self.recorder.ended(entry, outcome.status, outcome.run_id, outcome.metrics)
        return outcome

    def _push_and_build(
        self, request: BacktestRequest, push: Optional[PushCode], file: str = ""
    ) -> Tuple[BacktestRequest, Optional[Pushed], BuildResult, Optional[LedgerEntry]]:
        """Resolve (push) and build; by name under the name's lock, so that parallel runs do not race."""
        if push is not None and push.name is not None and self.name_lock is not None:
            with self.name_lock.hold(validate_name(push.name)):
                request, pushed = self._target(request, push)
                return (request, pushed, *self._build(request, push, pushed, file))
        request, pushed = self._target(request, push)
        return (request, pushed, *self._build(request, push, pushed, file))

    def _build(
        self, request: BacktestRequest, push: Optional[PushCode], pushed: Optional[Pushed], file: str
    ) -> Tuple[BuildResult, Optional[LedgerEntry]]:
        if self.recorder is None:
            try:
                return self.backtests.build(request), None
            except KeyboardInterrupt:
                raise _BuildInterrupted(request) from None
        from jqcli.application.reuse import recorded_build

        return recorded_build(self, self.recorder, request, pushed, file)

    # -- the strategy to run --------------------------------------------------------------------
    def _target(self, request: BacktestRequest, push: Optional[PushCode]) -> Tuple[BacktestRequest, Optional[Pushed]]:
        if push is None:
            strategy_id = resolve_edit_id(self.strategies, request.strategy_id, action="运行")
            return attrs.evolve(request, strategy_id=strategy_id), None
        if push.name is None:  # code pushed into the strategy given by id/name
            strategy_id = resolve_edit_id(self.strategies, request.strategy_id, action="更新并运行")
            saved = self.strategies.save_strategy(strategy_id, code=push.code)
            return attrs.evolve(request, strategy_id=strategy_id), Pushed(
                "updated", strategy_id, saved.save_id, saved.name
            )
        if request.strategy_id:
            raise UsageError("push-and-run 用 --name 指定策略时不要再给出策略 id")
        name = validate_name(push.name)
        found = rows_named(self.strategies.list_strategies(), name)
        if len(found) > 1:
            raise ambiguous(name, found, action="更新并运行")
        if found:
            saved = self.strategies.save_strategy(found[0].id, code=push.code)
            pushed = Pushed("updated", found[0].id, saved.save_id, name)
        else:
            created = self.strategies.create_strategy(name, push.code)
            pushed = Pushed("created", created.id, created.save_id, name)
        return attrs.evolve(request, strategy_id=pushed.id), pushed

    # -- waiting --------------------------------------------------------------------------------
    def resume(self, outcome: RunOutcome, wait: WaitPolicy, progress: Optional[Progress] = None) -> RunOutcome:
        """Wait on a run started earlier (``backtest wait``): the polling of ``--wait``, nothing is built.

        When the run is in the ledger (built by ``backtest run`` on this machine), its entry gets the
        final status and metrics, as after ``run --wait``."""
        ended = self._wait(outcome, wait, progress or (lambda text: None))
        if self.recorder is not None:
            entry = self.recorder.recorded(outcome.build.id, outcome.build.list_id, ended.run_id)
            if entry is not None:
                self.finish(ended, entry)
        return ended

    def _wait(self, outcome: RunOutcome, policy: WaitPolicy, progress: Progress) -> RunOutcome:
        started = self.clock.monotonic()
        run_id = ""
        try:
            run_id = outcome.run_id or self.backtests.detail(outcome.build.id).run_id or outcome.build.list_id
            return self._poll(attrs.evolve(outcome, run_id=run_id, waited=True), policy, progress, started)
        except KeyboardInterrupt:
            ids = resume_ids(outcome.build, outcome.request, run_id)
            raise _stopped_waiting(ids, self.clock.monotonic() - started) from None
        except JqcliError as exc:
            for key, value in resume_ids(outcome.build, outcome.request, run_id).items():
                exc.details.setdefault(key if key != "id" else "backtest_id", value)
            raise

    def _poll(self, outcome: RunOutcome, policy: WaitPolicy, progress: Progress, started: float) -> RunOutcome:
        done_rounds = 0
        curve = _CurveProgress(outcome.request.end)
        for round_index in range(1_000_000):
            # only the points not seen yet: the page stays small, and their count says how far the run got
            page = self.backtests.result(outcome.run_id, offset=curve.points)
            state = page.state
            status = page.status or RUNNING
            metrics: object = None
            if status == DONE or status not in (RUNNING, FAILED, CANCELLED):
                metrics = self.backtests.stats(outcome.run_id).data
            done_rounds += status == DONE
            ready = has_core_metrics(metrics)
            action = round_outcome(status, ready, done_rounds, outcome.request.mode.name)
            elapsed = self.clock.monotonic() - started
            current = attrs.evolve(
                outcome, result_state=state, polls=round_index + 1, elapsed=round(elapsed, 1),
                metrics=metrics_dict(metrics), status=DONE if ready else status,
            )  # fmt: skip
            if action == "finish":
                return current
            if action == "errors":
                lines = self.backtests.error_log(outcome.run_id).lines
                return attrs.evolve(current, status=final_status(status, lines), error_logs=tuple(lines))
            if elapsed >= policy.timeout:
                raise WaitTimeout(
                    f"等待 {policy.timeout:g} 秒后回测仍未结束(状态 {status});回测仍在聚宽上继续运行",
                    details={**current.resume_ids(), "status": status, "waited_seconds": round(elapsed, 1)},
                    hint=f"用 {current.resume_ids()['resume_wait']} 继续等待(或 {current.resume_ids()['resume']} 查看),"
                    "或加大 --wait-timeout",
                )
            progress(f"回测 {outcome.build.id} 状态 {status},已等待 {elapsed:.0f} 秒")
            curve.observe(page, elapsed)
            self.clock.sleep(policy.next_sleep(elapsed, curve.samples))
        raise AssertionError("unreachable")  # pragma: no cover


class _CurveProgress:
    """How far a running backtest's curve has got, round after round (for ``WaitPolicy.next_sleep``)."""

    def __init__(self, end: str) -> None:
        self.end = end
        self.points = 0
        self.first_ms: Optional[int] = None
        self.samples: List[Tuple[float, float]] = []

    def observe(self, page: CurvePage, elapsed: float) -> None:
        times = page.strategy_times()
        if not times:
            return
        value = times[0]
        if not isinstance(value, (int, float, str)):
            return
        try:
            first = int(value)
        except ValueError:
            return
        self.points += len(times)
        if self.first_ms is None:
            self.first_ms = first
        fraction = curve_fraction(self.first_ms, self.points, self.end)
        if fraction is not None:
            self.samples.append((elapsed, fraction))
