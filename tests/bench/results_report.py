"""Results benchmark: report size and build time for a six-year run, chart import and render time.

    .venv/bin/python tests/bench/results_report.py            # 5 timed runs
    .venv/bin/python tests/bench/results_report.py --smoke    # 1 run; asserts nothing about time

Starts ``jqcli sandbox serve``, runs one formal backtest 2019-01-02 .. 2024-12-31 (about 1460 trade
days) of a strategy that trades every five days, then times, as subprocesses of the installed CLI:
``backtest report`` (detail, stats, every curve page, source, every trade and position page, render,
atomic write), ``backtest chart --full`` and ``backtest chart`` (sparkline).  In-process it times
importing ``jqcli.entrypoints.chart`` (fresh interpreter, ``-X importtime``-free: wall time of the
import alone) and rendering the report from already-read data.  Prints medians and the report's size.
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

from tests.support.sandbox_proc import jqcli_executable, start_sandbox_server  # noqa: E402

CODE = """from jqdata import *


def initialize(context):
    set_benchmark('000300.XSHG')
    g.n = 0


def handle_data(context, data):
    g.n += 1
    if g.n % 10 == 1:
        order_target_value('510300.XSHG', context.portfolio.total_value * 0.9)
    elif g.n % 10 == 6:
        order_target('510300.XSHG', 0)
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = 1 if args.smoke else args.runs
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = start_sandbox_server(str(root / "s.sqlite3"), "--queue-seconds", "0", "--run-seconds", "0.5")
        env = {**os.environ, "HOME": str(root), "XDG_CONFIG_HOME": str(root / "c"), "XDG_DATA_HOME": str(root / "d")}
        base = [jqcli_executable(), "--api-base", server.url, "--format", "json", "--non-interactive"]

        def jq(*argv: str) -> subprocess.CompletedProcess:
            return subprocess.run([*base, *argv], capture_output=True, text=True, env=env, cwd=tmp, timeout=600)

        try:
            login = subprocess.run(
                [*base, "auth", "login", "--username", server.username, "--password-stdin"],
                input=server.password + "\n", capture_output=True, text=True, env=env, timeout=60,
            )  # fmt: skip
            assert login.returncode == 0, login.stderr
            (root / "s.py").write_text(CODE, encoding="utf-8")
            ran = jq("backtest", "run", "--file", str(root / "s.py"), "--name", "基准测试", "--start", "2019-01-02",
                     "--end", "2024-12-31", "--wait", "--poll-interval", "0.5", "--wait-timeout", "300")  # fmt: skip
            assert ran.returncode == 0, ran.stderr
            bid = json.loads(ran.stdout)["id"]
            timings: dict = {"report": [], "chart --full": [], "chart (sparkline)": []}
            size = points = 0
            for n in range(runs):
                started = time.perf_counter()
                out = jq("backtest", "report", bid, "--output", f"r{n}.html")
                timings["report"].append(time.perf_counter() - started)
                assert out.returncode == 0, out.stderr
                data = json.loads(out.stdout)
                size, points = data["bytes"], data["points"]
                for label, extra in (("chart --full", ["--full", "--width", "120"]), ("chart (sparkline)", [])):
                    started = time.perf_counter()
                    chart = subprocess.run([*base[:-3], "backtest", "chart", bid, *extra], capture_output=True,
                                           text=True, env=env, timeout=120)  # fmt: skip
                    timings[label].append(time.perf_counter() - started)
                    assert chart.returncode == 0, chart.stderr
        finally:
            server.stop()
    imports = []
    for _ in range(max(3, runs)):
        probe = (
            "import time; t=time.perf_counter(); import jqcli.entrypoints.chart; print((time.perf_counter()-t)*1000)"
        )
        imports.append(float(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout))
    print(f"six-year run: {points} curve points; report {size / 1024:.1f} KB")
    for label, values in timings.items():
        print(f"{label:<20} median {statistics.median(values) * 1000:7.0f} ms  (wall, CLI subprocess, {runs} runs)")
    print(f"{'import chart':<20} median {statistics.median(imports):7.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
