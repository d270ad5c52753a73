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


def test_a_hand_edited_manifest_key_never_names_a_path_outside_the_folder() -> None:
    from jqcli.domain.localfiles import is_plain_file_name

    data = manifest_data({"a.py": TRACKED})
    for bad in ("../evil.py", "sub/a.py", "..", "a\\b.py", ".jqcli-manifest.json", "a\x00.py"):
        data["files"][bad] = dict(data["files"]["a.py"])  # type: ignore[index]
        assert not is_plain_file_name(bad)
    assert list(manifest_entries(data)) == ["a.py"]


def test_sync_states_and_pull_plans() -> None:
    from jqcli.domain.localfiles import plan_pull, sync_state

    assert sync_state("b", "b", "b") == "same"
    assert sync_state("b", "l", "b") == "local_changed"
    assert sync_state("b", "b", "s") == "site_changed"
    assert sync_state("b", "l", "s") == "both_changed"
    assert sync_state("b", "x", "x") == "same"
    assert plan_pull(None, None, "x").action == "created"
    assert plan_pull(None, "x", "x").action == "unchanged"
    assert plan_pull(None, "mine", "x").reason == "untracked"
    assert plan_pull(TRACKED, "edited", "x").reason == "local_changes"
    assert plan_pull(TRACKED, PULLED, "x").action == "updated"
    assert plan_pull(TRACKED, "edited", "x", force=True).action == "updated"
