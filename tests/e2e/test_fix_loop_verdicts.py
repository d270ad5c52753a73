"""End to end on the sandbox engine (issue 13 items 1, 2, 5): verdicts on local lines, compare, wait, exit 9.

- a syntax error and a runtime error in local strategy files: ``run --file --wait --exit-status`` exits 9,
  and the verdict names the file as given, the right line and function, and carries the line's text;
  ``backtest verdict --file`` says the same later, and ``logs --error`` / ``show`` carry it too;
- a strategy whose orders the site refuses: ``order_warnings``; one that never orders: ``no_trades``;
- ``backtest compare`` of two runs with different capital (and then different code);
- ``backtest wait`` picks up a run that was started without waiting, by any of its ids.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "entrypoints" / "data" / "demo_strategy.py"
FAST = ("--queue-seconds", "0", "--run-seconds", "0.5")
RANGE = ("--start", "2024-01-02", "--end", "2024-01-31")
WAIT = ("--wait", "--poll-interval", "0.3", "--wait-timeout", "90")
SYNTAX = "def initialize(context):\n    g.n = 0\n    if g.n > 1\n        log.info('大于一')\n"
RUNTIME = (
    "def initialize(context):\n"
    "    g.n = 0\n"
    "    run_daily(step, time='every_bar')\n"
    "\n"
    "\n"
    "def step(context):\n"
    "    g.n += 1\n"
    "    log.info('第 %d 天' % g.n)\n"
    "    if g.n == 3:\n"
    "        prices = {}\n"
    "        return prices['000001.XSHE']\n"
)
REFUSED = (
    "def initialize(context):\n"
    "    run_daily(buy, time='every_bar')\n"
    "\n"
    "\n"
    "def buy(context):\n"
    "    order('000001.XSHE', 50)\n"
)
IDLE = "def initialize(context):\n    pass\n"


@pytest.fixture
def loop(jq, sandbox_factory, tmp_path):
    """A CLI on a fast private sandbox, run from a work folder that holds the strategy files."""
    cli = jq.bound_to(sandbox_factory("--seed", "31", *FAST))
    work = tmp_path / "work"
    (work / "strategies").mkdir(parents=True)
    for name, code in (("syntax.py", SYNTAX), ("runtime.py", RUNTIME), ("refused.py", REFUSED), ("idle.py", IDLE)):
        (work / "strategies" / name).write_text(code, encoding="utf-8")

    def run(*args: str):
        return cli(*args, cwd=str(work))

    return run


def test_a_syntax_error_names_the_local_file_and_line_and_exits_9(loop) -> None:
    run = loop(
        "backtest", "run", "--name", "语法错误", "--file", "strategies/syntax.py", *RANGE, *WAIT, "--exit-status"
    )
    assert run.code == 9, run
    out = run.json
    assert out["status"] == "failed" and out["verdict"] == "compile_error"
    (error,) = out["errors"]
    assert (error["file"], error["line"], error["phase"], error["exception"]) == (
        "strategies/syntax.py", 3, "compile", "SyntaxError",
    )  # fmt: skip
    assert error["source_line"] == "    if g.n > 1" and error["sim_time"] == ""
    later = loop("backtest", "verdict", out["id"], "--file", "strategies/syntax.py")
    assert later.code == 0 and later.json["file_matches_run"] is True
    assert later.json["errors"][0]["file"] == "strategies/syntax.py" and later.json["errors"][0]["line"] == 3
    without_flag = loop("backtest", "run", "--name", "语法错误", "--file", "strategies/syntax.py", *RANGE, *WAIT)
    assert without_flag.code == 0 and without_flag.json["verdict"] == "compile_error"


def test_a_runtime_error_names_the_line_function_and_simulated_day(loop) -> None:
    run = loop(
        "backtest", "run", "--name", "运行错误", "--file", "strategies/runtime.py", *RANGE, *WAIT, "--exit-status"
    )
    assert run.code == 9, run
    out = run.json
    assert out["verdict"] == "runtime_error"
    (error,) = out["errors"]
    assert (error["file"], error["line"], error["func"], error["exception"], error["message"]) == (
        "strategies/runtime.py", 11, "step", "KeyError", "'000001.XSHE'",
    )  # fmt: skip
    assert error["source_line"] == "        return prices['000001.XSHE']"
    assert error["sim_time"].startswith("2024-01-04")  # the third trading day of 2024
    logs = loop("backtest", "logs", out["id"], "--error")
    assert logs.json["verdict"] == "runtime_error" and logs.json["errors"][0]["line"] == 11
    shown = loop("backtest", "show", out["id"])
    assert shown.json["status"] == "failed" and shown.json["errors"][0]["source_line"].strip().startswith("return")
    table = loop("--format", "table", "backtest", "verdict", out["id"], "--file", "strategies/runtime.py")
    assert "判定: runtime_error(运行时错误)" in table.stdout
    assert "strategies/runtime.py 第 11 行,函数 step" in table.stdout and "代码: return prices" in table.stdout


def test_refused_orders_and_a_strategy_that_never_trades(loop) -> None:
    refused = loop(
        "backtest", "run", "--name", "零股", "--file", "strategies/refused.py", *RANGE, *WAIT, "--exit-status"
    )
    assert refused.code == 0 and refused.json["status"] == "done", refused
    assert "verdict" not in refused.json  # a finished run's output is unchanged
    judged = loop("backtest", "verdict", refused.json["id"])
    assert judged.json["verdict"] == "order_warnings" and judged.json["warnings"] >= 20
    assert all("开仓数量不能小于 100" in line for line in judged.json["warning_lines"])
    idle = loop("backtest", "run", "--name", "空仓", "--file", "strategies/idle.py", *RANGE, *WAIT)
    assert loop("backtest", "verdict", idle.json["id"]).json["verdict"] == "no_trades"


def test_compare_two_runs_with_different_capital_then_different_code(loop, tmp_path) -> None:
    demo = ("backtest", "run", "--name", "对比", "--file", str(DEMO), *RANGE, *WAIT)
    a = loop(*demo, "--capital", "100000").json
    b = loop(*demo, "--capital", "1000000").json
    compared = loop("backtest", "compare", a["id"], b["id"])
    assert compared.code == 0, compared
    out = compared.json
    assert out["base"] == a["id"] and [r["capital"] for r in out["runs"]] == [100000.0, 1000000.0]
    assert out["settings_differ"] and [d["key"] for d in out["settings_differences"]] == ["capital"]
    assert "初始资金" in compared.stderr and out["source_diffs"][0]["same"] is True
    sharpe = out["metrics"]["sharpe"]
    assert sharpe["values"][0] == a["metrics"]["sharpe"] and sharpe["values"][1] == b["metrics"]["sharpe"]
    assert out["metrics"]["max_drawdown"]["direction"] == "lower"
    changed = tmp_path / "changed.py"
    changed.write_text(DEMO.read_text(encoding="utf-8").replace("g.fast, g.slow = 5, 20", "g.fast, g.slow = 3, 10"))
    c = loop("backtest", "run", "--name", "对比", "--file", str(changed), *RANGE, *WAIT, "--capital", "100000").json
    third = loop("backtest", "compare", a["id"], c["id"]).json
    assert not third["settings_differ"] and third["warnings"] == []
    diff = third["source_diffs"][0]["diff"]
    assert "-    g.fast, g.slow = 5, 20\n+    g.fast, g.slow = 3, 10\n" in diff
    table = loop("--format", "table", "backtest", "compare", a["id"], c["id"])
    assert re.search(r"^sharpe\s+越高越好", table.stdout, re.M) and "+    g.fast, g.slow = 3, 10" in table.stdout


def test_wait_resumes_a_run_started_without_waiting_by_any_of_its_ids(loop) -> None:
    started = loop("backtest", "run", "--name", "稍后等待", "--file", str(DEMO), *RANGE)
    assert started.code == 0 and started.json["status"] == "running"
    waited = loop("backtest", "wait", started.json["list_id"], "--poll-interval", "0.3", "--exit-status")
    assert waited.code == 0, waited
    assert waited.json["status"] == "done" and waited.json["metrics"]["trading_days"] == 22
    again = loop("backtest", "wait", started.json["id"]).json
    assert again["status"] == "done" and again["metrics"] == waited.json["metrics"] and again["polls"] == 1
    failed = loop("backtest", "run", "--name", "运行错误", "--file", "strategies/runtime.py", *RANGE)
    resumed = loop("backtest", "wait", failed.json["id"], "--file", "strategies/runtime.py", "--exit-status")
    assert resumed.code == 9 and resumed.json["errors"][0]["file"] == "strategies/runtime.py"
