"""Reading a backtest's results: trades, positions, risk windows, exports, the curve and the report.

Every use case first reads the detail page once for the run id (``#backtestId``): the result endpoints
take only that id, and an empty ledger for another kind of id would look like a run without trades.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple

import attrs

from jqcli.application.backtests import ReadBacktestCurves, ReadBacktestStats
from jqcli.application.ports import BacktestGateway, BacktestResultsGateway, Clock, ExportIds
from jqcli.domain.backtest_detail import BacktestDetail
from jqcli.domain.errors import ApiError, UsageError, WaitTimeout
from jqcli.domain.results import (
    EXPORT_KINDS,
    EXPORT_MEMBERS,
    Curve,
    LedgerCursor,
    LedgerFilter,
    MonthReturn,
    Position,
    RiskWindow,
    Trade,
    curve_from_result,
    first_and_last,
    last_day,
    monthly_returns,
    page_ends,
    position_from_row,
    to_utf8,
    trade_from_row,
)

MAX_LEDGER_PAGES = 60  # 1000 capped rows at ~99 a page are 11 pages; this only guards a misbehaving site
RISK_TRIES = 5  # the page asks up to 5 times, 2.2 s apart (protocol.md §9.7)
RISK_PAUSE = 2.2


@attrs.frozen
class LedgerOutcome:
    """What a trades/positions read found. ``end`` is ``"end"``, ``"truncated"`` (the display cap),
    ``"limit"`` (``--limit`` reached) or ``"max_pages"``; ``rows`` is empty when rows were streamed."""

    backtest_id: str
    run_id: str
    rows: Tuple[object, ...]
    count: int
    raw_rows: int
    pages: int
    end: str
    status: object

    @property
    def truncated(self) -> bool:
        return self.end in ("truncated", "max_pages")


@attrs.frozen
class ListLedger:
    """``backtest trades`` / ``backtest positions``: every page by the site's cursor (§9.6)."""

    results: BacktestResultsGateway
    kind: str  # "transaction" or "position"

    def execute(
        self,
        backtest_id: str,
        *,
        where: Optional[LedgerFilter] = None,
        limit: Optional[int] = None,
        on_row: Optional[Callable[[object], None]] = None,
        run_id: str = "",
    ) -> LedgerOutcome:
        where = where or LedgerFilter()
        run_id = run_id or self.results.export_ids(backtest_id).run_id or backtest_id
        parse = trade_from_row if self.kind == "transaction" else position_from_row
        cursor, kept, count, pages, status = LedgerCursor(), [], 0, 0, None
        end = "max_pages"
        while pages < MAX_LEDGER_PAGES:
            page = self.results.ledger_page(self.kind, run_id, cursor)
            pages, status = pages + 1, page.status
            finished = page_ends(page)
            if finished:
                end = finished
                break
            cursor = cursor.after(page.rows)
            for raw in page.rows:
                row = parse(raw)
                if not where.keeps(row.date, row.security, row.name):
                    continue
                count += 1
                if on_row is not None:
                    on_row(row)
                else:
                    kept.append(row)
                if limit is not None and count >= limit:
                    break
            if limit is not None and count >= limit:
                end = "limit"
                break
        return LedgerOutcome(backtest_id, run_id, tuple(kept), count, cursor.offset, pages, end, status)


def ListTrades(results: BacktestResultsGateway) -> ListLedger:  # noqa: N802 - a use case named as the others
    return ListLedger(results, "transaction")


def ListPositions(results: BacktestResultsGateway) -> ListLedger:  # noqa: N802
    return ListLedger(results, "position")


@attrs.frozen
class RiskOutcome:
    backtest_id: str
    run_id: str
    ready: bool
    tries: int
    metrics: Dict[str, Tuple[RiskWindow, ...]]


@attrs.frozen
class ReadRiskWindows:
    """``backtest risk``: the monthly 1/3/6/12-month windows, asked again while not ready (§9.7)."""

    results: BacktestResultsGateway
    clock: Clock
    tries: int = RISK_TRIES
    pause: float = RISK_PAUSE

    def execute(self, backtest_id: str) -> RiskOutcome:
        run_id = self.results.export_ids(backtest_id).run_id or backtest_id
        for attempt in range(1, self.tries + 1):
            windows = self.results.risk(run_id)
            if windows is not None:
                return RiskOutcome(backtest_id, run_id, True, attempt, dict(windows))
            if attempt < self.tries:
                self.clock.sleep(self.pause)
        return RiskOutcome(backtest_id, run_id, False, self.tries, {})


# -- export (§3.1, §9.7) ---------------------------------------------------------------------------


@attrs.frozen
class ExportRequest:
    backtest_id: str
    kind: str
    use_credit: bool = False
    task: str = ""  # a task created before: download it again, spending nothing
    raw: bool = False  # keep the site's bytes (GB18030 CSV, or the zip itself)
    keep_zip: bool = False  # write the zip as downloaded instead of its one member
    wait_timeout: float = 300.0
    poll_interval: float = 2.0


@attrs.frozen
class ExportOutcome:
    backtest_id: str
    kind: str
    export_id: str
    task: str
    created: bool  # a new task was created by this call
    member: str  # the file taken out of the zip ("" for result and --keep-zip)
    data: bytes
    converted: bool  # GB18030 → UTF-8 was applied
    polls: int


