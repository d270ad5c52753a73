"""Output files of export/report: refused before any work when they exist, are not regular, or have no folder."""

from __future__ import annotations

import os

import pytest

from jqcli.adapters.output_files import check_output, load_task, save_task, task_file, write_output
from jqcli.domain.errors import FileError


def test_new_file_is_written_atomically_and_not_overwritten_without_force(tmp_path) -> None:
    path = str(tmp_path / "out.csv")
    assert write_output(path, b"a,b\n", force=False) == 4
    with pytest.raises(FileError) as info:
        write_output(path, b"new", force=False)
    assert info.value.details["reason"] == "exists" and "--force" in info.value.details["hint"]
    write_output(path, b"new", force=True)
    assert (tmp_path / "out.csv").read_bytes() == b"new"
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []


@pytest.mark.parametrize("target", ["/dev/null", "dir", "fifo"])
def test_non_regular_paths_are_refused_even_with_force(tmp_path, target) -> None:
    path = target
    if target == "dir":
        path = str(tmp_path)
    elif target == "fifo":
        path = str(tmp_path / "pipe")
        os.mkfifo(path)
    with pytest.raises(FileError) as info:
        check_output(path, force=True)
    assert info.value.details["reason"] == "not_regular"


def test_missing_folder_is_refused(tmp_path) -> None:
    with pytest.raises(FileError) as info:
        check_output(str(tmp_path / "no" / "such.csv"), force=False)
    assert info.value.details["reason"] == "no_folder"


def test_task_is_kept_next_to_the_output(tmp_path) -> None:
    path = str(tmp_path / "t.csv")
    assert load_task(path) is None
    save_task(path, {"backtest_id": "1", "kind": "log", "task": "abc", "export_id": "e"})
    assert load_task(path) == {"backtest_id": "1", "kind": "log", "task": "abc", "export_id": "e"}
    assert os.path.basename(task_file(path)) == ".t.csv.jqcli-export.json"
    with open(task_file(path), "w", encoding="utf-8") as fh:
        fh.write("{broken")
    assert load_task(path) is None
