"""`sandbox serve` argument validation (issue 10, item 17): clear usage/file errors, never exit 70."""

from __future__ import annotations

import os

import pytest

from tests.support.clirun import run_cli


def _serve(tmp_path, *args):
    return run_cli(["--format", "json", "sandbox", "serve", "--port", "0", *args], env={"HOME": str(tmp_path)})


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "abc"])
def test_ports_out_of_range_are_usage_errors(tmp_path, port) -> None:
    outcome = run_cli(["--format", "json", "sandbox", "serve", "--port", port], env={"HOME": str(tmp_path)})
    assert outcome.code == 3 and outcome.error["code"] == "usage_error"
    assert "--port" in outcome.error["message"]


def test_state_that_is_a_directory_is_a_file_error(tmp_path) -> None:
    outcome = _serve(tmp_path, "--state", str(tmp_path))
    assert outcome.code == 6 and "目录" in outcome.error["message"]


def test_state_that_is_not_sqlite_is_a_file_error(tmp_path) -> None:
    binary = tmp_path / "state.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    outcome = _serve(tmp_path, "--state", str(binary))
    assert outcome.code == 6 and "SQLite" in outcome.error["message"]
    assert binary.read_bytes() == bytes(range(256)) * 4  # left as it was


def test_state_that_is_a_device_or_in_a_missing_folder_is_a_file_error(tmp_path) -> None:
    if os.path.exists("/dev/null"):
        assert _serve(tmp_path, "--state", "/dev/null").code == 6
    missing = _serve(tmp_path, "--state", str(tmp_path / "no" / "such" / "state.sqlite3"))
    assert missing.code == 6 and "目录不存在" in missing.error["message"]


def test_a_sigterm_right_after_the_announcement_is_a_clean_stop() -> None:
    # The address is announced only once the stop handlers are in place, so a client that reads
    # it and sends SIGTERM at once gets a clean shutdown (exit 0), not a killed or interrupted server.
    import signal
    import threading

    from jqcli.entrypoints.commands.sandbox import _run_until_stopped

    class FakeServer:
        def __init__(self) -> None:
            self.stopped = threading.Event()
            self.closed = False

        def serve_forever(self, poll_interval: float) -> None:
            self.stopped.wait(30)

        def shutdown(self) -> None:
            self.stopped.set()

        def server_close(self) -> None:
            self.closed = True

    server = FakeServer()
    before = signal.getsignal(signal.SIGTERM)
    _run_until_stopped(server, announce=lambda: os.kill(os.getpid(), signal.SIGTERM))
    assert server.closed and server.stopped.is_set()
    assert signal.getsignal(signal.SIGTERM) == before  # handlers restored
