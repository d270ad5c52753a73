"""SIGTERM and SIGHUP are Ctrl-C: the resume ids are printed as one JSON error, exit 130 (issue 10, item 7)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time

import pytest

from tests.support.sandbox_proc import jqcli_executable

RANGE = ("--start", "2024-01-02", "--end", "2024-03-29")


def _default_signals() -> None:
    """In the child: default dispositions, even when the test run itself ignores them.

    ``nohup`` ignores SIGHUP and a background job of a non-interactive shell ignores SIGINT;
    ignored dispositions survive exec, and jqcli (rightly) leaves an ignored signal ignored.
    """
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.05)


class PtyStderr:
    """A pseudo-terminal as the child's stderr, drained on a thread: progress is shown on a TTY only."""

    def __init__(self) -> None:
        import pty

        self.master, self.slave = pty.openpty()
        self.chunks: list = []
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:  # EIO once the child closed its end
                return
            if not data:
                return
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", "replace")

    def finish(self) -> str:
        self.thread.join(timeout=10)
        os.close(self.master)
        return self.text


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_stop_signal_during_wait_prints_the_backtest_id_and_exits_130(jq, sandbox_factory, signum, tmp_path) -> None:
    server = sandbox_factory("--seed", "21", "--queue-seconds", "0.2", "--run-seconds", "60")
    slow = jq.bound_to(server)
    slow.login()
    code = tmp_path / "signal.py"
    code.write_text("def initialize(context):\n    pass\n", "utf-8")
    argv = [jqcli_executable(), "--api-base", server.url, "--format", "json", "--non-interactive"]
    argv += ["backtest", "run", "--name", "信号测试", "--file", str(code), *RANGE, "--wait", "--poll-interval", "0.2"]
    stderr = PtyStderr()
    proc = subprocess.Popen(
        argv,
        env=slow.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr.slave,
        preexec_fn=_default_signals,
    )
    os.close(stderr.slave)
    # The progress line appears once the run exists and has been polled: no guessing with a fixed sleep.
    _wait_for(lambda: "已等待" in stderr.text or proc.poll() is not None)
    assert proc.poll() is None, stderr.text
    proc.send_signal(signum)
    stdout, _ = proc.communicate(timeout=30)
    text = stderr.finish()
    assert proc.returncode == 130, (stdout, text)
    assert stdout == b""
    # After the progress lines (each starts with "\r\033[K", the last one clears the line) comes
    # exactly one JSON document: no traceback, no second message.
    error = json.loads(text[text.rindex("\033[K") + 3 :])["error"]
    assert error["code"] == "interrupted"
    details = error["details"]
    assert details["signal"] == signal.Signals(signum).name
    assert details["backtest_id"] and details["backtest_id"] == details["id"]
    assert details["list_id"] and details["strategy_id"]
    assert details["resume"] == f"jqcli backtest show {details['backtest_id']}"
    assert details["resume"] in details["hint"]
    shown = slow("backtest", "show", details["backtest_id"])
    assert shown.code == 0 and shown.json["status"] == "running"  # the run goes on; the id finds it


def test_sighup_while_reading_code_from_stdin_is_interrupted_not_killed(jq) -> None:
    # The command blocks reading --code-stdin (the pipe stays open): SIGHUP, as when the terminal
    # closes, ends it with one JSON error and 130, and nothing was created.
    argv = [jqcli_executable(), "--api-base", jq.server.url, "--format", "json", "--non-interactive"]
    argv += ["strategy", "new", "挂断信号", "--code-stdin"]
    jq.login()
    proc = subprocess.Popen(
        argv,
        env=jq.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )
    _wait_for(lambda: _blocked_reading(proc.pid) or proc.poll() is not None, timeout=30)
    proc.send_signal(signal.SIGHUP)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, (stdout, stderr)
    error = json.loads(stderr)["error"]
    assert error["code"] == "interrupted" and error["details"]["signal"] == "SIGHUP"
    names = [item["name"] for item in jq("strategy", "ls", "--all").json["items"]]
    assert "挂断信号" not in names


def _blocked_reading(pid: int) -> bool:
    """The child sleeps in a pipe read (Linux /proc), i.e. it is past start-up and its handlers are set."""
    try:
        with open(f"/proc/{pid}/wchan") as handle:
            channel = handle.read()
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        pytest.skip("needs Linux /proc")
    return state == "S" and ("pipe" in channel or "read" in channel)
