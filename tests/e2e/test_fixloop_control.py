"""Cancel, quota and the run ledger on a served sandbox (issue 13 items 3, 4, 6).

Runs last 60 s here, so that they are still running while the commands look at them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from tests.support.sandbox_proc import jqcli_executable

RANGE = ("--start", "2024-01-02", "--end", "2024-03-29")
CODE = "def initialize(context):\n    pass\n\n\ndef handle_data(context, data):\n    pass\n"


@pytest.fixture
def slow(jq, sandbox_factory, tmp_path):
    server = sandbox_factory("--seed", "31", "--posts", "20", "--queue-seconds", "0.2", "--run-seconds", "60")
    runner = jq.bound_to(server)
    runner.login()
    code = tmp_path / "fixloop.py"
    code.write_text(CODE, "utf-8")
    runner.code = str(code)
    return runner


def _start(runner, name: str, *extra: str):
    result = runner("backtest", "run", "--name", name, "--file", runner.code, *RANGE, *extra)
    assert result.code == 0, result
    return result.json


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.1)


def test_cancel_of_a_running_backtest_is_confirmed(slow) -> None:
    run = _start(slow, "取消测试")
    refused = slow("backtest", "cancel", run["id"])
    assert refused.code == 7 and refused.error["code"] == "confirmation_required"
    cancelled = slow("backtest", "cancel", run["id"], "--yes")
    assert cancelled.code == 0, cancelled
    out = cancelled.json
    assert out["accepted"] is True and out["confirmed"] is True
    assert out["status"] == "cancelled" and out["status_before"] == "running"
    assert out["cancel_time"] and out["listed_running"] is False
    assert slow("backtest", "show", run["id"]).json["status"] == "cancelled"
    assert slow("account", "quota").json["running_count"] == 0
    again = slow("backtest", "cancel", run["id"], "--yes")  # finished: nothing is sent
    assert again.code == 4 and again.error["details"]["reason"] == "not_running"


def test_quota_with_two_running_refuses_a_third_run_before_building(slow) -> None:
    first = _start(slow, "配额甲")
    second = _start(slow, "配额乙", "--compile")
    quota = slow("account", "quota")
    assert quota.code == 0, quota
    out = quota.json
    assert out["running_count"] == 2 and out["concurrency_cap"] == 2 and out["free_slots"] == 0
    assert out["can_start"] is False and "并行上限 2" in out["reason"]
    assert {r["name"] for r in out["running"]} == {"配额甲", "配额乙"}
    assert all(r["started_at"] and isinstance(r["elapsed_seconds"], int) for r in out["running"])
    assert out["vip_type"] and isinstance(out["minutes_used_today"], float)
    third = slow("backtest", "run", "--name", "配额丙", "--file", slow.code, *RANGE)
    assert third.code == 4 and third.error["details"]["reason"] == "concurrency_cap"
    assert "account quota" in third.error["details"]["hint"]
    names = [s["name"] for s in slow("strategy", "ls", "--all").json["items"]]
    assert "配额丙" not in names  # refused before anything was created
    # without the check the site itself refuses, and the refusal points at the quota too
    forced = slow("backtest", "run", "--name", "配额甲", "--file", slow.code, *RANGE, "--no-quota-check")
    assert forced.code == 4 and "account quota" in forced.error["details"]["hint"]
    table = slow("account", "quota", "--format", "table")
    assert "配额甲" in table.stdout and "不能发起" in table.stdout
    for run in (first, second):
        assert slow("backtest", "cancel", run["id"], "--yes").code == 0


def test_the_ledger_survives_a_kill_9_mid_wait_and_reuse_attaches(slow) -> None:
    argv = [jqcli_executable(), "--api-base", slow.server.url, "--format", "json", "--non-interactive"]
    argv += ["backtest", "run", "--name", "台账测试", "--file", slow.code, *RANGE, "--wait", "--poll-interval", "0.2"]
    proc = subprocess.Popen(argv, env=slow.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=str(slow.home))  # fmt: skip

    def recorded() -> bool:
        items = slow("backtest", "history").json["items"]
        return bool(items and items[0]["id"]) or proc.poll() is not None

    _wait_for(recorded)
    assert proc.poll() is None, proc.communicate()
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    (item,) = slow("backtest", "history", "--strategy", "台账测试").json["items"]
    assert item["id"] and item["list_id"] and item["strategy_id"] and item["outcome"] == "submitted"
    assert item["status"] == "running" and item["mode"] == "backtest"
    assert item["file"] == slow.code and len(item["code_hash"]) == 64
    assert slow("backtest", "show", item["id"]).json["status"] == "running"  # the ids find the run
    builds = len(slow("backtest", "ls", "台账测试").json["items"])
    reused = slow("backtest", "run", "--name", "台账测试", "--file", slow.code, *RANGE, "--reuse")
    assert reused.code == 0, reused
    assert reused.json["reused"] is True and reused.json["id"] == item["id"]
    assert len(slow("backtest", "ls", "台账测试").json["items"]) == builds  # nothing was built
    assert slow("backtest", "history", "--status", "done").json["items"] == []
    assert slow("backtest", "cancel", item["id"], "--yes").code == 0


@pytest.mark.parametrize(
    ("fault", "found"), [("reset=1", "reconciled"), ("status=1", "not_found")], ids=["answer-lost", "never-built"]
)
def test_an_unknown_build_outcome_is_reconciled_against_the_history_never_resent(
    jq, sandbox_factory, tmp_path, fault, found
) -> None:
    # reset: the build happens, the connection dies before the answer; status: a 5xx before the build
    server = sandbox_factory("--seed", "32", "--posts", "20", "--faults", f"{fault},path=/algorithm/index/build")
    runner = jq.bound_to(server)
    runner.login()
    code = tmp_path / "lost.py"
    code.write_text(CODE, "utf-8")
    created = runner("strategy", "new", "丢失回答", "--file", str(code))
    assert created.code == 0, created
    result = runner("backtest", "run", "丢失回答", *RANGE)
    rows = runner("backtest", "ls", "丢失回答").json["items"]
    (item,) = runner("backtest", "history").json["items"]
    assert item["outcome"] == found
    if found == "reconciled":
        assert result.code == 0, result
        assert result.json["reconciled"] == "reconciled" and "未重发" in result.stderr
        assert len(rows) == 1 and result.json["id"] == rows[0]["numeric_id"]  # one run: never re-sent
        assert item["id"] == result.json["id"] and item["status"] == "running"
    else:
        assert result.code == 4 and result.error["details"]["reconciled"] == "not_found"
        assert "可以重新运行" in result.error["details"]["hint"] and rows == []
        assert item["id"] == "" and item["status"] == "unknown"
