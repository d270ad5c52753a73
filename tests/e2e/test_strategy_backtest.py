"""End to end: the installed CLI against ``jqcli sandbox serve`` (ids rotating on every response).

The agent loop: create → show → edit → compile --wait → formal run --wait → ls/show/stats/result/logs
→ rm; a syntax error through compile to its error log; push-and-run; an expired session on every
command; faults on reads.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "entrypoints" / "data" / "demo_strategy.py"
FAST = ("--queue-seconds", "0.2", "--run-seconds", "1")
RANGE = ("--start", "2024-01-02", "--end", "2024-01-31")
WAIT = ("--wait", "--poll-interval", "0.3", "--wait-timeout", "60")
CODE = "# 中文\nfrom jqdata import *\n\n\ndef initialize(context):\n\tlog.info('a < b & c')\n\n\n"
BAD = "def initialize(context):\n    if True\n        pass\n"


@pytest.fixture
def fast_jq(jq, sandbox_factory):
    return jq.bound_to(sandbox_factory("--seed", "5", *FAST))


def ok(result):
    assert result.code == 0, result
    return result.json


def test_agent_loop_end_to_end(fast_jq, tmp_path) -> None:
    jq = fast_jq
    src = tmp_path / "s.py"
    src.write_bytes(CODE.encode("utf-8"))
    created = ok(jq("strategy", "new", "端到端策略", "--file", str(src)))
    assert created["name"] == "端到端策略" and created["id"] and created["save_id"]
    sid = created["id"]

    shown = ok(jq("strategy", "show", sid, "--code"))
    assert shown["code"] == CODE and shown["name"] == "端到端策略"
    out = tmp_path / "back.py"
    ok(jq("strategy", "show", sid, "--output", str(out)))
    assert out.read_bytes() == CODE.encode("utf-8")

    src.write_bytes((CODE + "x = 1\n").encode("utf-8"))
    edited = ok(jq("strategy", "edit", sid, "--name", "端到端策略2", "--file", str(src)))
    assert edited["ok"] is True and edited["name"] == "端到端策略2"
    assert ok(jq("strategy", "show", sid, "--code"))["code"] == CODE + "x = 1\n"  # the old id still works

    names = [item["name"] for item in ok(jq("strategy", "ls", "--all"))["items"]]
    assert names.count("端到端策略2") == 1

    compiled = ok(jq("backtest", "run", sid, *RANGE, "--compile", *WAIT))
    assert compiled["mode"] == "compile" and compiled["status"] == "done", compiled
    formal = ok(jq("backtest", "run", sid, *RANGE, "--capital", "1000000", *WAIT))
    assert formal["status"] == "done" and formal["metrics"]["sharpe"] is not None, formal
    bid = formal["id"]

    items = ok(jq("backtest", "ls", sid))["items"]
    assert len(items) == 1 and items[0]["status"] in ("done", "running") and items[0]["list_id"]
    assert len(ok(jq("backtest", "ls", sid, "--compile"))["items"]) == 1
    shown = ok(jq("backtest", "show", bid))
    assert shown["status"] == "done" and shown["code"] == CODE + "x = 1\n" and shown["metrics"]
    stats = ok(jq("backtest", "stats", bid))
    assert stats["ready"] is True and "annual_algo_return" in stats["metrics"]
    result = ok(jq("backtest", "result", bid, "--all"))
    assert result["data"]["result"]["overallReturn"]["time"]
    logs = ok(jq("backtest", "logs", bid, "--all"))
    assert logs["logs"] and logs["next_offset"] == len(logs["logs"]) and logs["kind"] == "log"

    removed = ok(jq("backtest", "rm", items[0]["list_id"], "--yes"))
    assert removed["ok"] is True and ok(jq("backtest", "ls", sid))["items"] == []
    again = ok(jq("backtest", "run", sid, *RANGE, *WAIT))
    removed = ok(jq("backtest", "rm", again["list_id"], "--yes"))  # the list_id `run` prints, as the spec says
    assert removed["ok"] is True and ok(jq("backtest", "ls", sid))["items"] == []
    gone = ok(jq("strategy", "rm", sid, "--yes"))
    assert gone["ok"] is True and gone["name"] == "端到端策略2"
    assert "端到端策略2" not in [i["name"] for i in ok(jq("strategy", "ls", "--all"))["items"]]


def test_syntax_error_reaches_the_error_log(fast_jq) -> None:
    jq = fast_jq
    run = ok(jq("backtest", "run", "--name", "语法错误", "--code-stdin", *RANGE, "--compile", *WAIT, input=BAD))
    assert run["status"] == "failed" and any("SyntaxError" in line for line in run["error_logs"]), run
    errors = ok(jq("backtest", "logs", run["id"], "--error"))
    assert errors["kind"] == "error" and any("SyntaxError" in line for line in errors["logs"])


def test_push_and_run_the_demo_strategy_creates_then_updates(fast_jq) -> None:
    jq = fast_jq
    first = ok(jq("backtest", "run", "--name", "示例策略", "--file", str(DEMO), *RANGE, *WAIT))
    assert first["pushed"]["action"] == "created" and first["status"] == "done", first
    assert "sharpe" in first["metrics"]
    second = ok(jq("backtest", "run", "--name", "示例策略", "--file", str(DEMO), *RANGE))
    assert second["pushed"]["action"] == "updated" and second["status"] == "running"
    names = [i["name"] for i in ok(jq("strategy", "ls", "--all"))["items"]]
    assert names.count("示例策略") == 1


def test_ambiguous_name_is_refused_listing_candidates(fast_jq) -> None:
    jq = fast_jq
    ok(jq("strategy", "new", "同名"))
    ok(jq("strategy", "new", "同名"))
    for args in (("strategy", "rm", "同名", "--yes"), ("strategy", "edit", "同名", "--name", "x")):
        refused = jq(*args)
        assert refused.code == 3 and len(refused.error["details"]["candidates"]) == 2, refused
    push = jq("backtest", "run", "--name", "同名", "--code-stdin", *RANGE, input="x = 1\n")
    assert push.code == 3
    assert [i["name"] for i in ok(jq("strategy", "ls", "--all"))["items"]].count("同名") == 2


def test_wait_timeout_exits_8_with_resume_ids(jq, sandbox_factory) -> None:
    slow = jq.bound_to(sandbox_factory("--seed", "6", "--queue-seconds", "0.2", "--run-seconds", "30"))
    sid = ok(slow("strategy", "new", "慢策略"))["id"]
    timed_out = slow("backtest", "run", sid, *RANGE, "--wait", "--poll-interval", "0.2", "--wait-timeout", "1")
    assert timed_out.code == 8 and timed_out.error["code"] == "timeout", timed_out
    details = timed_out.error["details"]
    assert details["id"] and details["list_id"] and details["run_id"] and details["strategy_id"] == sid
    assert ok(slow("backtest", "show", details["id"]))["status"] == "running"


def _expire(server) -> None:
    request = urllib.request.Request(server.url + "/__sandbox__/expire-sessions", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["ok"] is True


def test_expired_session_fails_every_command_with_exit_1(jq, sandbox_factory, tmp_path) -> None:
    server = sandbox_factory("--seed", "8", *FAST)
    own = jq.bound_to(server)
    sid = ok(own("strategy", "new", "过期"))["id"]
    run = ok(own("backtest", "run", sid, *RANGE, *WAIT))
    row = ok(own("backtest", "ls", sid))["items"][0]
    _expire(server)
    out = tmp_path / "never.py"
    commands = [
        ("strategy", "ls"),
        ("strategy", "show", sid),
        ("strategy", "show", sid, "--output", str(out)),
        ("strategy", "new", "x"),
        ("strategy", "edit", sid, "--name", "y"),
        ("strategy", "rm", sid, "--yes"),
        ("backtest", "run", sid, *RANGE),
        ("backtest", "ls", sid),
        ("backtest", "show", run["id"]),
        ("backtest", "stats", run["run_id"]),
        ("backtest", "result", run["run_id"]),
        ("backtest", "logs", run["id"]),
        ("backtest", "logs", run["id"], "--error"),
        ("backtest", "rm", row["list_id"], "--yes"),
    ]
    for args in commands:
        result = own(*args)
        assert result.code == 1 and result.stdout == "", (args, result)
        assert result.error["code"] == "not_authenticated"
    assert not out.exists()


def test_reads_survive_faults_or_fail_clearly(jq, sandbox_factory) -> None:
    server = sandbox_factory(
        "--seed", "9", *FAST, "--faults", "status=0.15,reset=0.1,truncate=0.1,missing=0.05,writes=0"
    )
    own = jq.bound_to(server)
    created = [own("strategy", "new", "故障") for _ in range(3)]  # the editor read after the create can fault too
    sid = next(result.json["id"] for result in created if result.code == 0)
    truth = None
    outcomes = []
    for _ in range(2):
        for args in (("strategy", "ls", "--all"), ("strategy", "show", sid, "--code"), ("backtest", "ls", sid)):
            result = own(*args)
            outcomes.append(result.code)
            if result.code == 0:
                data = result.json
                assert data is not None, result
                if args[1] == "ls" and args[0] == "strategy":
                    names = sorted(item["name"] for item in data["items"])
                    truth = truth or names
                    assert names == truth  # never a silently shorter list
            else:
                assert result.error["code"] in ("network_error", "api_error"), (args, result)
    assert outcomes.count(0) >= len(outcomes) // 2


def test_ls_reads_every_page_and_folder_of_the_seeded_account(jq) -> None:
    items = ok(jq("strategy", "ls", "--all"))["items"]
    names = [item["name"] for item in items]
    assert len(items) > 10  # more than one page (10 rows per page)
    assert "RSI择时 <A&B>" in names  # escaped in the HTML, exact here
    assert any(item.get("folder_id") for item in items)  # rows found inside a folder
    assert names.count("双均线策略") == 2
    assert len(ok(jq("strategy", "ls", "--limit", "3"))["items"]) == 3
    refused = jq("strategy", "rm", "双均线策略", "--yes")
    assert refused.code == 3 and len(refused.error["details"]["candidates"]) == 2


def test_ctrl_c_during_wait_exits_130_with_resume_ids(jq, sandbox_factory) -> None:
    import signal
    import subprocess
    import time

    from tests.support.sandbox_proc import jqcli_executable

    server = sandbox_factory("--seed", "12", "--queue-seconds", "0.2", "--run-seconds", "30")
    slow = jq.bound_to(server)
    sid = ok(slow("strategy", "new", "中断"))["id"]
    argv = [jqcli_executable(), "--api-base", server.url, "--format", "json", "--non-interactive"]
    argv += ["backtest", "run", sid, *RANGE, "--wait", "--poll-interval", "0.2"]
    proc = subprocess.Popen(argv, env=slow.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # startup + build; the wait loop is running by then
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, (stdout, stderr)
    error = json.loads(stderr[stderr.rfind('{\n  "error"') :])["error"]
    assert error["code"] == "interrupted"
    assert error["details"]["id"] and error["details"]["list_id"] and error["details"]["run_id"]
    assert ok(slow("backtest", "show", error["details"]["id"]))["status"] == "running"  # the run was left alone
