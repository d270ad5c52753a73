"""Spec conformance audit (session 5): a failing output stream is a file_error or a kept exit status, never 70.

Before: ``jqcli --format json strategy ls > /dev/full`` ended with exit 70 internal_error
(「内部错误: OSError: [Errno 28] No space left on device」), and the error of a failed command whose
stderr could not be written was lost together with its exit status.
"""

from __future__ import annotations

import errno
import io
import json

import pytest

from jqcli.domain.errors import FileError
from jqcli.entrypoints.cli import run
from jqcli.entrypoints.context import Stdio
from tests.fakes import FakeBacktestGateway, FakeStrategyGateway
from tests.support.clirun import FakeStdin
from tests.unit.test_spec_audit_cli import AuditServices


@pytest.fixture()
def services() -> type:
    strategies = FakeStrategyGateway()
    return type("Audit", (AuditServices,), {"strategies": strategies, "backtests": FakeBacktestGateway(strategies)})


class FullDisk(io.StringIO):
    """A stream whose writes fail like /dev/full (ENOSPC)."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


class GoneReader(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def cli(argv, tmp_path, services, *, stdout: io.StringIO, stderr: io.StringIO) -> int:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "data")}
    return run(argv, Stdio(FakeStdin(""), stdout, stderr), environ=env, cwd=str(tmp_path), services=services)


def test_a_full_disk_on_stdout_is_a_file_error_in_the_spec_shape(services, tmp_path) -> None:
    services.strategies.add("alpha")
    err = io.StringIO()
    code = cli(["--format", "json", "strategy", "ls"], tmp_path, services, stdout=FullDisk(), stderr=err)
    assert code == 6
    error = json.loads(err.getvalue())["error"]
    assert error["code"] == "file_error" and set(error) == {"code", "message", "details"}
    assert "No space left on device" in error["message"] and error["details"]["errno"] == errno.ENOSPC


def test_a_full_disk_under_table_code_output_is_a_file_error_too(services, tmp_path) -> None:
    strategy_id = services.strategies.add("alpha", "def initialize(context):\n    pass\n")
    err = io.StringIO()
    argv = ["--format", "table", "strategy", "show", strategy_id, "--code"]
    assert cli(argv, tmp_path, services, stdout=FullDisk(), stderr=err) == 6
    assert err.getvalue().startswith("错误[file_error]: 无法写出输出")


@pytest.mark.parametrize("stderr", [FullDisk(), GoneReader()], ids=["full", "closed-pipe"])
def test_an_unwritable_stderr_keeps_the_exit_status_of_the_error(services, tmp_path, stderr) -> None:
    out = io.StringIO()
    code = cli(["--format", "json", "strategy", "show", "nonexistent"], tmp_path, services, stdout=out, stderr=stderr)
    assert code == 2 and out.getvalue() == ""  # not_found, not 70


def test_write_stream_leaves_a_closed_pipe_to_the_caller() -> None:
    from jqcli.entrypoints.context import write_stream

    with pytest.raises(BrokenPipeError):
        write_stream(GoneReader(), "x\n")
    with pytest.raises(FileError) as caught:
        write_stream(FullDisk(), "x\n")
    assert caught.value.code == "file_error"
