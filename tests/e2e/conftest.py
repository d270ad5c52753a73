"""End-to-end fixtures: the installed CLI as a subprocess against ``jqcli sandbox serve``.

- ``sandbox_server``: one server per test session (seeded, ids rotating), on 127.0.0.1.
- ``sandbox_factory(*serve_args)``: a private server with its own options (faults, latency,
  posts, …), stopped after the test.
- ``jq``: runs ``jqcli --api-base <server> --format json --non-interactive <args>`` with an
  isolated HOME/XDG folders, logged in to the server on first use.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Optional

import pytest

from tests.support.sandbox_proc import SandboxProcess, jqcli_executable, start_sandbox_server

pytestmark = pytest.mark.e2e


class CliResult:
    def __init__(self, proc: subprocess.CompletedProcess) -> None:
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def json(self):
        return json.loads(self.stdout) if self.stdout.strip() else None

    @property
    def lines(self) -> list:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    @property
    def error(self) -> Optional[dict]:
        text = self.stderr.strip()
        start = text.rfind('{\n  "error"')
        if start < 0:
            start = text.rfind('{"error"')
        if start < 0:
            return None
        return json.loads(text[start:])["error"]

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, stdout={self.stdout[:400]!r}, stderr={self.stderr[:400]!r})"


class JqRunner:
    """Runs the installed CLI against one sandbox server with an isolated home."""

    def __init__(self, server: SandboxProcess, home: Path) -> None:
        self.server = server
        self.home = home
        self.logged_in = False
        for sub in ("config", "data", "cache"):
            (home / sub).mkdir(parents=True, exist_ok=True)

    @property
    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JQCLI_")}
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / "config"),
            XDG_DATA_HOME=str(self.home / "data"),
            XDG_CACHE_HOME=str(self.home / "cache"),
            PYTHONUNBUFFERED="1",
        )
        return env

    def raw(
        self,
        *args: str,
        input: Optional[str] = None,
        env: Optional[dict] = None,
        timeout: float = 120,
        cwd: Optional[str] = None,
    ) -> CliResult:
        run_env = self.env
        run_env.update(env or {})
        proc = subprocess.run(
            [jqcli_executable(), *args],
            input=input,
            capture_output=True,
            text=True,
            env=run_env,
            timeout=timeout,
            cwd=cwd or str(self.home),
        )
        return CliResult(proc)

    def login(self) -> CliResult:
        result = self.raw(
            "--api-base",
            self.server.url,
            "--format",
            "json",
            "--non-interactive",
            "auth",
            "login",
            "--username",
            self.server.username,
            "--password-stdin",
            input=self.server.password + "\n",
        )
        assert result.code == 0, result
        self.logged_in = True
        return result

    def __call__(self, *args: str, login: bool = True, **kwargs) -> CliResult:
        if login and not self.logged_in:
            self.login()
        return self.raw("--api-base", self.server.url, "--format", "json", "--non-interactive", *args, **kwargs)

    def bound_to(self, server: SandboxProcess) -> JqRunner:
        return JqRunner(server, self.home / f"other-{abs(hash(server.url))}")


@pytest.fixture(scope="session", autouse=True)
def _sigint_not_ignored():
    """Tests that press Ctrl-C (SIGINT) need it not ignored in their children.

    A background job of a non-interactive shell (``.ci/run &``, ``nohup``) starts with SIGINT
    ignored, which children inherit across exec; Python then installs no KeyboardInterrupt
    handler and the Ctrl-C tests time out.  Restore Python's own handler for this process.
    """
    import signal

    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory) -> SandboxProcess:
    state = tmp_path_factory.mktemp("sandbox") / "state.sqlite3"
    server = start_sandbox_server(str(state), "--seed", "11")
    yield server
    server.stop()


@pytest.fixture
def sandbox_factory(tmp_path):
    started: list[SandboxProcess] = []

    def start(*serve_args: str) -> SandboxProcess:
        state = tmp_path / f"sandbox-{len(started)}.sqlite3"
        server = start_sandbox_server(str(state), *serve_args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def jq(tmp_path, sandbox_server) -> JqRunner:
    return JqRunner(sandbox_server, tmp_path / "home")
