"""--output, --file and --store refuse devices, FIFOs and folders (file_error, exit 6), never replace or hang."""

from __future__ import annotations

import os

import pytest

from jqcli.adapters.archive.jsonl import JsonlPostArchive
from jqcli.domain.errors import FileError
from tests.support.clirun import run_cli


@pytest.fixture
def fifo(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def cli(tmp_path, *argv):
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    return run_cli(["--format", "json", "--cookie", "PHPSESSID=abcdefgh", *argv], env=env, cwd=str(tmp_path))


@pytest.mark.parametrize("target", ["/dev/null", "fifo"])
def test_output_to_a_device_or_fifo_is_refused_before_any_request(tmp_path, fifo, target) -> None:
    path = str(fifo) if target == "fifo" else target
    if not os.path.exists(path):
        pytest.skip(f"no {path}")
    out = cli(tmp_path, "--api-base", "http://127.0.0.1:9", "strategy", "show", "abc", "--output", path, "--force")
    assert out.code == 6 and out.error["details"]["path"] == path, out
    assert not os.path.isfile(path)


@pytest.mark.parametrize("source", ["/dev/zero", "fifo"])
def test_code_file_that_is_a_device_or_fifo_is_refused(tmp_path, fifo, source) -> None:
    path = str(fifo) if source == "fifo" else source
    if not os.path.exists(path):
        pytest.skip(f"no {path}")
    out = cli(tmp_path, "--api-base", "http://127.0.0.1:9", "strategy", "new", "x", "--file", path)
    assert out.code == 6, out


@pytest.mark.parametrize("kind", ["dir", "fifo", "/dev/null"])
def test_store_that_is_not_a_regular_file_is_refused(tmp_path, fifo, kind) -> None:
    path = {"dir": str(tmp_path), "fifo": str(fifo)}.get(kind, kind)
    with pytest.raises(FileError):
        JsonlPostArchive(path).open()
    assert not os.path.isfile(path)
