"""End to end with the real engine (issue 12 items 1, 4, 8): the installed CLI and ``sandbox serve`` run strategies.

- the README's first command prints metrics that come from the demo strategy's own trades;
- a runtime error on a given trading day fails the run with the user's line and function;
- an infinite loop in ``handle_data`` ends failed with the timeout message while the server keeps serving;
- cancel stops the engine process; stopping the server (SIGTERM) leaves no process behind.
"""

from __future__ import annotations

import glob
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.sandbox_proc import jqcli_executable
from tests.support.siteclient import SiteClient

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "entrypoints" / "data" / "demo_strategy.py"
WAIT = ("--wait", "--poll-interval", "0.3", "--wait-timeout", "90")
FAST = ("--queue-seconds", "0", "--run-seconds", "0.5")
LOOP = "def initialize(context):\n    pass\n\n\ndef handle_data(context, data):\n    while True:\n        pass\n"
NAME_ERROR = (
    "def initialize(context):\n"
    "    g.n = 0\n"
    "    run_daily(step, time='every_bar')\n"
    "\n"
    "\n"
    "def step(context):\n"
    "    g.n += 1\n"
    "    log.info('第 %d 天' % g.n)\n"
    "    if g.n == 3:\n"
    "        undefined_name + 1\n"
)


def ok(result):
    assert result.code == 0, result
    return result.json


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _engine_pids(state_path: str) -> list:
    pids = []
    for name in ("supervisor.pid", "child.pid"):
        for path in glob.glob(f"{state_path}.runs/*/{name}"):
            text = Path(path).read_text().split()
            if text:
                pids.append(int(text[0]))
    return pids


def _embedded(home: Path, *args: str, code_input=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JQCLI_")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
    return subprocess.run(
        [jqcli_executable(), "--sandbox", "--format", "json", *args],
        capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=180, input=code_input, check=False,
    )  # fmt: skip


def test_readme_first_command_prints_metrics_from_the_demo_strategys_own_trades(tmp_path) -> None:
    command = ("backtest", "run", "--name", "示例策略", "--file", str(DEMO), "--start", "2024-01-02",
               "--end", "2024-06-28", "--wait")  # fmt: skip
    first = _embedded(tmp_path, *command)
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["status"] == "done" and out["metrics"]["trading_days"] == 129
    # The run's own ledger: the demo trades 510300.XSHG, and its return is the curve's last point.
    runs = glob.glob(str(tmp_path / "data" / "jqcli" / "sandbox" / "sandbox.sqlite3.runs" / "*" / "events.ndjson"))
    events = [json.loads(line) for path in runs for line in Path(path).read_text().splitlines() if line]
    trades = [e for e in events if e["e"] == "trade"]
    assert trades and {t["security"] for t in trades} == {"510300.XSHG"}
    last_day = [e for e in events if e["e"] == "day"][-1]
    assert round(out["metrics"]["algorithm_return"] * 100, 2) == round(last_day["returns"], 2)
    # A comment changes no number; a strategy that never trades earns nothing and never draws down.
    commented = DEMO.read_text(encoding="utf-8") + "\n# 只是一行注释\n"
    again = _embedded(tmp_path, "backtest", "run", "--name", "示例策略", "--code-stdin", *command[6:],
                      code_input=commented)  # fmt: skip
    assert again.returncode == 0, again.stderr
    timing = {"report_done_seconds", "report_done_cpu_seconds"}  # wall and CPU time of the run itself
    same = {k: v for k, v in json.loads(again.stdout)["metrics"].items() if k not in timing}
    assert same == {k: v for k, v in out["metrics"].items() if k not in timing}
    idle = _embedded(tmp_path, "backtest", "run", "--name", "空策略", "--code-stdin", *command[6:],
                     code_input="def initialize(context):\n    pass\n")  # fmt: skip
    metrics = json.loads(idle.stdout)["metrics"]
    assert metrics["algorithm_return"] == 0 and metrics["max_drawdown"] == 0


def test_a_name_error_on_day_three_fails_with_the_users_line_and_a_log_up_to_that_day(jq, sandbox_factory) -> None:
    fast = jq.bound_to(sandbox_factory("--seed", "21", *FAST))
    run = fast("backtest", "run", "--name", "名字错误", "--code-stdin", "--start", "2024-01-02", "--end",
               "2024-01-31", *WAIT, input=NAME_ERROR)  # fmt: skip
    assert run.code != 0 or run.json["status"] == "failed", run
    bid = run.json["id"] if run.json else run.error["details"]["id"]
    errors = ok(fast("backtest", "logs", bid, "--error"))["logs"]
    text = "\n".join(errors)
    assert 'File "/tmp/strategy/user_code.py", line 10, in step' in text and "NameError" in text
    logs = ok(fast("backtest", "logs", bid, "--all"))["logs"]
    days = [line[:10] for line in logs if " - INFO  - 第 " in line]
    assert days == ["2024-01-02", "2024-01-03", "2024-01-04"]
    assert any(" - ERROR - Traceback" in line and line.startswith("2024-01-04") for line in logs)


def test_an_infinite_loop_times_out_while_the_server_keeps_serving(jq, sandbox_factory) -> None:
    server = sandbox_factory("--seed", "22", *FAST, "--run-timeout", "4")
    fast = jq.bound_to(server)
    started = ok(fast("backtest", "run", "--name", "死循环", "--code-stdin", "--start", "2024-01-02", "--end",
                      "2024-01-31", input=LOOP))  # fmt: skip
    t0 = time.monotonic()
    listed = ok(fast("strategy", "ls", "--all"))  # served while the engine spins
    assert "死循环" in [i["name"] for i in listed["items"]] and time.monotonic() - t0 < 4
    waited = fast("backtest", "logs", started["id"], "--error")
    deadline = time.monotonic() + 60
    while "回测超时：超过 4 秒" not in "\n".join((waited.json or {}).get("logs", [])) and time.monotonic() < deadline:
        waited = fast("backtest", "logs", started["id"], "--error")
    assert "回测超时：超过 4 秒" in waited.json["logs"], waited
    assert not any(_running(p) for p in _engine_pids(server.state_path))


def test_cancel_stops_the_engine_and_sigterm_leaves_no_process(jq, sandbox_factory) -> None:
    server = sandbox_factory("--seed", "23", *FAST)
    cli = jq.bound_to(server)
    ids = [
        ok(cli("backtest", "run", "--name", name, "--code-stdin", "--start", "2024-01-02", "--end", "2024-01-31",
               input=LOOP))["id"]
        for name in ("循环一", "循环二")
    ]  # fmt: skip
    pids: list = []
    deadline = time.monotonic() + 30
    while len(pids) < 4 and time.monotonic() < deadline:
        pids = _engine_pids(server.state_path)
    assert len(pids) == 4 and all(_running(p) for p in pids)
    site = SiteClient(server.url)
    site.login()
    _, page = site.request("GET", f"/algorithm/backtest/detail?backtestId={ids[0]}")
    run_id = re.search(rb'id="backtestId" value="([0-9a-f]{32})"', page).group(1).decode()
    assert site.json("POST", "/algorithm/index/cancel", {"backtestId": run_id})["code"] == "00000"
    assert sum(1 for p in pids if not _running(p)) == 2, "the cancelled run's supervisor and engine are gone"
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=20) == 0
    assert not any(_running(p) for p in pids)
