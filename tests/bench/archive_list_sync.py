"""A list-only archive sync of a large community: wall time and the client's CPU.

    .venv/bin/python tests/bench/archive_list_sync.py            # 34k posts, 2 runs of this copy and of d4a948e
    .venv/bin/python tests/bench/archive_list_sync.py --no-baseline --runs 3   # this copy only, vs the recorded figure
    .venv/bin/python tests/bench/archive_list_sync.py --smoke    # 2k posts, 1 run, asserts nothing about time

``community archive --phase sync --skip-detail --skip-backtest`` reads every list page (50 posts a page)
into a fresh store.  CPU is the jqcli process's own user + system time (``RUSAGE_CHILDREN`` around it),
so the server's work does not count.  Target (issue 16): the client's CPU at most half of what it was
before the change (4.8 s on the issue's machine; 9.65 s measured by this script on this machine at d4a948e,
the code just before the change, run from a worktree of that commit).

By default the "before" client is measured again in the same run: ``--baseline REV`` (default d4a948e)
installs that commit's jqcli non-editable (``_baseline.py``) and the runs alternate before / after
against the same server, so a busy machine slows both alike; the verdict uses that ratio.  With
``--no-baseline`` the verdict compares with ``BEFORE_CPU_S``.  The seeded 34k-post sandbox state is kept in
``~/.cache/jqcli-bench/seeded/`` after the first run (seeding takes minutes on a busy machine); then the
script takes about 2.5 minutes on an idle 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench._baseline import baseline_jqcli  # noqa: E402
from tests.support.bytecode import use_installed_copy  # noqa: E402
from tests.support.sandbox_proc import cli_login, start_sandbox_server  # noqa: E402

BEFORE_CPU_S = 9.65  # median of 3 runs of this script at d4a948e (2026-12-01, this 2-core machine, 34k posts)
BEFORE_REV = "d4a948e"
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
    parser.add_argument("--runs", type=int, default=2, help="runs of each client (default 2)")
    parser.add_argument("--baseline", default=BEFORE_REV, metavar="REV", help="the before commit (default d4a948e)")
    parser.add_argument("--no-baseline", action="store_true", help="compare with BEFORE_CPU_S instead")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    use_installed_copy(smoke=args.smoke)
    posts, runs = (2000, 1) if args.smoke else (args.posts, args.runs)
    before_cli = None if args.smoke or args.no_baseline else baseline_jqcli(args.baseline)
    after, before = [], []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": os.path.join(home, "cfg")}
        env.pop("JQCLI_API_BASE", None)
        state = os.path.join(home, "s.sqlite3")
        cached = seeded_state(posts, state)
        server = start_sandbox_server(state, "--posts", str(posts), env=env)
        if not cached:
            keep_seeded(posts, state)
        try:
            base = cli_login(server, env, home)  # anonymous readers get the first 10 pages only
            for i in range(runs):  # alternating: a busy minute slows both clients alike
                after.append(one_run(base, home, env, 2 * i))
                if before_cli is not None:
                    before.append(one_run([before_cli, *base[1:]], home, env, 2 * i + 1))
        finally:
            server.stop()
    wall = statistics.median(r["wall"] for r in after)
    cpu = statistics.median(r["cpu"] for r in after)
    print(f"list-only sync: {after[0]['posts']} posts, {after[0]['pages']} pages")
    print(f"this copy: wall {wall:.2f} s, client CPU {cpu:.2f} s (median of {runs}; runs {_list(after)})")
    if before:
        before_cpu = statistics.median(r["cpu"] for r in before)
        before_wall = statistics.median(r["wall"] for r in before)
        print(f"{args.baseline}: wall {before_wall:.2f} s, client CPU {before_cpu:.2f} s (runs {_list(before)})")
    else:
        before_cpu = BEFORE_CPU_S
        if not args.smoke:
            print(f"{BEFORE_REV}: client CPU {BEFORE_CPU_S:.2f} s (recorded on the development machine)")
    if not args.smoke:
        share = cpu / before_cpu
        status = "met" if share <= TARGET_SHARE else "NOT MET"
        print(f"target: client CPU ≤ {TARGET_SHARE:.0%} of before: {share:.0%} of {before_cpu:.2f} s: {status}")
    print(f"({sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
    return 0


def _seed_cache(posts: int) -> Optional[Path]:
    """Where a freshly seeded state of the installed copy's sandbox is kept (seeding 34k posts takes minutes
    on a busy machine; the data depend only on the seed, the post count and the sandbox's code, and the
    installed copy's venv is named by the hash of that code).  None for a smoke run (the editable tree)."""
    installed = os.environ.get("JQCLI_BENCH_PYTHON")
    if not installed:
        return None
    cache = Path(os.environ.get("JQCLI_BENCH_CACHE") or Path.home() / ".cache" / "jqcli-bench")
    return cache / "seeded" / f"{Path(installed).parent.parent.name}-{posts}.sqlite3"


def seeded_state(posts: int, state: str) -> bool:
    """Copy a cached seeded state to ``state``; False when there is none."""
    cached = _seed_cache(posts)
    if cached is None or not cached.exists():
        return False
    shutil.copyfile(cached, state)
    return True


def keep_seeded(posts: int, state: str) -> None:
    """Snapshot the just-seeded state (before any request) with SQLite's backup API."""
    cached = _seed_cache(posts)
    if cached is None:
        return
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    with closing(sqlite3.connect(state)) as source, closing(sqlite3.connect(tmp)) as target:
        source.backup(target)
    os.replace(tmp, cached)


def _list(results: list) -> str:
    return " / ".join(f"{r['cpu']:.2f}" for r in results)


if __name__ == "__main__":
    sys.exit(main())
