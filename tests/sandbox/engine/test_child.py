"""The engine's own process: the documented entry, its limits, and what a killed child leaves."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.sandbox.engine.conftest import job_for

CHILD = [sys.executable, "-m", "jqcli.adapters.sandbox.site.engine.child"]

HOLD = """
def initialize(context):
    run_daily(buy, time="open")

def buy(context):
    if not context.portfolio.positions:
        order_value("510300.XSHG", 500000)
"""


def start(job: dict, argv=CHILD) -> subprocess.Popen:
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(job).encode("utf-8"))
    proc.stdin.close()
    return proc


def test_the_child_entry_runs_a_job_and_matches_the_in_process_run(tmp_path, run) -> None:
    job = job_for(HOLD, tmp_path / "child", "2024-01-02", "2024-02-09")
    proc = start(job)
    assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    result = json.loads((tmp_path / "child" / "result.json").read_text(encoding="utf-8"))
    assert result["status"] == "done" and result["days_done"] == 29
    same = run(HOLD, "2024-01-02", "2024-02-09")
    assert (tmp_path / "child" / "events.ndjson").read_bytes() == same.raw_events
    assert result["stats"]["algorithm_return"] == same.stats["algorithm_return"]
    assert not list((tmp_path / "child").glob("*.tmp*"))


def test_a_bad_job_exits_2_without_a_traceback(tmp_path) -> None:
    proc = subprocess.run(CHILD, input=b"[1, 2]", capture_output=True, timeout=60)
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr and b"bad job" in proc.stderr


def test_a_memory_hog_ends_failed_cleanly(tmp_path) -> None:
    hog = """
def initialize(context):
    g.keep = []
    run_daily(grow, time="open")

def grow(context):
    log.info("growing")
    while True:
        g.keep.append(bytearray(50 * 1024 * 1024))
"""
    job = job_for(hog, tmp_path / "hog", "2024-01-02", "2024-01-31", memory_mb=1024)
    proc = start(job)
    assert proc.wait(timeout=120) == 0
    result = json.loads((tmp_path / "hog" / "result.json").read_text(encoding="utf-8"))
    assert result["status"] == "failed"
    assert result["error"]["exception"] == "MemoryError"
    assert "1024 MB" in result["error"]["traceback"]
    events = [
        json.loads(line) for line in (tmp_path / "hog" / "events.ndjson").read_text(encoding="utf-8").splitlines()
    ]
    assert events[-1]["e"] == "log" and events[-1]["level"] == "ERROR" and "MemoryError" in events[-1]["msg"]


def test_without_numpy_and_pandas_the_run_fails_naming_the_extra(tmp_path) -> None:
    blocker = (
        "import sys, runpy\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('numpy', 'pandas'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "runpy.run_module('jqcli.adapters.sandbox.site.engine.child', run_name='__main__')\n"
    )
    proc = start(job_for(HOLD, tmp_path / "bare", "2024-01-02", "2024-01-05"), [sys.executable, "-c", blocker])
    proc.wait(timeout=60)
    result = json.loads((tmp_path / "bare" / "result.json").read_text(encoding="utf-8"))
    assert result["status"] == "failed"
    assert 'pip install "jqcli[sandbox]"' in result["error"]["traceback"]
    log = json.loads((tmp_path / "bare" / "events.ndjson").read_text(encoding="utf-8").splitlines()[-1])
    assert log["level"] == "ERROR" and "jqcli[sandbox]" in log["msg"]


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_a_child_killed_mid_run_leaves_no_result_and_whole_lines(tmp_path, signum) -> None:
    spin = """
def initialize(context):
    g.n = 0
    run_daily(step, time="open")

def step(context):
    g.n += 1
    if g.n == 3:
        while True:
            pass
"""
    out = tmp_path / "killed"
    proc = start(job_for(spin, out, "2024-01-02", "2024-01-31"))
    events = out / "events.ndjson"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if events.exists() and events.read_bytes().count(b'"e":"day"') >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signum)
    proc.wait(timeout=30)
    assert not (out / "result.json").exists()
    raw = events.read_bytes()
    lines = raw.split(b"\n")
    complete = lines[:-1]  # a reader ignores a last line without its newline
    parsed = [json.loads(line) for line in complete]
    assert [e["date"] for e in parsed if e["e"] == "day"] == ["2024-01-02", "2024-01-03"]
    assert parsed[-1] == {"e": "progress", "day_index": 2, "days": 22, "date": "2024-01-04"}  # the day it hung in
    assert not list(Path(out).glob("result.json.tmp*"))


def test_the_cpu_limit_ends_a_spinning_strategy_failed_with_a_message(tmp_path) -> None:
    spin = "def initialize(context):\n    run_daily(f, time='open')\ndef f(context):\n    while True:\n        pass\n"
    proc = start(job_for(spin, tmp_path / "cpu", "2024-01-02", "2024-01-05", cpu_seconds=2))
    assert proc.wait(timeout=120) == 0
    result = json.loads((tmp_path / "cpu" / "result.json").read_text(encoding="utf-8"))
    assert result["status"] == "failed"
    assert "CPU 时间超出限制（2 秒）" in result["error"]["exception"]
    frames = [x for x in result["error"]["traceback"].splitlines() if x.startswith("  File ")]
    assert frames in (
        ['  File "/tmp/strategy/user_code.py", line 4, in f'],
        ['  File "/tmp/strategy/user_code.py", line 5, in f'],
    )
