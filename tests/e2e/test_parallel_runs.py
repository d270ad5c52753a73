"""Push-and-run by name is serialised on this machine (issue 10, item 10)."""

from __future__ import annotations

import json
import subprocess

from tests.support.sandbox_proc import jqcli_executable

PARALLEL = 8


def test_parallel_push_and_runs_with_one_name_create_one_strategy(jq, sandbox_factory, tmp_path) -> None:
    # The engine really runs each backtest, so the site's cap of two running backtests may refuse some
    # builds; the push before each build happens all the same, and it is what must be serialised.
    server = sandbox_factory("--seed", "31", "--queue-seconds", "0", "--run-seconds", "0", "--latency-ms", "20")
    runner = jq.bound_to(server)
    runner.login()
    code = tmp_path / "parallel.py"
    code.write_text("def initialize(context):\n    pass\n", "utf-8")
    argv = [jqcli_executable(), "--api-base", server.url, "--format", "json", "--non-interactive"]
    argv += [
        "backtest",
        "run",
        "--name",
        "并行推送",
        "--file",
        str(code),
        "--start",
        "2024-01-02",
        "--end",
        "2024-01-31",
    ]
    procs = [
        subprocess.Popen(argv, env=runner.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(PARALLEL)
    ]
    results = [(proc.wait(timeout=180), *proc.communicate()) for proc in procs]
    refused = [json.loads(err)["error"] for code, _, err in results if code != 0]
    assert all(e["code"] == "api_error" and e["details"]["reason"] == "concurrency_cap" for e in refused), refused
    outputs = [json.loads(stdout) for code, stdout, _ in results if code == 0]
    assert len(outputs) >= 2  # the cap lets two run at once
    actions = [out["pushed"]["action"] for out in outputs]
    assert actions.count("created") <= 1 and set(actions) <= {"created", "updated"}
    items = runner("strategy", "ls", "--all").json["items"]
    named = [item for item in items if item["name"] == "并行推送"]
    assert len(named) == 1, named  # eight pushes by one name, one strategy
    assert len({out["id"] for out in outputs}) == len(outputs)
