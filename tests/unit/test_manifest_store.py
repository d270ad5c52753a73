"""The on-disk strategy files and manifest (adapters/manifest_store.py): atomic, never outside the folder."""

from __future__ import annotations

import json
import os

import pytest

from jqcli.adapters.manifest_store import FolderStrategyFiles, path_in
from jqcli.domain.errors import FileError, UsageError
from jqcli.domain.ledger import code_hash
from jqcli.domain.localfiles import MANIFEST_NAME, Tracked


@pytest.fixture
def store(tmp_path) -> FolderStrategyFiles:
    return FolderStrategyFiles(str(tmp_path / "locks"))


@pytest.mark.parametrize("name", ["../x.py", "a/b.py", "..", ".", "", MANIFEST_NAME, "a\x00.py"])
def test_a_file_name_that_is_not_plain_is_refused(tmp_path, name) -> None:
    with pytest.raises(UsageError):
        path_in(str(tmp_path), name)


def test_code_round_trips_byte_for_byte_and_the_folder_is_created(store, tmp_path) -> None:
    folder = str(tmp_path / "new" / "dir")
    code = "# 中文\r\n\tx = 1\n\n"
    store.write_code(folder, "甲.py", code)
    assert (tmp_path / "new" / "dir" / "甲.py").read_bytes() == code.encode("utf-8")
    assert store.read_code(folder, "甲.py") == code and store.read_code(folder, "乙.py") is None
    assert not [n for n in os.listdir(folder) if n.endswith(".tmp")]


def test_a_symlink_is_replaced_never_its_target(store, tmp_path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("keep\n")
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.py").symlink_to(outside)
    store.write_code(str(folder), "a.py", "new\n")
    assert outside.read_text() == "keep\n" and not (folder / "a.py").is_symlink()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_folder_is_never_written(store, tmp_path) -> None:
    os.mkfifo(tmp_path / "f.py")
    (tmp_path / "d.py").mkdir()
    for name in ("f.py", "d.py"):
        with pytest.raises(FileError):
            store.write_code(str(tmp_path), name, "x\n")
        with pytest.raises(FileError):
            store.read_code(str(tmp_path), name)


def test_the_manifest_is_sorted_json_and_a_corrupt_one_is_a_file_error(store, tmp_path) -> None:
    folder = str(tmp_path)
    entries = {n: Tracked(n, "s" * 32, n, code_hash(n)) for n in ("乙.py", "a.py")}
    with store.locked(folder):
        store.save_manifest(folder, entries)
    data = json.loads((tmp_path / MANIFEST_NAME).read_text("utf-8"))
    assert data["version"] == 1 and list(data["files"]) == ["a.py", "乙.py"]
    assert store.manifest(folder) == entries
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(FileError) as bad:
        store.manifest(folder)
    assert "--force" in bad.value.details["hint"]
    assert FolderStrategyFiles(str(tmp_path / "l2")).manifest(str(tmp_path / "none")) == {}
