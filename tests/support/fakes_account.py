"""Hand-written fakes of AccountGateway and RunLedger (issue 13 items 3, 4, 6 unit tests)."""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

import attrs

from jqcli.application.ports_account import NEVER, CancelTarget, RunTimes
from jqcli.domain.errors import ApiError
from jqcli.domain.ledger import LedgerEntry, RunSettings
from jqcli.domain.quota import parse_statistics

ADDED = "2026-12-01 10:00:00"


class FakeAccount:
    """One run (``run_id``) the fake cancels; ``on_cancel`` decides what the cancel does to it."""

    def __init__(self, backtests=None) -> None:
        self.backtests = backtests  # a FakeBacktestGateway whose result states follow the run
        self.running: List[dict] = []
        self.duration: dict = {"used": "5", "free": 55}
        self.vip: Optional[str] = "VIP"
        self.cancel_time = NEVER
        self.cancels: List[CancelTarget] = []
        self.cancel_error: Optional[Exception] = None
        self.on_cancel: Callable[[], None] = self.stop
        self.statistics_error: Optional[Exception] = None
        self.statistics_calls = 0
        self.status: object = "1"

    def add_running(self, name: str = "策略", time: str = ADDED) -> None:
        self.running.append({"id": f"r{len(self.running)}", "name": name, "usedSec": "1分00秒", "time": time})

    def stop(self) -> None:
        """A cancel that works: the run is cancelled and leaves the running list."""
        self.cancel_time = "2026-12-01 10:05:00"
        self.status = "4"
        if self.backtests is not None:
            self.backtests.states = ["4"]
        for index, run in enumerate(self.running):
            if run["time"] == ADDED and run["name"] == "策略":
                del self.running[index]
                break

    # the port
    def statistics(self):
        self.statistics_calls += 1
        if self.statistics_error is not None:
            raise self.statistics_error
        data = {"running": list(self.running), "done": [], "duration": dict(self.duration)}
        return parse_statistics(data), {"code": "00000", "data": data}

    def vip_type(self) -> Optional[str]:
        return self.vip

    def cancel_target(self, backtest_id: str) -> CancelTarget:
        return CancelTarget(given=backtest_id, run_id="run" + "0" * 29, token="t0k", name="策略")

    def cancel(self, target: CancelTarget) -> dict:
        self.cancels.append(target)
        if self.cancel_error is not None:
            self.on_cancel()
            raise self.cancel_error
        self.on_cancel()
        return {"code": "00000", "status": "0", "data": None}

    def run_times(self, run_id: str) -> RunTimes:
        return RunTimes(status=self.status, added_at=ADDED, cancel_time=self.cancel_time)


class FakeRunLedger:
    """An in-memory RunLedger; ``fail`` makes every write raise (a broken ledger file)."""

    def __init__(self) -> None:
        self.rows: Dict[int, LedgerEntry] = {}
        self.next_key = 1
        self.fail: Optional[Exception] = None
        self.writes: List[Tuple[str, LedgerEntry]] = []

    def add(self, entry: LedgerEntry) -> LedgerEntry:
        if self.fail:
            raise self.fail
        stored = attrs.evolve(entry, key=self.next_key)
        self.next_key += 1
        self.rows[stored.key] = stored
        self.writes.append(("add", stored))
        return stored

    def save(self, entry: LedgerEntry) -> None:
        if self.fail:
            raise self.fail
        self.rows[entry.key] = entry
        self.writes.append(("save", entry))

    def remove(self, key: int) -> None:
        self.rows.pop(key, None)
        self.writes.append(("remove", LedgerEntry(key=key, submitted_at=0, strategy_id="", strategy_name="",
                                                  settings=RunSettings("", "", "", None, ""), code_hash="",
                                                  outcome="")))  # fmt: skip

    def entries(self, *, strategy="", status="", since=None, until=None, limit=None) -> List[LedgerEntry]:
        found = sorted(self.rows.values(), key=lambda e: (e.submitted_at, e.key), reverse=True)
        found = [e for e in found if not strategy or strategy in (e.strategy_name, e.strategy_id)]
        found = [e for e in found if not status or e.status == status]
        found = [e for e in found if (since is None or e.submitted_at >= since)]
        found = [e for e in found if (until is None or e.submitted_at < until)]
        return found if limit is None else found[:limit]

    def same_runs(self, code_hash: str, settings: RunSettings) -> List[LedgerEntry]:
        return [e for e in self.entries() if e.code_hash == code_hash and e.settings == settings]


def refused(msg: str) -> ApiError:
    return ApiError(msg, details={"msg": msg})
