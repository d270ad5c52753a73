"""``backtest verdict`` and the verdict of every failed run's output (protocol.md §9.1, ``domain.verdict``).

A verdict needs the run's status, its error log and its user log (the log gives the simulated time of a
traceback and the order warnings).  ``JudgeRun.execute`` reads all of them for one id; ``of_run`` is for
the commands that already hold the status (and perhaps the error lines) and only reads what is missing.
The user log is read page by page up to ``log_pages`` pages (100 lines each); a failure to read it does
not lose the verdict, which then comes from the error log alone and says why the log is missing.

For a finished run the number of trades (``no_trades``) comes from the result pages' ``orders``; the
reading stops at the first page that has any.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

import attrs

from jqcli.domain.backtest import CANCELLED, DONE, FAILED, TERMINAL, status_of
from jqcli.domain.curves import as_map, counted_lines, page_count
from jqcli.domain.errors import ApiError, NetworkError, NotFound
from jqcli.domain.polling import final_status
from jqcli.domain.verdict import Verdict, judge, trade_count

if TYPE_CHECKING:
    from jqcli.application.ports import BacktestGateway

DEFAULT_LOG_PAGES = 20
MAX_RESULT_PAGES = 50


@attrs.frozen
class LocalSource:
    """The local file (or ``<stdin>``) the run's code came from."""

    path: str
    code: str


@attrs.frozen
class RunVerdict:
    """One run judged.  ``verdict`` is None while the run has not ended."""

    run_id: str
    status: str
    verdict: Optional[Verdict]
    log_lines: int = 0  # user-log lines read
    log_complete: bool = True  # the whole user log was read (not stopped by log_pages or the site's display cap)
    log_error: str = ""  # why the user log could not be read ("" when it was)
    error_lines: Tuple[str, ...] = ()
    file: str = ""  # the local file the errors are named after ("" when none)
    file_matches_run: Optional[bool] = None  # the local file is the code the run used (None: not compared)


def failed_or_cancelled(status: str) -> bool:
    return status in (FAILED, CANCELLED)


@attrs.frozen
class JudgeRun:
    """The verdict of one run, located in a local file when one is given."""

    backtests: BacktestGateway
    log_pages: int = DEFAULT_LOG_PAGES

    def execute(self, backtest_id: str, *, local: Optional[LocalSource] = None) -> RunVerdict:
        """``backtest verdict``: detail page, task state, error log, user log, source (and orders when done)."""
        run_id = self.backtests.detail(backtest_id).run_id or backtest_id
        data = dict(self.backtests.result(run_id).data)
        status = status_of(code=data.get("state")) or "running"
        code = self.backtests.source(run_id)
        return self.of_run(run_id, status, local=local, run_code=code, first_result=data)

    def of_run(
        self,
        run_id: str,
        status: str,
        *,
        error_lines: Optional[Sequence[str]] = None,
        local: Optional[LocalSource] = None,
        run_code: Optional[str] = None,
        first_result: Optional[Mapping[str, object]] = None,
    ) -> RunVerdict:
        """The verdict of a run whose status is known; ``error_lines`` None means "not read yet"."""
        if error_lines is None:
            error_lines = self.backtests.error_log(run_id).lines
        status = final_status(status, error_lines)
        lines = tuple(error_lines)
        if status not in TERMINAL and not any(line.strip() for line in lines):
            return RunVerdict(run_id, status, None, error_lines=lines)
        log, complete, log_error = self._user_log(run_id)
        trades = self._trades(run_id, first_result) if status == DONE and not lines else None
        verdict = judge(status, error_entries=lines, log_lines=log, trades=trades)
        matches: Optional[bool] = None
        if local is not None:
            matches = None if run_code is None else _same_code(local.code, run_code)
            verdict = verdict.at_local_file(local.path, local.code)
        elif run_code is not None:
            verdict = verdict.with_source(run_code)
        return RunVerdict(
            run_id, status, verdict, log_lines=len(log), log_complete=complete, log_error=log_error,
            error_lines=lines, file=local.path if local is not None else "", file_matches_run=matches,
        )  # fmt: skip

    def _user_log(self, run_id: str) -> Tuple[Tuple[str, ...], bool, str]:
        """The user log's lines (at most ``log_pages`` pages), whether that is all of it, and why not read."""
        lines: List[str] = []
        try:
            for _ in range(self.log_pages):
                page = self.backtests.log(run_id, offset=counted_lines(lines))
                if not page.lines:
                    return tuple(lines), True, ""
                lines.extend(page.lines)
                if page.max:  # the site's display cap: the rest is only in the export (protocol.md §2.14)
                    return tuple(lines), False, ""
        except (ApiError, NotFound, NetworkError) as exc:
            return tuple(lines), False, exc.message
        return tuple(lines), False, ""

    def _trades(self, run_id: str, first: Optional[Mapping[str, object]]) -> Optional[int]:
        """Orders made, read from the result pages until one has any; None when the pages do not say."""
        total: Optional[int] = None
        offset = 0
        for index in range(MAX_RESULT_PAGES):
            data = (
                first if index == 0 and first is not None else dict(self.backtests.result(run_id, offset=offset).data)
            )
            page = as_map(data.get("result"))
            count = trade_count(as_map(page.get("orders")))
            if count is not None:
                total = (total or 0) + count
            points = page_count(data)
            if (total or 0) > 0 or points <= 0:
                return total
            offset += points
        return total


def _same_code(local: str, run: str) -> bool:
    """The local file is the code the run used (a BOM and the line endings aside, protocol.md §9.1)."""

    def norm(text: str) -> str:
        return text.lstrip("\ufeff").replace("\r\n", "\n").rstrip("\n")

    return norm(local) == norm(run)
