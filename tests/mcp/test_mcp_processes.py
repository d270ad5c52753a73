"""Real processes: a stdio round trip with ``jqcli --sandbox mcp serve``, streamable HTTP on 127.0.0.1,
and an expired session against ``jqcli sandbox serve`` with the CLI's credential precedence."""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp", reason="MCP SDK 需要 Python 3.10+ 与 jqcli[mcp](pip install 'jqcli[mcp]')")

import anyio  # noqa: E402
from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

from jqcli.entrypoints.mcp_sdk import build_server  # noqa: E402
from jqcli.entrypoints.mcp_tools import TOOLS  # noqa: E402
from tests.mcp.conftest import SandboxHome, isolated_env, mask_ids  # noqa: E402
from tests.support.clirun import run_cli  # noqa: E402
from tests.support.sandbox_proc import jqcli_executable, start_sandbox_server  # noqa: E402

pytestmark = pytest.mark.e2e


def test_stdio_round_trip_with_a_real_mcp_serve_process(tmp_path) -> None:
    home = SandboxHome(tmp_path / "home")
    params = StdioServerParameters(
        command=jqcli_executable(), args=["--sandbox", "mcp", "serve"], env=home.env, cwd=home.cwd
    )

    async def go() -> Any:
        with open(tmp_path / "server.err", "w", encoding="utf-8") as errlog:
            # the initialize handshake, as today's hosts (Claude Desktop) speak it; the other tests use "auto"
            async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
                tools = await client.list_tools()
                listed = await client.call_tool("strategy_list", {"limit": 5})
                refused = await client.call_tool("strategy_delete", {"strategy": "全天候ETF"})
                return tools, listed, refused

    tools, listed, refused = anyio.run(go)
    assert len(tools.tools) == len(TOOLS)
    assert {t.name: t.annotations.destructive_hint for t in tools.tools}["strategy_delete"] is True
    assert not listed.is_error
    assert mask_ids(listed.structured_content) == mask_ids(home.cli("strategy", "ls", "--limit", "5"))
    assert json.loads(listed.content[0].text) == listed.structured_content
    assert refused.is_error and refused.structured_content["error"]["code"] == "confirmation_required"
    assert "Traceback" not in (tmp_path / "server.err").read_text("utf-8")


def test_streamable_http_serves_on_loopback_and_refuses_a_foreign_host(tmp_path) -> None:
    env = isolated_env(tmp_path / "home")
    proc = subprocess.Popen(
        [jqcli_executable(), "--sandbox", "--format", "json", "mcp", "serve", "--transport", "streamable-http"]
        + ["--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=str(tmp_path),
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        url = info["url"]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/mcp") and info["tools"] == len(TOOLS)

        async def go() -> Any:
            async with Client(url) as client:
                return await client.list_tools(), await client.call_tool("auth_status", {})

        tools, status = anyio.run(go)
        assert len(tools.tools) == len(TOOLS)
        assert status.structured_content["authenticated"] is True
        request = urllib.request.Request(
            url, data=b"{}", method="POST", headers={"Host": "evil.example", "Content-Type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert 400 <= refused.value.code < 500  # DNS-rebinding protection: only 127.0.0.1/localhost hosts
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")


@pytest.fixture
def site(tmp_path):
    server = start_sandbox_server(str(tmp_path / "site.sqlite3"), "--seed", "5")
    yield server
    server.stop()


def test_expired_session_says_how_to_log_in_and_precedence_is_the_clis(site, tmp_path: Path) -> None:
    env = isolated_env(tmp_path / "home")
    login = run_cli(
        ["--api-base", site.url, "--format", "json", "auth", "login", "--username", site.username, "--password-stdin"],
        env=env,
        cwd=str(tmp_path),
        stdin=site.password + "\n",
    )
    assert login.code == 0, login
    home = SandboxHome(tmp_path / "home")
    home.global_argv = ["--api-base", site.url]
    assert not _call(home, "strategy_list", {}).is_error  # the saved cookie works

    home.env["JQCLI_COOKIE"] = "PHPSESSID=expired; token=expired"  # environment beats the saved config
    result = _call(home, "strategy_list", {})
    assert result.is_error
    error = result.structured_content["error"]
    cli = run_cli(["--api-base", site.url, "--format", "json", "strategy", "ls"], env=home.env, cwd=home.cwd)
    assert error["code"] == "not_authenticated" == cli.error["code"] and error["exit_status"] == cli.code == 1
    assert error["message"] == cli.error["message"]
    assert "jqcli auth login" in error["hint"] and "无需重启" in error["hint"]

    saved = json.loads(Path(env["XDG_CONFIG_HOME"], "jqcli", "config.json").read_text("utf-8"))
    home.global_argv = ["--api-base", site.url, f"--cookie={saved['cookie']}"]  # a flag beats the environment
    assert not _call(home, "strategy_list", {}).is_error


def _call(home: SandboxHome, name: str, arguments: dict) -> Any:
    async def go() -> Any:
        async with Client(build_server(home.runner())) as client:
            return await client.call_tool(name, arguments)

    return anyio.run(go)
