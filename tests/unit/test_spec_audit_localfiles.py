"""Spec conformance audit (session 5): ``strategy pull`` file names fit the file system's 255-byte limit.

Before: names were cut at 120 characters, so a long Chinese name (3 bytes a character in UTF-8) became
a 360-byte file name and ``strategy pull --all`` failed with file_error 「File name too long」.
"""

from __future__ import annotations

import os

from jqcli.domain.localfiles import assign_files, file_stem


def test_a_long_chinese_name_gets_a_file_name_under_255_bytes(tmp_path) -> None:
    name = "名" * 3000
    files = assign_files([("a" * 32, name)])
    file = files["a" * 32]
    assert len(file.encode("utf-8")) <= 255 and file.startswith("名名名") and file.endswith(".py")
    (tmp_path / file).write_text("pass\n", encoding="utf-8")  # the file system accepts it


def test_long_names_that_collide_after_the_cut_still_get_distinct_short_files(tmp_path) -> None:
    shared = "策略" * 200
    files = assign_files([("a" * 32, shared + "甲"), ("b" * 32, shared + "乙"), ("c" * 32, "短名")])
    assert len(set(files.values())) == 3
    for file in files.values():
        assert len(file.encode("utf-8")) <= 255
        (tmp_path / file).write_text("pass\n", encoding="utf-8")
    assert len(os.listdir(tmp_path)) == 3
    assert files["c" * 32] == "短名.py"


def test_short_and_ascii_names_keep_their_stems() -> None:
    assert file_stem("全天候ETF") == "全天候ETF"
    assert file_stem("x" * 300) == "x" * 120  # ASCII: the 120-character cut as before
    assert file_stem("名" * 73) == "名" * 73  # 219 bytes: unchanged
