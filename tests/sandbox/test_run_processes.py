"""Backtest processes (issue 12 item 1): one supervisor + engine child per run, bounded and never orphaned.

These tests drive the runner with ``fake_engine.py`` (the engine's job/event
interface with scripted misbehaviour) so that timeouts, crashes, memory limits,
cancel and shutdown are checked in seconds; the real engine is exercised by
``test_engine_runs.py``.  States per protocol.md §4 (3 failed, 4 cancelled), the
error log per §2.15/§9.1, cancel per §3.1/§9.2.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from jqcli.adapters.sandbox.site.app import SandboxApp, SandboxConfig
from jqcli.adapters.sandbox.site.runner import Runner
from tests.sandbox.conftest import FAKE_ENGINE, XHR, Client

FAKE = FAKE_ENGINE  # the scripted stand-in of the engine child (conftest)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def fake_app(make_app):
    def make(**overrides) -> SandboxApp:
        return make_app(f"fake{len(overrides)}.sqlite3", engine_command=FAKE, **overrides)

    return make


def _run(c: Client, code: str, name: str = "多因子选股") -> str:
    edit_id = c.edit_id(name)
    form = c.editor_form(edit_id)
    form["algorithm[code]"] = base64.b64encode(code.encode()).decode()
    form["encrType"] = "base64"
    assert c.post("/algorithm/index/save", form, headers=XHR).json["code"] == "00000"
    built = c.build(c.edit_id(name))
    assert built.json["code"] == "00000", built.text
    return built.json["data"]["backtestId"]


def _internal(app: SandboxApp) -> int:
    return int(app.db.scalar("SELECT MAX(id) FROM backtests"))


def test_a_run_executes_in_its_own_process_and_its_output_reaches_the_endpoints(fake_app, clock) -> None:
    app = fake_app()
    c = Client(app)
    c.login()
    run_id = _run(c, "# plain\n")
    pids = app.runner.pids(_internal(app))
    assert pids and os.getpid() not in pids
    assert app.runner.wait_all(30)
    clock.advance(10)
    data = c.get(f"/algorithm/backtest/result?backtestId={run_id}").json["data"]
    assert data["state"] == "2" and data["result"]["overallReturn"]["value"][:2] == [0.1, 0.2]
    assert data["userRecord"]["n"]["value"][:3] == [0, 1, 2]
    assert c.get(f"/algorithm/backtest/stats?backtestId={run_id}").json["data"]["trading_days"] == 64


def test_the_wall_clock_limit_fails_the_run_with_the_timeout_message(fake_app, clock) -> None:
    app = fake_app(run_timeout=1.0)
    c = Client(app)
    c.login()
    run_id = _run(c, "# FAKE:sleep\n")
    assert app.runner.wait_all(30)
    clock.advance(10)
    error = c.get(f"/algorithm/backtest/error?backtestId={run_id}").json["data"]
    assert error["state"] == "3" and error["logArr"] == ["回测超时：超过 1 秒"]
    log = c.get(f"/algorithm/backtest/log?backtestId={run_id}&offset=0").json["data"]["logArr"]
    assert log[-1].endswith(" - ERROR - 回测超时：超过 1 秒")
    assert not any(_alive(pid) for pid in app.runner.pids(_internal(app)))


def test_a_child_that_dies_without_a_result_fails_the_run(fake_app, clock) -> None:
    app = fake_app()
    c = Client(app)
    c.login()
    run_id = _run(c, "# FAKE:crash\n")
    assert app.runner.wait_all(30)
    clock.advance(10)
    error = c.get(f"/algorithm/backtest/error?backtestId={run_id}").json["data"]
    assert error["state"] == "3" and error["logArr"][0] == "回测进程异常退出(退出码 3)"
    result = c.get(f"/algorithm/backtest/result?backtestId={run_id}").json["data"]["result"]
    assert result["count"] == "2"  # the days it reported before dying stay readable


def test_the_memory_limit_ends_a_hog_failed_cleanly(fake_app, clock) -> None:
    app = fake_app(run_memory_mb=300)
    c = Client(app)
    c.login()
    run_id = _run(c, "# FAKE:hog\n")
    assert app.runner.wait_all(60)
    clock.advance(10)
    error = c.get(f"/algorithm/backtest/error?backtestId={run_id}").json["data"]
    assert error["state"] == "3" and error["logArr"] == ["回测内存超出限制：超过 300 MB"]


def test_cancel_kills_the_process_group(fake_app, clock) -> None:
    app = fake_app()
    c = Client(app)
    c.login()
    run_id = _run(c, "# FAKE:sleep\n")
    bt = _internal(app)
    for _ in range(200):  # the supervisor writes the child's pid right after starting it
        if len(app.runner.pids(bt)) == 2:
            break
        app.runner.wait(bt, 0.05)
    pids = app.runner.pids(bt)
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    clock.advance(2)
    assert c.post("/algorithm/index/cancel", {"backtestId": run_id}, headers=XHR).json["code"] == "00000"
    assert not any(_alive(p) for p in pids)
    clock.advance(10)
    assert c.get(f"/algorithm/backtest/result?backtestId={run_id}").json["data"]["state"] == "4"
    assert c.get("/algorithm/index/statistics").json["data"]["running"] == []


def test_closing_the_site_kills_its_runs_and_leaves_no_process(fake_app, clock) -> None:
    app = fake_app()
    c = Client(app)
    c.login()
    _run(c, "# FAKE:sleep\n")
    _run(c, "# FAKE:sleep\n", "网格交易")
    bts = [_internal(app) - 1, _internal(app)]
    for _ in range(200):
        if all(len(app.runner.pids(b)) == 2 for b in bts):
            break
        app.runner.wait(bts[0], 0.05)
    pids = [p for b in bts for p in app.runner.pids(b)]
    assert len(pids) == 4 and all(_alive(p) for p in pids)
    app.close()
    assert not any(_alive(p) for p in pids)


def test_a_detached_run_outlives_its_starter_and_a_vanished_one_is_failed(tmp_path, clock) -> None:
    path = str(tmp_path / "detached.sqlite3")
    config = SandboxConfig(posts=20, seed=3, engine_command=FAKE, detach_runs=True)
    first = SandboxApp(path, config, clock=clock)
    c = Client(first)
    c.login()
    run_id = _run(c, "# FAKE:sleep\n")
    bt = _internal(first)
    first.close()  # an embedded command ends: its run goes on
    later = SandboxApp(path, config, clock=clock)
    c.app = later
    assert later.runner.alive(bt)
    clock.advance(10)
    assert c.get(f"/algorithm/backtest/result?backtestId={run_id}").json["data"]["state"] == "1"
    later.runner.kill(bt)  # as if killed from outside: no cancel, no result
    for _ in range(200):
        if not later.runner.alive(bt):
            break
        later.runner.wait(bt, 0.05)
    error = c.get(f"/algorithm/backtest/error?backtestId={run_id}").json["data"]
    assert error["state"] == "3" and error["logArr"] == ["回测进程异常退出"]
    later.close()


def test_a_later_process_cancels_a_detached_run_through_its_pid_file(tmp_path) -> None:
    folder = tmp_path / "runs"
    starter = Runner(str(folder), detach=True, command=FAKE)
    job = {"code": "# FAKE:sleep\n", "start": "2024-01-02", "end": "2024-01-05", "capital": 1e5,
           "frequency": "day", "trade_days": ["2024-01-02"], "memory_mb": 0, "cpu_seconds": 0}  # fmt: skip
    starter.start(7, job, timeout=60)
    for _ in range(200):
        if len(starter.pids(7)) == 2:
            break
        starter.wait(7, 0.05)
    pids = starter.pids(7)
    starter.shutdown()  # detached: leaves it running
    assert all(_alive(p) for p in pids)
    Runner(str(folder), detach=True).kill(7, cancelled=True)
    for _ in range(200):
        if not any(_alive(p) for p in pids):
            break
        starter.wait(7, 0.05)
    assert not any(_alive(p) for p in pids)
    assert json.loads((Path(starter.run_dir(7)) / "job.json").read_text())["timeout_seconds"] == 60


def test_a_tick_run_fails_at_once_saying_the_frequency_is_not_emulated(fake_app, clock) -> None:
    app = fake_app()
    c = Client(app)
    c.login()
    built = c.build(c.edit_id("网格交易"), **{"backtest[frequency]": "tick"}).json
    assert built["code"] == "00000"  # the site accepts tick (protocol.md §2.8); the engine cannot run it
    run_id = built["data"]["backtestId"]
    assert app.runner.pids(_internal(app)) == []
    clock.advance(10)
    error = c.get(f"/algorithm/backtest/error?backtestId={run_id}").json["data"]
    assert error["state"] == "3" and error["logArr"] == ["沙盒引擎不模拟 tick 频率的回测,请改用 day 或 minute"]
    log = c.get(f"/algorithm/backtest/log?backtestId={run_id}&offset=0").json["data"]["logArr"]
    assert log == ["2024-01-02 09:00:00 - ERROR - 沙盒引擎不模拟 tick 频率的回测,请改用 day 或 minute"]


def test_a_run_being_started_is_not_taken_for_lost_until_its_job_is_stale(tmp_path) -> None:
    runner = Runner(str(tmp_path / "s"), detach=True)
    folder = Path(runner.run_dir(3))
    folder.mkdir(parents=True)
    (folder / "job.json").write_text("{}")  # the starter has written the job but not the supervisor's pid yet
    assert runner.result(3) is None and not (folder / "result.json").exists()
    old = os.path.getmtime(folder / "job.json") - 120
    os.utime(folder / "job.json", (old, old))
    assert runner.result(3)["error"]["traceback"] == "回测进程异常退出"
