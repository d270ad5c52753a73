"""One backtest as the endpoints see it at a moment: its state, its engine result and its visible outputs.

A run made before it could execute (the seeded history) starts on first read
(``launch.ensure_started``); ``unfinished`` never starts one.
"""

from __future__ import annotations

import sqlite3
from typing import Dict, Optional

from jqcli.adapters.sandbox.site import launch
from jqcli.adapters.sandbox.site.kernel import SiteState
from jqcli.adapters.sandbox.site.outputs import Outputs
from jqcli.adapters.sandbox.site.runs import (
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    emulated_fraction,
    parse_day,
    trade_days,
)


class RunView:
    """One backtest as the endpoints see it at ``now``: state, engine result and visible outputs."""

    def __init__(self, site: SiteState, row: sqlite3.Row, now: float) -> None:
        self.site, self.row, self.now = site, row, now
        first, last = parse_day(row["start_date"]), parse_day(row["end_date"])
        self.days = trade_days(first, last) if first and last else []
        self.compile_error = row["compile_error"]
        if not self.compile_error and row["cancelled_at"] is None:
            launch.ensure_started(site, row, now)
        self.result: Optional[Dict[str, object]] = None if self.compile_error else site.runner.result(row["id"])
        self.state = self._state()

    @property
    def engine_done(self) -> bool:
        return bool(self.compile_error) or self.result is not None

    def _state(self) -> int:
        row = self.row
        start = row["created"] + row["queue_s"]
        if row["cancelled_at"] is not None:
            return CANCELLED
        if self.now < start:
            return QUEUED
        if self.now < start + row["run_s"] or not self.engine_done:
            return RUNNING
        if self.compile_error or (self.result or {}).get("status") != "done":
            return FAILED
        return DONE

    @property
    def terminal(self) -> bool:
        return self.state in (DONE, FAILED, CANCELLED)

    def outputs(self) -> Outputs:
        return self.site.outputs.load(self.site.runner.run_dir(self.row["id"]))

    def cutoff(self) -> Optional[str]:
        """The last trade day whose output is visible now (``None``: everything, "": nothing)."""
        if self.state in (DONE, FAILED):
            return None
        if self.state == QUEUED or not self.days:
            return ""
        shown = int(len(self.days) * emulated_fraction(self.row, self.now))
        return str(self.days[shown - 1]) if shown > 0 else ""

    def stats(self) -> Dict[str, object]:
        stats = (self.result or {}).get("stats")
        return dict(stats) if isinstance(stats, dict) else {}

    def seconds(self) -> float:
        """Run time the list shows: the emulated run time or the engine's, whichever is longer."""
        engine = self.stats().get("report_done_seconds")
        return max(float(self.row["run_s"]), float(engine) if isinstance(engine, (int, float)) else 0.0)


def unfinished(site: SiteState, row: sqlite3.Row, now: float) -> bool:
    """Queued or running at ``now`` (for the two-running cap; never starts a lazy run)."""
    if row["cancelled_at"] is not None:
        return False
    if now < row["created"] + row["queue_s"] + row["run_s"]:
        return True
    if row["compile_error"] or not site.runner.started(row["id"]):
        return False
    return site.runner.result(row["id"]) is None
