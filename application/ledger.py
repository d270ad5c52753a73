"""The run ledger's use cases: record each build, reconcile a lost one, reuse a run, list the history.

``RunRecorder`` is what ``RunBacktest`` calls around its build and wait: the entry is written
before the build request is sent (outcome ``sending``), gets every id as soon as the site answers
(``submitted``), and its status when a wait ends.  A ledger that cannot be written never stops a
run: the recorder warns once and goes on without it.

After an unknown outcome (the build request went out, no answer came back) the build is never
re-sent: ``reconcile`` reads the strategy's history list and confirms each candidate row by the
hash of the code it ran (protocol.md §9.4).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Callable, List, Mapping, Optional, Tuple

import attrs

from jqcli.application.ports_ledger import RunLedger
from jqcli.domain.backtest import BacktestRow
from jqcli.domain.backtest_build import BacktestRequest, BuildResult
from jqcli.domain.errors import FileError, JqcliError, NotAuthenticated
from jqcli.domain.ledger import (
    NOT_FOUND,
    RECONCILED,
    SENDING,
    SUBMITTED,
    UNKNOWN,
    LedgerEntry,
    RunSettings,
    code_hash,
    reconcile_candidates,
)

if TYPE_CHECKING:
    from jqcli.application.ports import BacktestGateway, Clock

RECONCILE_ROWS = 30  # history rows read when reconciling (newest first: a just-sent build is on top)
RECONCILE_READS = 3  # the list can lag behind the build: read it up to this many times …
RECONCILE_PAUSE = 2.0  # … this many seconds apart


def settings_of(request: BacktestRequest) -> RunSettings:
    return RunSettings(
        mode=request.mode.name,
        start=request.start,
        end=request.end,
        capital=request.capital,
        frequency=request.frequency,
    )


@attrs.frozen
class Reconciled:
    """What the history list showed for a build whose answer was lost."""

    found: str  # "found" | "not_found" | "ambiguous" | "unreadable"
    rows: Tuple[BacktestRow, ...] = ()
    reason: str = ""


@attrs.define
class RunRecorder:
    """Writes a build's ledger entry at each step; never lets a ledger failure stop the run."""

    ledger: RunLedger
    clock: Clock
    warn: Callable[[str], None]
    broken: bool = False

    def _guard(self, action: Callable[[], object]) -> object:
        if self.broken:
            return None
        try:
            return action()
        except FileError as exc:
            self.broken = True
            self.warn(f"回测台账不可用,本次运行不会记入台账:{exc.message}")
            return None

    def start(self, request: BacktestRequest, code: str, name: str, file: str = "") -> LedgerEntry:
        """Record the build about to be sent (before it is sent: a crash from here on loses nothing).

        With a broken ledger the entry is returned unstored (``key`` 0): a lost answer can still be
        reconciled from it."""
        entry = LedgerEntry(
            key=0,
            submitted_at=self.clock.now(),
            strategy_id=request.strategy_id,
            strategy_name=name,
            settings=settings_of(request),
            code_hash=code_hash(code),
            outcome=SENDING,
            file=file,
        )
        stored = self._guard(lambda: self.ledger.add(entry))
        return stored if isinstance(stored, LedgerEntry) else entry

    def update(self, entry: Optional[LedgerEntry], **changes: Any) -> Optional[LedgerEntry]:
        if entry is None:
            return None
        changed = attrs.evolve(entry, **changes)
        if changed.key:
            self._guard(lambda: self.ledger.save(changed))
        return changed

    def built(
        self, entry: Optional[LedgerEntry], build: BuildResult, outcome: str = SUBMITTED
    ) -> Optional[LedgerEntry]:
        return self.update(entry, outcome=outcome, backtest_id=build.id, list_id=build.list_id, status="running")

    def refused(self, entry: Optional[LedgerEntry]) -> None:
        """The site refused the build: no run exists, so no entry is kept."""
        if entry is not None and entry.key:
            self._guard(lambda: self.ledger.remove(entry.key))

    def ended(
        self, entry: Optional[LedgerEntry], status: str, run_id: str, metrics: Mapping[str, object]
    ) -> Optional[LedgerEntry]:
        return self.update(entry, status=status, run_id=run_id, metrics=tuple(metrics.items()))

    def recorded(self, *ids: str) -> Optional[LedgerEntry]:
        """The newest entry that knows one of these ids (``backtest wait``: the ids ``--wait`` printed)."""
        wanted = {i for i in ids if i}
        found = self._guard(lambda: self.ledger.entries())
        entries: List[LedgerEntry] = found if isinstance(found, list) else []
        return next((e for e in entries if wanted & {e.backtest_id, e.list_id, e.run_id}), None)

    def same_runs(self, code: str, request: BacktestRequest) -> List[LedgerEntry]:
        found = self._guard(lambda: self.ledger.same_runs(code_hash(code), settings_of(request)))
        return list(found) if isinstance(found, list) else []


def reconcile(backtests: BacktestGateway, clock: Clock, entry: LedgerEntry, request: BacktestRequest) -> Reconciled:
    """Find the run a lost build started: same settings, submitted after it, running the same code."""
    reason = ""
    for attempt in range(RECONCILE_READS):
        if attempt:
            clock.sleep(RECONCILE_PAUSE)
        try:
            rows = list(itertools.islice(backtests.list_backtests(request.strategy_id, request.mode), RECONCILE_ROWS))
            found = [row for row in reconcile_candidates(entry, rows) if _same_code(backtests, row, entry.code_hash)]
        except NotAuthenticated:
            raise
        except JqcliError as exc:
            reason = exc.message
            continue
        if len(found) == 1:
            return Reconciled("found", tuple(found))
        if len(found) > 1:
            return Reconciled("ambiguous", tuple(found))
        reason = ""
    return Reconciled("unreadable", reason=reason) if reason else Reconciled("not_found")


def _same_code(backtests: BacktestGateway, row: BacktestRow, wanted: str) -> bool:
    run_id = backtests.detail(row.id).run_id or row.id
    return code_hash(backtests.source(run_id)) == wanted


def build_of(row: BacktestRow) -> BuildResult:
    """The ids of a run found in the history list, as a build answer would have given them."""
    return BuildResult(id=row.numeric_id or row.id, list_id=row.list_id, save_id="", response=None)


def outcome_after(result: Reconciled) -> str:
    return RECONCILED if result.found == "found" else NOT_FOUND if result.found == "not_found" else UNKNOWN


@attrs.frozen
class ListRuns:
    """``backtest history``: the ledger, newest first."""

    ledger: RunLedger

    def execute(
        self,
        *,
        strategy: str = "",
        status: str = "",
        since: Optional[float] = None,
        until: Optional[float] = None,
        limit: Optional[int] = None,
    ) -> List[LedgerEntry]:
        """``status`` "unknown" selects the builds with no known run state (no answer, not reconciled)."""
        if not status:
            return self.ledger.entries(strategy=strategy, since=since, until=until, limit=limit)
        wanted = "" if status == "unknown" else status
        found = [e for e in self.ledger.entries(strategy=strategy, since=since, until=until) if e.status == wanted]
        return found if limit is None else found[:limit]
