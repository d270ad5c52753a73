"""How ``strategy ls --all`` grows with the number of strategies: 50, 200 and 1000.

    .venv/bin/python tests/bench/list_growth.py            # 5 runs per size
    .venv/bin/python tests/bench/list_growth.py --smoke    # 20 and 60 strategies, 1 run, asserts nothing about time

Each size gets its own ``sandbox serve`` (instant backtests), populated through the
site, then ``strategy ls --all`` is timed with ``JQCLI_PAGE_WORKERS=1`` so that the
server's time does not overlap the client's: client ms = wall − the server's handler
time.  The sandbox lists 10 rows a page and its pager shows every page number, so
without a cut every page grows with the number of pages.

Target (issue 16): linear growth.  Read as: the client's cost of a further page,
(client(N₂) − client(N₁)) / (pages(N₂) − pages(N₁)), is at most 1.25× as much from
200 to 1000 strategies as from 50 to 200.
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

from tests.bench.command_overhead import start_populated  # noqa: E402
from tests.support.bytecode import use_installed_copy  # noqa: E402
from tests.support.sandbox_proc import cli_login  # noqa: E402

TARGET_RATIO = 1.25


def measure(count: int, runs: int) -> dict:
    with tempfile.TemporaryDirectory() as home:
        server, site, _ = start_populated(os.path.join(home, "s.sqlite3"), posts=10, strategies=count, backtests=0)
        try:
            env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": os.path.join(home, "cfg"), "JQCLI_PAGE_WORKERS": "1"}
            env.pop("JQCLI_API_BASE", None)
            cmd = [*cli_login(server, env, home), "strategy", "ls", "--all"]
            walls, clients, requests, rows = [], [], 0, 0
            for index in range(runs + 1):
                site.reset_stats()
                started = time.perf_counter()
                done = subprocess.run(cmd, capture_output=True, env=env, cwd=home, check=False)
                wall = (time.perf_counter() - started) * 1000
                if done.returncode != 0:
                    raise RuntimeError(f"strategy ls --all exited {done.returncode}: {done.stderr.decode()[-1500:]}")
                stats = site.stats()
                rows, requests = len(json.loads(done.stdout)["items"]), int(stats["requests"])
                if index:  # the first run warms the page cache
                    walls.append(wall)
                    clients.append(wall - float(stats["handler_ms"]))
        finally:
            server.stop()
    if rows < count:
        raise RuntimeError(f"{count} strategies made, {rows} listed")
    return {"count": count, "rows": rows, "pages": requests, "wall": statistics.median(walls),
            "client": statistics.median(clients)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    use_installed_copy(smoke=args.smoke)
    sizes, runs = ((20, 60), 1) if args.smoke else ((50, 200, 1000), args.runs)
    results = [measure(count, runs) for count in sizes]
    print(f"{'strategies':>10} {'rows':>6} {'requests':>9} {'wall ms':>8} {'client ms':>10} {'client ms/page':>15}")
    for r in results:
        print(f"{r['count']:>10} {r['rows']:>6} {r['pages']:>9} {r['wall']:>8.0f} {r['client']:>10.0f}"
              f" {r['client'] / r['pages']:>15.2f}")  # fmt: skip
    steps = [(b["client"] - a["client"]) / max(1, b["pages"] - a["pages"]) for a, b in zip(results, results[1:])]
    print("client ms per further page: " + ", ".join(f"{s:.2f}" for s in steps))
    if len(steps) >= 2 and not args.smoke:
        ratio = steps[-1] / steps[0] if steps[0] > 0 else float("inf")
        status = "met" if ratio <= TARGET_RATIO else "NOT MET"
        print(f"growth: a further page costs {ratio:.2f}× as much at 200→1000 as at 50→200"
              f" (target ≤ {TARGET_RATIO}×): {status}")  # fmt: skip
    print(f"(medians of {runs} runs, one page at a time; {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