@attrs.frozen
class ExportBacktest:
    """``backtest export``: the result CSV, or the zip flow: create the task once, poll, download."""

    results: BacktestResultsGateway
    clock: Clock

    def execute(self, request: ExportRequest, *, on_task: Optional[Callable[[str, str], None]] = None) -> ExportOutcome:
        if request.kind not in EXPORT_KINDS:
            raise UsageError(f"不支持的导出类型: {request.kind}", details={"kinds": list(EXPORT_KINDS)})
        ids: ExportIds = self.results.export_ids(request.backtest_id)
        export_id = ids.for_kind(request.kind) or request.backtest_id
        if request.kind == "result":
            raw = self.results.result_csv(ids.run_id or request.backtest_id)
            data = raw if request.raw else to_utf8(raw)
            return ExportOutcome(request.backtest_id, "result", ids.run_id, "", False, "", data, data is not raw, 0)
        task, created = request.task, False
        if not task:
            task, created = self.results.add_export(export_id, request.kind, use_credit=request.use_credit), True
            if on_task is not None:
                on_task(task, export_id)  # kept before waiting: an interrupted export is resumed, not re-bought
        polls = self._wait(task, request)
        archive = self.results.export_zip(task)
        if request.keep_zip:
            return ExportOutcome(
                request.backtest_id, request.kind, export_id, task, created, "", archive.data, False, polls
            )
        member = EXPORT_MEMBERS[request.kind]
        body = archive.members.get(member)
        if body is None:
            if len(archive.members) != 1:
                raise ApiError(
                    f"导出压缩包里没有 {member}",
                    details={"task": task, "members": sorted(archive.members)},
                    hint="加 --keep-zip 保存原始压缩包",
                )
            member, body = next(iter(archive.members.items()))
        data = body if request.raw else to_utf8(body)
        return ExportOutcome(
            request.backtest_id, request.kind, export_id, task, created, member, data, data != body, polls
        )

    def _wait(self, task: str, request: ExportRequest) -> int:
        started, polls = self.clock.monotonic(), 0
        while True:
            polls += 1
            state = self.results.export_status(task)
            if state == "ready":
                return polls
            if state == "empty":
                raise ApiError("导出任务没有数据(getExportStatus 返回 2)", details={"task": task, "kind": request.kind})
            if self.clock.monotonic() - started + request.poll_interval > request.wait_timeout:
                raise WaitTimeout(
                    f"导出任务 {task} 在 {request.wait_timeout:g} 秒内没有打包完成",
                    details={"task": task, "polls": polls},
                    hint=f"稍后用 --task {task} 再下载(不会新建任务,也不消耗积分)",
                )
            self.clock.sleep(request.poll_interval)


# -- curve, chart and report ----------------------------------------------------------------------


@attrs.frozen
class CurveOutcome:
    backtest_id: str
    run_id: str
    state: object
    curve: Curve


@attrs.frozen
class ReadCurve:
    """The strategy and benchmark curves of a run, every page merged (``backtest chart``)."""

    backtests: BacktestGateway

    def execute(self, backtest_id: str, *, run_id: str = "") -> CurveOutcome:
        pages = ReadBacktestCurves(self.backtests).execute(run_id or backtest_id, read_all=True, max_pages=500)
        return CurveOutcome(backtest_id, pages.resolved_id, pages.state, curve_from_result(pages.data))


@attrs.frozen
class RunReport:
    """Everything the report shows of one run."""

    backtest_id: str
    run_id: str
    detail: BacktestDetail
    code: str
    metrics: Dict[str, object]
    curve: Curve
    months: Tuple[MonthReturn, ...]
    first_trades: Tuple[Trade, ...]
    last_trades: Tuple[Trade, ...]
    trade_count: int
    trades_truncated: bool
    positions: Tuple[Position, ...]  # the last day's (cash row included)
    positions_truncated: bool


@attrs.frozen
class ReportData:
    main: RunReport
    others: Tuple[RunReport, ...]


@attrs.frozen
class BuildReport:
    """``backtest report``: settings, metrics, curves, monthly returns, trades, end positions and code."""

    backtests: BacktestGateway
    results: BacktestResultsGateway
    trades_shown: int = 10

    def execute(self, backtest_id: str, *, compare: Sequence[str] = ()) -> ReportData:
        main = self.read(backtest_id, full=True)
        others = tuple(self.read(other, full=False) for other in compare)
        return ReportData(main, others)

    def read(self, backtest_id: str, *, full: bool) -> RunReport:
        detail = self.backtests.detail(backtest_id)
        run_id = detail.run_id or backtest_id
        stats = ReadBacktestStats(self.backtests).execute(run_id)
        curve = ReadCurve(self.backtests).execute(backtest_id, run_id=run_id).curve
        months = monthly_returns(curve.dates, curve.strategy)
        if not full:
            return RunReport(backtest_id, run_id, detail, "", stats.metrics, curve, months, (), (), 0, False, (), False)
        code = self.backtests.source(run_id)
        trades = ListLedger(self.results, "transaction").execute(backtest_id, run_id=run_id)
        positions = ListLedger(self.results, "position").execute(backtest_id, run_id=run_id)
        head, tail = first_and_last([row for row in trades.rows if isinstance(row, Trade)], self.trades_shown)
        end: List[Position] = last_day(row for row in positions.rows if isinstance(row, Position))
        return RunReport(
            backtest_id, run_id, detail, code, stats.metrics, curve, months,
            tuple(head), tuple(tail), trades.count, trades.truncated,
            tuple(end), positions.truncated,
        )  # fmt: skip
