"""A list-only archive sync of a large community: wall time and the client's CPU.

    .venv/bin/python tests/bench/archive_list_sync.py            # 34k posts (--list-type 0), 3 runs
    .venv/bin/python tests/bench/archive_list_sync.py --smoke    # 2k posts, 1 run, asserts nothing about time

``community archive --phase sync --skip-detail --skip-backtest`` reads every list page (50 posts a page)
into a fresh store.  CPU is the jqcli process's own user + system time (``RUSAGE_CHILDREN`` around it),
so the server's work does not count.  Target (issue 16): the client's CPU at most half of what it was
before the change (4.8 s on the issue's machine; 9.65 s measured by this script on this machine at d4a948e,
the code just before the change, run from a worktree of that commit).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.bytecode import use_installed_copy  # noqa: E402
from tests.support.sandbox_proc import cli_login, start_sandbox_server  # noqa: E402

BEFORE_CPU_S = 9.65  # median of 3 runs of this script at d4a948e (2026-12-01, this 2-core machine, 34k posts)
TARGET_SHARE = 0.5


def one_run(base: list, home: str, env: dict, index: int) -> dict:
    store = os.path.join(home, f"list-{index}.jsonl")
    args = [*base, "--quiet", "community", "archive", "--phase", "sync",
            "--store", store, "--page-size", "50", "--list-type", "0", "--skip-detail", "--skip-backtest"]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=home, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"archive failed ({proc.returncode}): {proc.stderr[-800:]}")
    summary = json.loads(proc.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "posts": summary["store_posts"], "pages": summary["pages"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=34000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    use_installed_copy(smoke=args.smoke)
    posts, runs = (2000, 1) if args.smoke else (args.posts, args.runs)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": os.path.join(home, "cfg")}
        env.pop("JQCLI_API_BASE", None)
        server = start_sandbox_server(os.path.join(home, "s.sqlite3"), "--posts", str(posts), env=env)
        try:
            base = cli_login(server, env, home)  # anonymous readers get the first 10 pages only
            results = [one_run(base, home, env, i) for i in range(runs)]
        finally:
            server.stop()
    wall = statistics.median(r["wall"] for r in results)
    cpu = statistics.median(r["cpu"] for r in results)
    print(f"list-only sync: {results[0]['posts']} posts, {results[0]['pages']} pages")
    print(f"wall {wall:.2f} s, client CPU {cpu:.2f} s (median of {runs})")
    if not args.smoke:
        status = "met" if cpu <= BEFORE_CPU_S * TARGET_SHARE else "NOT MET"
        print(
            f"target: CPU ≤ {TARGET_SHARE:.0%} of {BEFORE_CPU_S:.2f} s = {BEFORE_CPU_S * TARGET_SHARE:.2f} s: {status}"
        )
    print(f"({sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
