"""Spec conformance audit (session 5): the installed CLI started with stdout or stderr closed.

``jqcli … >&-`` starts Python with ``sys.stdout = None``; before, every command then ended with exit 70
(「'NoneType' object has no attribute 'write'」), and with ``2>&-`` a failed command exited 1 instead
of its own code.  Output that cannot be written is lost; the exit status is not.  No server needed.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.support.sandbox_proc import jqcli_executable

pytestmark = pytest.mark.e2e


def run_closed(tmp_path, fd: int, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JQCLI_")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "cfg"), XDG_DATA_HOME=str(tmp_path / "data"))
    keep = subprocess.PIPE
    return subprocess.run(
        [jqcli_executable(), "--non-interactive", "--format", "json", *args],
        stdin=subprocess.DEVNULL,
        stdout=keep if fd != 1 else None,
        stderr=keep if fd != 2 else None,
        env=env,
        cwd=str(tmp_path),
        preexec_fn=lambda: os.close(fd),  # the child starts with this descriptor closed
        timeout=60,
        check=False,
    )


def test_stdout_closed_a_successful_command_exits_0(tmp_path) -> None:
    proc = run_closed(tmp_path, 1, "auth", "status")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""


def test_stdout_closed_an_error_still_reaches_stderr_with_its_exit_code(tmp_path) -> None:
    proc = run_closed(tmp_path, 1, "backtest", "run", "x", "--start", "2024/01/02")
    assert proc.returncode == 3
    assert b'"usage_error"' in proc.stderr


def test_stderr_closed_a_failed_command_keeps_its_exit_code(tmp_path) -> None:
    proc = run_closed(tmp_path, 2, "backtest", "run", "x", "--start", "2024/01/02")
    assert proc.returncode == 3 and proc.stdout == b""
