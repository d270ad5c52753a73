"""Local strategy files and the conflict guard (protocol.md §9.5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jqcli.domain.errors import UsageError
from jqcli.domain.ledger import code_hash
from jqcli.domain.localfiles import (
    Tracked,
    assign_files,
    decide_push,
    file_stem,
    manifest_data,
    manifest_entries,
)

PULLED = "x = 1\n"
TRACKED = Tracked(file="a.py", strategy_id="s1", name="甲", code_hash=code_hash(PULLED))


def test_push_saves_only_while_the_site_still_has_the_pulled_code() -> None:
    assert decide_push(TRACKED, "x = 2\n", PULLED).action == "save"
    assert decide_push(TRACKED, "x = 2\n", "x = 3  # autosaved on the web\n").action == "conflict"
    assert decide_push(TRACKED, "x = 2\n", "x = 3\n", force=True).action == "save"
    assert decide_push(TRACKED, "x = 3\n", "x = 3\n").action == "unchanged"


def test_an_empty_file_is_never_pushed() -> None:
    with pytest.raises(UsageError):
        decide_push(TRACKED, "  \n", PULLED, force=True)


def test_file_names_are_safe_and_collisions_get_the_id() -> None:
    assert file_stem("双均线/策略:v2") == "双均线_策略_v2"
    assert file_stem("..") == "strategy"
    assert file_stem("CON") == "strategy_CON"
    files = assign_files([("s1", "甲"), ("s2", "甲"), ("s3", "乙")])
    assert files == {"s1": "甲.s1.py", "s2": "甲.s2.py", "s3": "乙.py"}


@given(st.text(max_size=60))
def test_every_name_gives_a_plain_file_name(name) -> None:
    stem = file_stem(name)
    assert stem and "/" not in stem and "\\" not in stem and stem not in (".", "..") and "\x00" not in stem


def test_the_manifest_round_trips_and_damaged_entries_are_left_out() -> None:
    entries = {"a.py": TRACKED}
    data = manifest_data(entries)
    assert manifest_entries(data) == entries
    data["files"]["b.py"] = {"strategy_id": 5, "code_hash": "short"}  # type: ignore[index]
    assert manifest_entries(data) == entries
    assert manifest_entries("not a manifest") == {}
