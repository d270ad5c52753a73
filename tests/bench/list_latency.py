"""Multi-page lists against a site with latency: pages one at a time vs several at a time.

    .venv/bin/python tests/bench/list_latency.py             # --latency-ms 50, 7 runs each
    .venv/bin/python tests/bench/list_latency.py --smoke     # small, asserts nothing about time

The real site answers in tens to hundreds of milliseconds, so a list of many pages
is dominated by waiting.  ``strategy ls --all`` (200 strategies, 21 pages) and
``backtest ls <id> --all`` (200 rows, 10 pages) are timed (wall, median) against
``jqcli sandbox serve --latency-ms N`` with ``JQCLI_PAGE_WORKERS=1`` (one request at
a time) and with the default of 4 list pages at a time.  Target (ours): the default
is at least 1.5× faster than one page at a time on lists of 10 or more pages.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.command_overhead import INSTANT_RUNS, start_populated  # noqa: E402
from tests.support.bytecode import use_installed_copy  # noqa: E402
from tests.support.sandbox_proc import cli_login, start_sandbox_server  # noqa: E402

TARGET_SPEEDUP = 1.5


def wall_ms(cmd: list, env: dict, cwd: str, runs: int, want_rows: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, env=env, cwd=cwd, check=False)
        samples.append((time.perf_counter() - started) * 1000)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[-4:])} exited {done.returncode}: {done.stderr.decode()[-1500:]}")
        rows = len(json.loads(done.stdout)["items"])
        if rows < want_rows:
            raise RuntimeError(f"{' '.join(cmd[-4:])}: {rows} rows, expected ≥ {want_rows}")
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    use_installed_copy(smoke=args.smoke)
    runs, count, latency = (1, 25, 5.0) if args.smoke else (args.runs, 200, args.latency_ms)
    with tempfile.TemporaryDirectory() as home:
        state = os.path.join(home, "bench.sqlite3")
        # the data is built without latency, then served with it
        builder, _, strategy_id = start_populated(state, posts=100, strategies=count, backtests=count)
        builder.stop()
        server = start_sandbox_server(state, "--posts", "100", *INSTANT_RUNS, "--latency-ms", str(latency))
        try:
            env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": os.path.join(home, "cfg")}
            env.pop("JQCLI_API_BASE", None)
            base = cli_login(server, env, home)
            cases = [
                ("strategy ls --all", [*base, "strategy", "ls", "--all"], count),
                ("backtest ls <id> --all", [*base, "backtest", "ls", strategy_id, "--all"], count),
            ]
            results = []
            for name, cmd, want in cases:
                wall_ms(cmd, env, home, 1, want)  # warm-up (and the history's lagging status)
                one = wall_ms(cmd, {**env, "JQCLI_PAGE_WORKERS": "1"}, home, runs, want)
                default = wall_ms(cmd, env, home, runs, want)
                results.append((name, one, default))
        finally:
            server.stop()
    print(f"list reads against sandbox serve --latency-ms {latency:g} ({count} rows each)")
    print(f"{'command':<26} {'1 at a time ms':>15} {'default (4) ms':>15} {'speed-up':>9} {'target':>7}  status")
    for name, one, default in results:
        speedup = one / default if default else 0.0
        status = "(smoke)" if args.smoke else ("met" if speedup >= TARGET_SPEEDUP else "NOT MET")
        print(f"{name:<26} {one:>15.0f} {default:>15.0f} {speedup:>8.2f}× {TARGET_SPEEDUP:>6.1f}×  {status}")
    print(f"(median wall time of {runs} runs; {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
