"""The bytes an agent reads for one iteration of the fix loop, before and after lean output (issue 13).

    .venv/bin/python tests/bench/agent_bytes.py            # 6-year formal run (2018-01-02 … 2023-12-29)
    .venv/bin/python tests/bench/agent_bytes.py --smoke    # a one-month range (checks that the script works)

One iteration, the same both times, against ``jqcli sandbox serve`` (the engine really runs the code):
write code with a runtime error → compile run → read the errors → fix → formal backtest ``--wait`` → read
the stats.  "Before" is the full default JSON of today's commands (``backtest run --file … --wait``, then
``backtest logs --error``, then ``backtest stats``); "after" uses the lean forms: the tracked file of
``strategy pull`` (its manifest follows each run's save) and ``--fields`` with the keys the agent acts on.
Bytes = stdout + stderr of every command, as the agent reads them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.sandbox_proc import cli_login, start_sandbox_server  # noqa: E402

BROKEN = (
    "from jqdata import *\n\n\ndef initialize(context):\n    g.security = '510300.XSHG'\n"
    "    run_daily(trade, time='every_bar')\n\n\ndef trade(context):\n    price = undefined_name + 1\n"
)
FIXED = BROKEN.replace("undefined_name + 1", "get_current_data()[g.security].last_price") + (
    "    cash = context.portfolio.available_cash\n    if cash > price * 100:\n        order_value(g.security, cash)\n"
)
METRICS = "id,status,metrics.algorithm_return,metrics.annual_algo_return,metrics.sharpe,metrics.max_drawdown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="print every command and what it printed")
    args = parser.parse_args()
    span = ("--start", "2024-01-02", "--end", "2024-01-31") if args.smoke else ("--start", "2018-01-02", "--end",
                                                                              "2023-12-29")  # fmt: skip
    wait = ("--wait", "--poll-interval", "0.5", "--wait-timeout", "600")
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JQCLI_")}
        env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, "cfg"), XDG_DATA_HOME=os.path.join(home, "data"))
        server = start_sandbox_server(os.path.join(home, "state.sqlite3"), "--queue-seconds", "0.2",
                                      "--run-seconds", "1", "--free-minutes", "100000", env=env)  # fmt: skip
        try:
            base = [*cli_login(server, env, home), "--non-interactive"]

            def jq(*argv: str) -> tuple:
                done = subprocess.run([*base, *argv], capture_output=True, env=env, cwd=home, check=False)
                if args.verbose:
                    shown = done.stdout.decode() + done.stderr.decode()
                    print(f"$ jqcli {' '.join(argv)} → exit {done.returncode}\n{shown}")
                return done.returncode, len(done.stdout) + len(done.stderr), done.stdout.decode("utf-8")

            import json

            work = Path(home, "work")
            src = Path(home, "s.py")
            src.write_text(FIXED, encoding="utf-8")
            for name in ("循环之前", "循环之后"):
                assert jq("strategy", "new", name, "--file", str(src))[0] == 0
            assert jq("strategy", "pull", "循环之后", "--dir", str(work))[0] == 0
            tracked = work / "循环之后.py"

            def before() -> list:
                steps = []
                src.write_text(BROKEN, encoding="utf-8")
                code, size, out = jq("backtest", "run", "循环之前", "--file", str(src), "--compile", *span, *wait)
                steps.append(("run --compile --wait(源码有错)", size))
                steps.append(("logs --error", jq("backtest", "logs", json.loads(out)["id"], "--error")[1]))
                src.write_text(FIXED, encoding="utf-8")
                code, size, out = jq("backtest", "run", "循环之前", "--file", str(src), *span, *wait)
                steps.append(("run --wait(修复后)", size))
                steps.append(("stats", jq("backtest", "stats", json.loads(out)["id"])[1]))
                return steps

            def after() -> list:
                steps = []
                tracked.write_text(BROKEN, encoding="utf-8")
                code, size, out = jq("backtest", "run", "循环之后", "--file", str(tracked), "--compile", *span, *wait,
                                     "--fields", "id,status,error_logs")  # fmt: skip
                steps.append(("run --compile --wait --fields", size))
                tracked.write_text(FIXED, encoding="utf-8")
                code, size, out = jq("backtest", "run", "循环之后", "--file", str(tracked), *span, *wait,
                                     "--fields", METRICS)  # fmt: skip
                steps.append(("run --wait --fields(含指标)", size))
                steps.append(
                    ("strategy diff --fields state", jq("strategy", "diff", str(tracked), "--fields", "state")[1])
                )
                return steps

            results = [("before", before()), ("after", after())]
        finally:
            server.stop()
    for label, steps in results:
        print(f"{label}: {sum(size for _, size in steps)} bytes")
        for step, size in steps:
            print(f"    {size:>8}  {step}")
    total_before, total_after = (sum(size for _, size in steps) for _, steps in results)
    runs_only = sum(size for step, size in results[0][1] if step.startswith("run"))
    print(f"before without logs/stats (the two runs alone, default output): {runs_only} bytes")
    print(f"after/before = {total_after / total_before:.1%} ({'smoke: one month' if args.smoke else '6 years, daily'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
