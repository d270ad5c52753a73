"""Backtest use cases: ls, show, stats, result, logs, rm (``run`` lives in ``run_backtest``).

The data endpoints (stats/result/log/error/source) take the detail page's run
id (``#backtestId``).  Users hold other ids (the numeric id from ``run``, the
detail id from ``ls``), so each call tries the given id first and, when the
answer is empty, reads the detail page once and retries with its run id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Callable, Dict, Optional, Tuple, TypeVar, Union

import attrs

from jqcli.application.backtest_list import ListBacktests as ListBacktests  # re-exported
from jqcli.domain.backtest import TERMINAL, Mode, status_of
from jqcli.domain.backtest_detail import BacktestDetail, LogPage
from jqcli.domain.curves import CurvePage, StatsPage, counted_lines, merge_result
from jqcli.domain.errors import ApiError, NotFound, UsageError

if TYPE_CHECKING:
    from jqcli.application.ports import BacktestGateway

T = TypeVar("T")


def with_run_id(
    backtests: BacktestGateway, given: str, call: Callable[[str], T], ready: Callable[[T], bool]
) -> Tuple[str, T]:
    """``call(given)``; when empty or refused, retry once with the detail page's run id.

    The data endpoints may answer another kind of id with an empty payload or with a refusal
    (「回测不存在或访问受限」); an expired session is never retried.
    """
    refusal: Optional[Union[ApiError, NotFound]] = None
    try:
        first: Optional[T] = call(given)
    except (ApiError, NotFound) as exc:  # another kind of id may be refused as 「回测不存在」
        refusal, first = exc, None
    if first is not None and ready(first):
        return given, first
    try:
        run_id = backtests.detail(given).run_id
    except (ApiError, NotFound):
        if refusal is not None:
            raise refusal from None
        raise
    if not run_id or run_id == given:
        if refusal is not None:
            raise refusal
        assert first is not None  # not refused: the first call answered
        return given, first
    return run_id, call(run_id)


def stats_ready(page: StatsPage) -> bool:
    return page.has_metrics


def result_ready(page: CurvePage) -> bool:
    return page.ready


def log_ready(page: LogPage) -> bool:
    return bool(page.lines) or status_of(code=page.state) in TERMINAL


@attrs.frozen
class BacktestView:
    """``backtest show``: the detail page, the code the run used, its stats and status."""

    detail: BacktestDetail
    code: str
    metrics: Dict[str, object]
    status: str
    stats_response: Mapping[str, object]


@attrs.frozen
class ShowBacktest:
    """``backtest show``: detail page + source + stats (+ task state when stats are not complete)."""

    backtests: BacktestGateway

    def execute(self, backtest_id: str) -> BacktestView:
        detail = self.backtests.detail(backtest_id)
        run_id = detail.run_id or backtest_id
        code = self.backtests.source(run_id)
        stats = self.backtests.stats(run_id)
        status = "done" if stats.complete else (self.backtests.result(run_id).status or "running")
        return BacktestView(detail, code, stats.metrics, status, stats.raw)


@attrs.frozen
class StatsOutcome:
    id: str
    resolved_id: str
    metrics: Dict[str, object]
    ready: bool
    response: Mapping[str, object]


@attrs.frozen
class ReadBacktestStats:
    """``backtest stats``: the summary metrics (``ready`` is false while the run has none yet)."""

    backtests: BacktestGateway

    def execute(self, backtest_id: str) -> StatsOutcome:
        resolved, page = with_run_id(self.backtests, backtest_id, self.backtests.stats, stats_ready)
        return StatsOutcome(backtest_id, resolved, page.metrics, page.complete, page.raw)


@attrs.frozen
class ResultPages:
    id: str
    resolved_id: str
    offset: int
    user_record_offset: int
    next_offset: int
    next_user_record_offset: int
    state: object
    data: Mapping[str, object]
    responses: Tuple[Mapping[str, object], ...]
    truncated: bool = False  # --all stopped at max_pages while pages were still coming: continue from next_offset


@attrs.frozen
class ReadBacktestCurves:
    """``backtest result``: one page of the curves, or with ``read_all`` every page merged."""

    backtests: BacktestGateway

    def execute(
        self,
        backtest_id: str,
        *,
        offset: int = 0,
        user_record_offset: int = 0,
        read_all: bool = False,
        max_pages: int = 200,
    ) -> ResultPages:
        def fetch(bid: str) -> CurvePage:
            return self.backtests.result(bid, offset=offset, user_record_offset=user_record_offset)

        resolved, first = with_run_id(self.backtests, backtest_id, fetch, result_ready)
        responses = [first.raw]
        merged = dict(first.data)
        next_offset, next_uro = offset + first.points, user_record_offset + first.records
        pages, more = 1, next_offset > offset or next_uro > user_record_offset
        while read_all and more and pages < max_pages:
            page = self.backtests.result(resolved, offset=next_offset, user_record_offset=next_uro)
            responses.append(page.raw)
            count, records = page.points, page.records
            if not count and not records:
                merged["state"] = page.data.get("state", merged.get("state"))
                more = False
                break
            merged = merge_result(merged, page.data)
            next_offset, next_uro, pages = next_offset + count, next_uro + records, pages + 1
        return ResultPages(
            backtest_id, resolved, offset, user_record_offset, next_offset, next_uro,
            merged.get("state"), merged, tuple(responses), truncated=read_all and more,
        )  # fmt: skip


@attrs.frozen
class LogsOutcome:
    id: str
    resolved_id: str
    kind: str
    offset: int
    next_offset: Optional[int]
    state: object
    max: bool
    lines: Tuple[str, ...]
    responses: Tuple[Mapping[str, object], ...]
    truncated: bool = False  # --all stopped at max_pages while the log went on: continue from next_offset


@attrs.frozen
class ReadBacktestLogs:
    """``backtest logs``: the user log from ``offset`` (every page with ``read_all``) or the error log."""

    backtests: BacktestGateway

    def execute(
        self, backtest_id: str, *, offset: int = 0, errors: bool = False, read_all: bool = False, max_pages: int = 50
    ) -> LogsOutcome:
        if errors:
            resolved, page = with_run_id(self.backtests, backtest_id, self.backtests.error_log, lambda p: bool(p.lines))
            return LogsOutcome(
                backtest_id, resolved, "error", offset, None, page.state, page.max, page.lines, (page.response,)
            )
        resolved, page = with_run_id(
            self.backtests, backtest_id, lambda bid: self.backtests.log(bid, offset=offset), log_ready
        )
        pages, lines = [page], list(page.lines)
        while read_all and page.lines and not page.max and len(pages) < max_pages:
            page = self.backtests.log(resolved, offset=offset + counted_lines(lines))
            pages.append(page)
            lines.extend(page.lines)
        return LogsOutcome(
            backtest_id, resolved, "log", offset, offset + counted_lines(lines), page.state, any(p.max for p in pages),
            tuple(lines), tuple(p.response for p in pages), truncated=read_all and bool(page.lines) and not page.max,
        )  # fmt: skip


@attrs.frozen
class DeleteBacktest:
    """``backtest rm``: delete one formal or compile-run record by its list id."""

    backtests: BacktestGateway

    def execute(self, list_id: str, mode: Mode) -> Mapping[str, object]:
        if not list_id.strip():
            raise UsageError("缺少回测记录 id(建议用 backtest ls 返回的 list_id)")
        return dict(self.backtests.delete(list_id.strip(), mode))
