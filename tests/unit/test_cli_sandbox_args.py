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
