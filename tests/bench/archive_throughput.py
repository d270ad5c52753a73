"""Archive throughput against ``jqcli sandbox serve --latency-ms 20``: how close to ideal?

    .venv/bin/python tests/bench/archive_throughput.py           # 1000 posts, 20 ms, 4 workers
    .venv/bin/python tests/bench/archive_throughput.py --smoke   # small, asserts nothing about time

Ideal time for a run = requests ÷ workers × latency: every worker always has a
request in flight and nothing else costs anything (with separate detail and stats
pools, the busier pool's requests ÷ its workers).  Fraction of ideal = ideal
time ÷ measured time (the archive's own ``elapsed_seconds``: store open to close,
list paging overlapped with enrichment).  Two configurations are measured:
details only with 4 detail workers (the list walk runs beside them in its own
thread), and details + stats with 4 workers each (8 in flight).
Each configuration runs ``--repeat`` times (3) on fresh stores; the median run is shown with the
range, because a 2-core machine shared by client and server varies by a few points.
Target: ≥ 85 % of ideal.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.bytecode import use_installed_copy  # noqa: E402
from tests.support.sandbox_proc import jqcli_executable, start_sandbox_server  # noqa: E402

TARGET = 0.85


def run_cli(args: list, env: dict, cwd: str, stdin: str = "") -> dict:
    proc = subprocess.run(
        [jqcli_executable(), *args], input=stdin, capture_output=True, text=True, env=env, cwd=cwd, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"jqcli {' '.join(args[:6])}… failed ({proc.returncode}): {proc.stderr[-800:]}")
    return json.loads(proc.stdout) if proc.stdout.strip() else {}


def measure(server, home: str, env: dict, *, workers: int, stats: bool, latency_ms: float, run: int = 0) -> dict:
    store = os.path.join(home, f"bench-{workers}-{int(stats)}-{run}.jsonl")  # a fresh store for every run
    args = ["--api-base", server.url, "--format", "json", "--quiet", "community", "archive", "--phase", "sync"]
    args += ["--store", store, "--page-size", "50", "--detail-workers", str(workers), "--retry-sleep", "0"]
    args += ["--backtest-workers", str(workers)] + ([] if stats else ["--skip-backtest"])
    summary = run_cli(args, env, home)
    details = summary["details_filled"] + summary["detail_failures"]
    stats_requests = summary["requests"] - summary["pages"] - details
    # Two pools of ``workers`` threads each: the busier pool bounds the run (the list walk has its own thread).
    ideal = max(details / workers, stats_requests / workers, summary["pages"]) * latency_ms / 1000
    return {
        "config": f"detail {workers}" + (f" + stats {workers}" if stats else ""),
        "requests": summary["requests"],
        "pages": summary["pages"],
        "elapsed": summary["elapsed_seconds"],
        "ideal": ideal,
        "fraction": ideal / summary["elapsed_seconds"] if summary["elapsed_seconds"] else 0.0,
        "posts": summary["store_posts"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=2000, help="sandbox posts (about half are 文章)")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration; the median run is shown")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    use_installed_copy(smoke=args.smoke)
    posts = 120 if args.smoke else args.posts
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JQCLI_")}
        env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, "c"), XDG_DATA_HOME=os.path.join(home, "d"))
        server = start_sandbox_server(
            os.path.join(home, "s.sqlite3"), "--posts", str(posts), "--seed", "1", "--latency-ms", str(args.latency_ms)
        )
        try:
            login = ["--api-base", server.url, "--format", "json", "auth", "login", "--username", server.username]
            run_cli([*login, "--password-stdin"], env, home, stdin=server.password + "\n")
            repeat = 1 if args.smoke else max(1, args.repeat)
            rows = []
            for stats in (False, True):
                runs = sorted(
                    (
                        measure(server, home, env, workers=args.workers, stats=stats, latency_ms=args.latency_ms, run=n)
                        for n in range(repeat)
                    ),
                    key=lambda r: r["fraction"],
                )
                median = dict(runs[len(runs) // 2])
                median["range"] = f"{runs[0]['fraction']:.1%}–{runs[-1]['fraction']:.1%}" if repeat > 1 else ""
                rows.append(median)
        finally:
            server.stop()
    print(
        f"archive throughput: sandbox --latency-ms {args.latency_ms:g}, {rows[0]['posts']} posts, target ≥ {TARGET:.0%}"
    )
    print(f"{'config':<22}{'requests':>9}{'pages':>7}{'elapsed s':>11}{'ideal s':>9}{'of ideal':>10}{'range':>15}  met")
    for row in rows:
        met = "met" if row["fraction"] >= TARGET else "NOT met"
        print(
            f"{row['config']:<22}{row['requests']:>9}{row['pages']:>7}{row['elapsed']:>11.2f}"
            f"{row['ideal']:>9.2f}{row['fraction']:>10.1%}{row['range']:>15}  {met if not args.smoke else '(smoke)'}"
        )
    print(f"(median of {1 if args.smoke else max(1, args.repeat)} runs per configuration, each on a fresh store)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
