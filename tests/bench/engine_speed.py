"""Engine speed benchmark: wall time of whole backtests through the engine's own process.

    .venv/bin/python tests/bench/engine_speed.py            # six years daily, three months of minutes; 3 runs
    .venv/bin/python tests/bench/engine_speed.py --smoke    # half a year daily, a week of minutes; no time asserted

Each run starts ``python -m jqcli.adapters.sandbox.site.engine.child`` with a job on its
stdin (as the sandbox does) and waits for ``result.json``: the wall time includes
the interpreter, the numpy/pandas import, building the synthetic market and the
simulation.  Cases:

- ``daily 20-stock rotation``: 2019-01-02..2024-12-31 daily (about 1,565 trading
  days); every Monday, ``get_fundamentals`` picks the 60 smallest caps with a
  positive PE, ``history`` ranks them by 20-day momentum and the top 20 are held
  equally (``order_target``/``order_target_value``), with ``record`` every day;
- ``minute ETF grid``: 2024-01-02..2024-03-29 at minute frequency (about 15,600
  bars), ``handle_data`` every minute on two ETFs, trading on 0.5 % moves.

Prints the median wall time of each case and CPU time of the child, with the
target (ours, from issue 12: "a few seconds"): daily rotation ≤ 5 s, minute grid
≤ 15 s.  Exits non-zero if a run does not end ``done`` with trades.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from jqcli.adapters.sandbox.site.engine.runner import weekdays_between  # noqa: E402

ROTATION = """
from jqdata import *

def initialize(context):
    set_benchmark("000300.XSHG")
    log.set_level("order", "error")
    g.n = 20
    run_weekly(rebalance, 1, time="open")
    run_daily(mark, time="after_close")

def rebalance(context):
    q = query(valuation.code, valuation.market_cap).filter(valuation.pe_ratio > 0).order_by(
        valuation.market_cap.asc()).limit(60)
    pool = list(get_fundamentals(q)["code"])
    closes = history(21, "1d", "close", pool)
    momentum = (closes.iloc[-1] / closes.iloc[0]).sort_values(ascending=False)
    current = get_current_data()
    target = [c for c in momentum.index if not current[c].paused and not current[c].is_st][: g.n]
    for code in list(context.portfolio.positions):
        if code not in target:
            order_target(code, 0)
    each = context.portfolio.total_value / g.n
    for code in target:
        order_target_value(code, each)

def mark(context):
    record(positions=len(context.portfolio.positions))
"""

GRID = """
def initialize(context):
    set_benchmark("000300.XSHG")
    g.pool = ["510300.XSHG", "510500.XSHG"]
    g.base = {}

def handle_data(context, data):
    for code in g.pool:
        price = get_current_data()[code].last_price
        base = g.base.setdefault(code, price)
        if price < base * 0.995 and context.portfolio.available_cash > price * 10000:
            order(code, 10000)
            g.base[code] = price
        elif price > base * 1.005 and context.portfolio.positions[code].closeable_amount >= 10000:
            order(code, -10000)
            g.base[code] = price
"""

TARGETS = {"daily 20-stock rotation": 5.0, "minute ETF grid": 15.0}


def run_once(code: str, start: str, end: str, frequency: str) -> tuple:
    days = [d.isoformat() for d in weekdays_between(date.fromisoformat(start), date.fromisoformat(end))]
    with tempfile.TemporaryDirectory() as out:
        job = {"code": code, "start": start, "end": end, "capital": 1000000.0, "frequency": frequency,
               "trade_days": days, "out_dir": out}  # fmt: skip
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "jqcli.adapters.sandbox.site.engine.child"],
            input=json.dumps(job).encode("utf-8"),
            capture_output=True,
            check=False,
        )
        wall = time.perf_counter() - started
        result = json.loads(Path(out, "result.json").read_text(encoding="utf-8"))
        trades = sum(
            1 for line in Path(out, "events.ndjson").read_text(encoding="utf-8").splitlines() if '"e":"trade"' in line
        )
    if proc.returncode != 0 or result["status"] != "done" or trades == 0:
        raise RuntimeError(f"run failed: {proc.returncode} {result.get('error')} {proc.stderr[-1000:]!r}")
    return wall, float(result["stats"]["report_done_cpu_seconds"]), len(days), trades


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    runs = 1 if args.smoke else args.runs
    cases = [
        ("daily 20-stock rotation", ROTATION, "2019-01-02", "2019-06-28" if args.smoke else "2024-12-31", "day"),
        ("minute ETF grid", GRID, "2024-01-02", "2024-01-08" if args.smoke else "2024-03-29", "minute"),
    ]
    rows = []
    for name, code, start, end, freq in cases:
        samples = [run_once(code, start, end, freq) for _ in range(runs)]
        rows.append(
            (
                name,
                statistics.median(s[0] for s in samples),
                statistics.median(s[1] for s in samples),
                samples[0][2],
                samples[0][3],
            )
        )
    print(f"{'case':<26} {'days':>5} {'trades':>7} {'wall s':>7} {'cpu s':>7} {'target':>7}  status")
    for name, wall, cpu, days, trades in rows:
        target = TARGETS[name]
        status = "(smoke)" if args.smoke else ("met" if wall <= target else "NOT MET")
        print(f"{name:<26} {days:>5} {trades:>7} {wall:>7.2f} {cpu:>7.2f} {'≤' + format(target, 'g'):>7}  {status}")
    print(f"({runs} run(s) each, median; {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
