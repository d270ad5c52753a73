"""``backtest run`` with the run ledger: the recorded build and ``--reuse`` (issue 13 item 6).

``recorded_build``: the entry is written right before the build request is sent (with the name
and the exact code of the editor page the build posts) and gets the run's ids as soon as the site
answers.  When the answer is lost (a network error, a 5xx after the request went out) the build
is never re-sent: the history list is read and the run that request started is looked for (same
settings, submitted after it, the same code by hash).  A failure before the request went out (the
editor page could not be read) is raised as it is: nothing was sent.

``reuse_run``: the newest ledger run with the same code hash and settings.  A finished one is
returned with its metrics (nothing is built, no minutes are spent); a running one is attached to
(waited on with ``--wait``).  Its state is read from the site first (one request): a run that
failed or was cancelled since is not reused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

import attrs

from jqcli.application.ledger import RunRecorder, build_of, outcome_after, reconcile
from jqcli.application.targets import resolve_edit_id
from jqcli.domain.backtest import DONE, RUNNING, metrics_dict, status_of
from jqcli.domain.backtest_build import BacktestRequest, BuildResult
from jqcli.domain.errors import ApiError, JqcliError, NetworkError, NotFound
from jqcli.domain.ledger import RECONCILED, UNKNOWN, LedgerEntry, reusable
from jqcli.domain.polling import WaitPolicy
from jqcli.domain.strategy import StrategyDetail

if TYPE_CHECKING:
    from jqcli.application.run_backtest import Progress, PushCode, Pushed, RunBacktest, RunOutcome

RECONCILE_HINTS = {
    "not_found": "历史列表中没有这次提交的回测(已按名称、区间、资金、频率和源码核对):请求没有生效,可以重新运行",
    "ambiguous": "历史列表中有多个可能是这次提交的回测(见 details.candidates);"
    "用 jqcli backtest show <id> 查看,不要直接重试",
    "unreadable": "无法读取历史列表来核对;用 jqcli backtest ls <策略> 确认是否已创建,不要直接重试",
}


def lost_answer(exc: JqcliError) -> bool:
    """The build request may have reached the site: a network error, or a 5xx answer."""
    if isinstance(exc, NetworkError):
        return True
    status = exc.details.get("status")
    return isinstance(exc, ApiError) and isinstance(status, int) and status >= 500


def recorded_build(
    run: RunBacktest,
    recorder: RunRecorder,
    request: BacktestRequest,
    pushed: Optional[Pushed],
    file: str,
) -> Tuple[BuildResult, Optional[LedgerEntry]]:
    """Build once; the entry is written by ``on_send``, after the editor page is read and before the POST."""
    from jqcli.application.run_backtest import _BuildInterrupted

    sent: List[LedgerEntry] = []

    def on_send(page: StrategyDetail) -> None:
        sent.append(recorder.start(request, page.code, pushed.name if pushed is not None else page.name, file))

    try:
        build = run.backtests.build(request, on_send=on_send)
    except KeyboardInterrupt:
        entry = recorder.update(sent[0], outcome=UNKNOWN) if sent else None
        raise _BuildInterrupted(request, entry.key or None if entry is not None else None) from None
    except JqcliError as exc:
        if not sent:
            raise  # the editor page could not be read: the build request never went out
        entry = sent[0]
        if not lost_answer(exc):
            recorder.refused(entry)  # the site said no: no run exists
            raise
        entry = recorder.update(entry, outcome=UNKNOWN) or entry
        result = reconcile(run.backtests, run.clock, entry, request)
        entry = recorder.update(entry, outcome=outcome_after(result)) or entry
        if result.found == "found":
            found = build_of(result.rows[0])
            return found, recorder.built(entry, found, RECONCILED)
        exc.details.update(
            reconciled=result.found,
            ledger_key=entry.key or None,
            candidates=[{"id": row.numeric_id or row.id, "list_id": row.list_id} for row in result.rows],
        )
        exc.details["hint"] = RECONCILE_HINTS[result.found] + (f"({result.reason})" if result.reason else "")
        raise
    return build, recorder.built(sent[0] if sent else None, build)


def reuse_run(
    run: RunBacktest,
    request: BacktestRequest,
    push: Optional[PushCode],
    wait: Optional[WaitPolicy],
    progress: Progress,
) -> Optional[RunOutcome]:
    """A ledger run with the same code and settings, checked on the site; None to build afresh."""
    from jqcli.application.run_backtest import RunOutcome

    recorder = run.recorder
    assert recorder is not None
    if push is not None:
        code = push.code
    else:
        request = attrs.evolve(request, strategy_id=resolve_edit_id(run.strategies, request.strategy_id, action="运行"))
        code = run.strategies.get_strategy(request.strategy_id).code
    pool: List[LedgerEntry] = recorder.same_runs(code, request)
    wanted = pool[0] if pool else None
    while wanted is not None:
        entry = reusable(pool, wanted)
        if entry is None:
            return None
        pool.remove(entry)
        checked = _current(run, entry)
        if checked is None:
            continue
        status, run_id, metrics = checked
        recorder.ended(entry, status, run_id, metrics if status == DONE else dict(entry.metrics))
        if status not in (DONE, RUNNING):
            continue  # failed or cancelled since: not a result worth reusing
        outcome = RunOutcome(
            build=BuildResult(id=entry.backtest_id, list_id=entry.list_id, save_id="", response=None),
            request=attrs.evolve(request, strategy_id=entry.strategy_id or request.strategy_id),
            status=status,
            waited=status == DONE,
            run_id=run_id,
            metrics=dict(metrics),
            reused=True,
            ledger_key=entry.key,
        )
        if status == RUNNING and wait is not None:
            return run.finish(run._wait(attrs.evolve(outcome, run_id=""), wait, progress), entry)
        return outcome
    return None


def _current(run: RunBacktest, entry: LedgerEntry) -> Optional[Tuple[str, str, Dict[str, object]]]:
    """The run's status now (run id from the detail page), its run id, and its metrics when done."""
    try:
        run_id = entry.run_id or run.backtests.detail(entry.backtest_id).run_id or entry.list_id
        data = run.backtests.result(run_id).data
    except NotFound:  # deleted since
        return None
    state = data.get("state") if isinstance(data, Mapping) else None
    status = status_of(code=state) or RUNNING
    metrics: Dict[str, object] = dict(entry.metrics)
    if status == DONE and not metrics:
        metrics = metrics_dict(run.backtests.stats(run_id).data)
    return status, run_id, metrics
