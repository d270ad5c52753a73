"""Archive memory and no-op speed: peak RSS at 1k/10k/34k posts, no-op sync time at 34k.

    .venv/bin/python tests/bench/archive_memory.py           # 1k, 10k, 34k posts (about a minute)
    .venv/bin/python tests/bench/archive_memory.py --smoke   # 300 and 1k posts, asserts nothing about time

For each size N, against one ``jqcli sandbox serve --posts 34000`` (every category, --list-type 0):
1. build: a sync that lists N posts into an empty store (no details), peak RSS;
2. enrich: a sync on that store fetching 500 details and 500 stats with N posts pending, peak RSS;
3. the store is then filled offline with realistic detail content (~1.5 KB) and stats, so that
   its size is that of a real archive;
4. sync again: at 34k (the whole list) this is the no-op sync (one list page, nothing written),
   timed end to end as a process; smaller stores read one page (--max-pages 1).
Peak RSS is the child process's ``ru_maxrss``.  Targets: ≤ 150 MB at 34k, no-op ≤ 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.bytecode import bench_python, use_installed_copy  # noqa: E402
from tests.support.sandbox_proc import start_sandbox_server  # noqa: E402

RSS_TARGET_MB = 150.0
NOOP_TARGET_S = 1.5
FILLER = "策略思路:基于动量与估值的多因子选股,每月调仓,单票回撤超过 8% 止损。" * 40


PEAK_PROBE = (
    "import atexit, resource, sys\n"
    "peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "atexit.register(lambda: sys.stderr.write('\\nPEAK_RSS_KB=%d\\n' % peak()))\n"
    "from jqcli.entrypoints.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def run(args: list, env: dict, cwd: str, stdin: str = "") -> tuple:
    """(stdout JSON, peak RSS in MB, wall seconds) of one jqcli process (it reports its own ru_maxrss)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [bench_python(), "-c", PEAK_PROBE, *args], input=stdin, capture_output=True, text=True, env=env, cwd=cwd
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"jqcli {' '.join(args[4:10])}… failed ({proc.returncode}): {proc.stderr[-800:]}")
    marker = proc.stderr.rsplit("PEAK_RSS_KB=", 1)
    rss = int(marker[1].split()[0]) / 1024 if len(marker) == 2 else float("nan")
    return (json.loads(proc.stdout) if proc.stdout.strip() else {}), rss, wall


def fill(store: str) -> None:
    """Give every post the size of a fully archived one (content + stats), offline."""
    from jqcli.adapters.archive.jsonl import JsonlPostArchive

    archive = JsonlPostArchive(store).open()
    try:
        for key in list(archive.index):
            record = archive.get(key)
            record["content"] = FILLER
            record["detail_fetched_at"] = record.get("detail_fetched_at") or "2026-11-01 00:00:00"
            if record["backtest"].get("id") and not record["backtest"].get("stats"):
                record["backtest"] = dict(record["backtest"], stats={"sharpe": 1.2, "max_drawdown": 0.1})
                record["stats_fetched_at"] = "2026-11-01 00:00:00"
            archive.put(record)
    finally:
        archive.close()


def measure(size: int, server, home: str, env: dict, *, whole: bool) -> dict:
    store = os.path.join(home, f"store-{size}.jsonl")
    base = ["--api-base", server.url, "--format", "json", "--quiet", "community", "archive", "--phase", "sync"]
    base += ["--store", store, "--list-type", "0", "--page-size", "200", "--retry-sleep", "0"]
    pages = [] if whole else ["--max-pages", str(max(1, size // 200))]
    _, build_rss, _ = run([*base, *pages, "--skip-detail", "--skip-backtest"], env, home)
    _, enrich_rss, _ = run([*base, "--max-pages", "1", "--max-detail", "500", "--max-backtest", "500"], env, home)
    fill(store)
    tail = [] if whole else ["--max-pages", "1"]
    summary, sync_rss, wall = run([*base, *tail], env, home)
    return {
        "posts": summary["store_posts"],
        "store_mb": os.path.getsize(store) / 1e6,
        "build": build_rss,
        "enrich": enrich_rss,
        "sync": sync_rss,
        "wall": wall,
        "noop": whole and summary["posts_added"] == 0 and summary["pages"] == 1,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    use_installed_copy(smoke=args.smoke)
    total = 1000 if args.smoke else 34000
    sizes = (400, 1000) if args.smoke else (1000, 10000, 34000)
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JQCLI_")}
        env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, "c"), XDG_DATA_HOME=os.path.join(home, "d"))
        server = start_sandbox_server(os.path.join(home, "s.sqlite3"), "--posts", str(total), "--seed", "2")
        try:
            login = ["--api-base", server.url, "--format", "json", "auth", "login", "--username", server.username]
            run([*login, "--password-stdin"], env, home, stdin=server.password + "\n")
            rows = [measure(n, server, home, env, whole=(n == total)) for n in sizes]
        finally:
            server.stop()
    print(
        f"archive memory: peak RSS of each jqcli process; targets ≤ {RSS_TARGET_MB:g} MB at 34k,"
        f" no-op ≤ {NOOP_TARGET_S} s"
    )
    print(f"{'posts':>7}{'store MB':>10}{'build MB':>10}{'enrich MB':>11}{'sync MB':>9}{'sync s':>8}  note")
    for row in rows:
        peak = max(row["build"], row["enrich"], row["sync"])
        notes = []
        if row["posts"] >= 34000:
            notes.append("RSS " + ("met" if peak <= RSS_TARGET_MB else "NOT met"))
        if row["noop"]:
            notes.append("no-op " + ("met" if row["wall"] <= NOOP_TARGET_S else "NOT met"))
        if args.smoke:
            notes = ["(smoke)"] + (["no-op"] if row["noop"] else [])
        print(
            f"{row['posts']:>7}{row['store_mb']:>10.1f}{row['build']:>10.1f}{row['enrich']:>11.1f}"
            f"{row['sync']:>9.1f}{row['wall']:>8.2f}  {', '.join(notes)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
