"""Start and stop ``jqcli sandbox serve`` as a subprocess on 127.0.0.1 (tests and recording)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Optional


def jqcli_executable() -> str:
    """The installed console script next to the running interpreter (or the benchmarks' installed copy)."""
    candidate = Path(os.environ.get("JQCLI_BENCH_PYTHON") or sys.executable).with_name("jqcli")
    return str(candidate) if candidate.exists() else "jqcli"


class SandboxProcess:
    def __init__(self, proc: subprocess.Popen, info: dict, state_path: str) -> None:
        self.proc = proc
        self.info = info
        self.state_path = state_path
        self.url: str = info["url"].rstrip("/")
        demo = info.get("demo") if isinstance(info.get("demo"), dict) else info
        self.username: str = str(demo.get("username", ""))
        self.password: str = str(demo.get("password", ""))
        self._stderr_lines: list[str] = []
        self._stdout_lines: list[str] = []
        threading.Thread(target=self._drain, args=(proc.stderr, self._stderr_lines), daemon=True).start()
        threading.Thread(target=self._drain, args=(proc.stdout, self._stdout_lines), daemon=True).start()

    @staticmethod
    def _drain(stream, sink: list) -> None:  # keeps the server from blocking on a full pipe
        for line in stream:
            sink.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr_lines)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_sandbox_server(
    state_path: str, *extra: str, env: Optional[dict] = None, startup_timeout: float = 60.0
) -> SandboxProcess:
    """Run ``jqcli --format json sandbox serve --port 0 --state PATH …`` and wait for its JSON line."""
    run_env = dict(os.environ if env is None else env)
    run_env.setdefault("PYTHONUNBUFFERED", "1")
    cmd = [
        jqcli_executable(),
        "--format",
        "json",
        "sandbox",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--state",
        state_path,
        *extra,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=run_env)
    deadline = time.monotonic() + startup_timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"sandbox serve exited early ({proc.returncode}): {proc.stderr.read() if proc.stderr else ''}"
                )
            continue
        line = line.strip()
        if line.startswith("{"):
            info = json.loads(line)
            if "url" in info:
                return SandboxProcess(proc, info, state_path)
    proc.kill()
    raise RuntimeError("sandbox serve did not print its URL in time")


def cli_login(server: SandboxProcess, env: dict, cwd: str) -> list:
    """Log the installed CLI in to ``server`` as its demo account; returns the base command
    (``jqcli --api-base <url> --format json``) for further calls with the same ``env``."""
    base = [jqcli_executable(), "--api-base", server.url, "--format", "json"]
    login = subprocess.run(
        [*base, "auth", "login", "--username", server.username, "--password-stdin"],
        input=server.password.encode(), capture_output=True, env=env, cwd=cwd, check=False,
    )  # fmt: skip
    if login.returncode != 0:
        raise RuntimeError(f"jqcli auth login failed: {login.stderr.decode()}")
    return base
