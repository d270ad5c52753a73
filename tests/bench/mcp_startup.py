"""MCP server benchmark: startup against ``jqcli --help``, and the cost of one tool call.

    .venv/bin/python tests/bench/mcp_startup.py            # 15 runs each
    .venv/bin/python tests/bench/mcp_startup.py --smoke    # 2 runs each, asserts nothing about time

Prints medians of:
- ``jqcli --help`` (wall time of the process);
- importing the MCP path (``jqcli.entrypoints.mcp_sdk``: the SDK, anyio, pydantic, starlette) in a fresh
  interpreter, against importing ``jqcli.entrypoints.cli`` alone;
- ``jqcli --sandbox mcp serve`` over stdio: spawn until the answer to ``tools/list`` (initialize included);
- one tool call in process (``auth_status`` local, ``strategy_list`` on the embedded sandbox) against the
  same command as a fresh ``jqcli`` process: each call builds its own parser, settings and session
  (the HTTP pool is process-wide), so this is what serving in one process saves.

It times the current (editable) environment, which must have the ``mcp`` extra, from compiled bytecode.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from jqcli.entrypoints.mcp_tools import TOOLS  # noqa: E402
from tests.support.bytecode import compile_sources  # noqa: E402
from tests.support.sandbox_proc import jqcli_executable as jqcli  # noqa: E402

IMPORT_PROBE = (
    "import time; t, c = time.perf_counter(), time.process_time(); import {module}; "
    "print((time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000)"
)


def wall_ms(cmd: list, runs: int, env: dict, cwd: str) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd, check=True)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def import_ms(module: str, runs: int, env: dict) -> tuple:
    """Median wall and CPU milliseconds of importing ``module`` in a fresh interpreter (CPU is what load spares)."""
    walls, cpus = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", IMPORT_PROBE.format(module=module)], capture_output=True,
                             text=True, env=env, check=True)  # fmt: skip
        wall, cpu = out.stdout.split()
        walls.append(float(wall))
        cpus.append(float(cpu))
    return statistics.median(walls), statistics.median(cpus)


def stdio_ready_ms(runs: int, env: dict, cwd: str) -> float:
    import anyio
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=jqcli(), args=["--sandbox", "mcp", "serve"], env=env, cwd=cwd)

    async def once() -> float:
        started = time.perf_counter()
        with open(os.devnull, "w") as errlog:
            async with Client(stdio_client(params, errlog=errlog)) as client:
                tools = await client.list_tools()
                elapsed = (time.perf_counter() - started) * 1000
        assert tools.tools
        return elapsed

    return statistics.median(anyio.run(once) for _ in range(runs))


def in_process_call_ms(tool: str, arguments: dict, runs: int, env: dict, cwd: str) -> float:
    from jqcli.entrypoints.mcp_dispatch import ToolRunner

    runner = ToolRunner(["--sandbox"], environ=env, cwd=cwd)
    runner.call(tool, arguments)  # warm: the sandbox exists, modules are imported
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        outcome = runner.call(tool, arguments)
        samples.append((time.perf_counter() - started) * 1000)
        assert outcome.ok, outcome.payload
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    runs = 2 if args.smoke else args.runs
    compile_sources()  # time jqcli from bytecode, as an install runs it (PYTHONDONTWRITEBYTECODE is common)
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JQCLI_")}
        env.update(HOME=home, XDG_CONFIG_HOME=f"{home}/c", XDG_DATA_HOME=f"{home}/d", XDG_CACHE_HOME=f"{home}/k")
        floor = wall_ms([sys.executable, "-c", "pass"], runs, env, home)
        help_ms = wall_ms([jqcli(), "--help"], runs, env, home)
        cli_import = import_ms("jqcli.entrypoints.cli", runs, env)
        sdk_import = import_ms("jqcli.entrypoints.mcp_sdk", runs, env)
        ready = stdio_ready_ms(runs, env, home)
        rows = [
            ("python -c pass (process)", floor),
            ("jqcli --help (process)", help_ms),
            ("import jqcli.entrypoints.cli (wall)", cli_import[0]),
            ("import jqcli.entrypoints.cli (CPU)", cli_import[1]),
            ("import jqcli.entrypoints.mcp_sdk, the SDK path (wall)", sdk_import[0]),
            ("import jqcli.entrypoints.mcp_sdk, the SDK path (CPU)", sdk_import[1]),
            ("jqcli --sandbox mcp serve: spawn to tools/list answer", ready),
        ]
        for tool, arguments, argv in (
            ("auth_status", {}, ["auth", "status"]),
            ("strategy_list", {"limit": 5}, ["strategy", "ls", "--limit", "5"]),
        ):
            rows.append((f"{tool}: one call in the MCP server", in_process_call_ms(tool, arguments, runs, env, home)))
            cmd = [jqcli(), "--sandbox", "--format", "json", *argv]
            rows.append((f"{tool}: the same as a jqcli process", wall_ms(cmd, runs, env, home)))
    for label, ms in rows:
        print(f"{label:58s} {ms:8.1f} ms")
    print(f"load average: {os.getloadavg()[0]:.1f} (2 cores); tools: {len(TOOLS)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
