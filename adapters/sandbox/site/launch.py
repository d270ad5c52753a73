"""Starting a backtest's engine: right after the build, or on first read for runs made before they could execute.

The processes themselves are ``runner``'s; this decides when a run starts and
what its job is (``runs.job_for``), and fails runs the engine cannot take
(a ``tick`` frequency, a process that cannot be spawned) with a clear message.
"""

from __future__ import annotations

import os
import sqlite3
import time

from jqcli.adapters.sandbox.site import runs
from jqcli.adapters.sandbox.site.kernel import SiteState
from jqcli.adapters.sandbox.site.supervise import CRASH_TEXT, append_log, failure, write_json_atomic


def start_run(site: SiteState, bt_id: int, *, lazy: bool = False) -> None:
    """Start the engine for a run (never for a compile error); ``lazy``: readers wait for it."""
    row = site.db.one("SELECT * FROM backtests WHERE id=?", (bt_id,))
    if row is None or row["compile_error"]:
        return
    first, last = runs.parse_day(row["start_date"]), runs.parse_day(row["end_date"])
    days = runs.trade_days(first, last) if first and last else []
    folder = site.runner.run_dir(bt_id)
    try:
        os.makedirs(site.runner.root, exist_ok=True)
        os.mkdir(folder)  # the claim: one process starts a run, even when several readers race
    except FileExistsError:
        return
    if lazy:
        with open(os.path.join(folder, "lazy"), "w", encoding="ascii") as fh:
            fh.write("1")
    if row["frequency"] not in ("day", "minute"):
        write_json_atomic(os.path.join(folder, "job.json"), {"frequency": row["frequency"]})
        message = f"沙盒引擎不模拟 {row['frequency']} 频率的回测,请改用 day 或 minute"
        when = f"{row['start_date']} 09:00:00"  # the simulated moment it would have started
        append_log(os.path.join(folder, "events.ndjson"), "ERROR", message, when)
        write_json_atomic(os.path.join(folder, "result.json"), failure(message, "NotImplementedError", when, 0))
        return
    try:
        site.runner.start(bt_id, runs.job_for(row, site.config, days), timeout=site.config.run_timeout)
    except OSError as exc:
        message = f"{CRASH_TEXT}: {exc}"
        write_json_atomic(os.path.join(folder, "result.json"), failure(message, "OSError", "", 0))


def ensure_started(site: SiteState, row: sqlite3.Row, now: float) -> None:
    """Runs made before they could execute (the seeded history) run on first read; whoever reads
    one waits for its result (bounded by the run timeout), so an old run never reads as running."""
    folder = site.runner.run_dir(row["id"])
    if not os.path.isdir(folder):
        if row["created"] + row["queue_s"] + row["run_s"] > now:
            return  # built by an older sandbox that did not run strategies: nothing to catch up yet
        start_run(site, row["id"], lazy=True)
    if not os.path.exists(os.path.join(folder, "lazy")) or site.runner.result(row["id"]) is not None:
        return
    deadline = time.monotonic() + site.config.run_timeout + 10
    while site.runner.result(row["id"]) is None and time.monotonic() < deadline:
        site.runner.wait(row["id"], 0.05)  # ours: blocks on the process; another process's: polls
