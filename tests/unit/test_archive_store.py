"""The JSONL archive: last line wins, torn tails, compaction, sidecar index, the lock, the state file."""

from __future__ import annotations

import json
import os

import pytest

from jqcli.adapters.archive.files import JsonSyncState
from jqcli.adapters.archive.jsonl import JsonlPostArchive
from jqcli.domain.archive import NEEDS_DETAIL, NEEDS_STATS, list_fragment, merge
from jqcli.domain.errors import FileError
from tests.unit.community_fakes import make_post

T1 = "2026-04-25 10:00:00"


def record(n: int, **extra) -> dict:
    return dict(merge(None, list_fragment(make_post(n).item, T1)), **extra)


def lines(path) -> list:
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_put_get_and_reload_keeps_the_last_version(tmp_path) -> None:
    path = str(tmp_path / "a.jsonl")
    store = JsonlPostArchive(path).open()
    store.put(record(1))
    store.put(record(2))
    store.put(record(1, title="改"))
    assert store.get("uk00001")["title"] == "改" and len(store) == 2
    store.close()
    assert [r["id"] for r in lines(path)] == ["uk00002", "uk00001"]  # compacted, newest first
    again = JsonlPostArchive(path).open()
    assert again.get("uk00001")["title"] == "改" and len(again) == 2
    again.close()


def test_torn_last_line_is_dropped_without_losing_or_duplicating(tmp_path) -> None:
    path = str(tmp_path / "a.jsonl")
    store = JsonlPostArchive(path).open()
    for n in range(1, 4):
        store.put(record(n))
    store.close(compact=False)
    os.unlink(path + ".idx")
    with open(path, "ab") as handle:
        handle.write(b'{"id":"uk00009","title":"half')  # the process died mid-write
    store = JsonlPostArchive(path).open()
    assert sorted(store.index) == ["uk00001", "uk00002", "uk00003"] and store.torn_bytes > 0
    store.put(record(4))
    store.close()
    assert sorted(r["id"] for r in lines(path)) == ["uk00001", "uk00002", "uk00003", "uk00004"]


def test_sidecar_index_is_used_and_appends_after_it_are_scanned(tmp_path) -> None:
    path = str(tmp_path / "a.jsonl")
    store = JsonlPostArchive(path).open()
    store.put(record(1))
    store.close()
    with open(path, "ab") as handle:  # e.g. a run killed after appending, before closing
        handle.write((json.dumps(record(2)) + "\n").encode())
    store = JsonlPostArchive(path).open()
    assert sorted(store.index) == ["uk00001", "uk00002"]
    store.close()
    with open(path, "wb") as handle:  # a different file under the same name: the sidecar is not trusted
        handle.write((json.dumps(record(7)) + "\n").encode())
    store = JsonlPostArchive(path).open()
    assert sorted(store.index) == ["uk00007"]
    store.close()


def test_pending_lists_needed_work_newest_first(tmp_path) -> None:
    store = JsonlPostArchive(str(tmp_path / "a.jsonl")).open()
    for n in (1, 3, 2):
        store.put(record(n))
    assert store.pending(NEEDS_DETAIL) == ["uk00003", "uk00002", "uk00001"]
    store.put(record(3, detail_fetched_at=T1, backtest={"id": "b", "stats": {"sharpe": 1}}))
    assert store.pending(NEEDS_DETAIL, limit=1) == ["uk00002"] and "uk00003" not in store.pending(NEEDS_STATS)
    store.close()


def test_replaced_legacy_ids_disappear(tmp_path) -> None:
    path = str(tmp_path / "a.jsonl")
    store = JsonlPostArchive(path).open()
    store.put({"id": "legacy-rotating", "title": "x", "published_at": T1})
    store.put(record(1), replaces=["legacy-rotating"])
    assert store.get("legacy-rotating") is None and store.get("uk00001")["legacy_ids"] == ["legacy-rotating"]
    store.close()
    assert [r["id"] for r in lines(path)] == ["uk00001"]


def test_a_second_writer_is_refused_by_the_lock(tmp_path) -> None:
    path = str(tmp_path / "a.jsonl")
    first = JsonlPostArchive(path).open()
    with pytest.raises(FileError) as info:
        JsonlPostArchive(path).open()
    assert "另一个归档进程" in info.value.message
    first.close()
    JsonlPostArchive(path).open().close()


def test_state_file_round_trip_and_corruption_is_a_file_error(tmp_path) -> None:
    state = JsonSyncState(str(tmp_path / "s.json"))
    assert state.load() == {}
    state.save({"coverage": {"segments": []}, "seeds": {"a": "1"}})
    assert state.load()["seeds"] == {"a": "1"}
    (tmp_path / "s.json").write_text("{not json")
    with pytest.raises(FileError):
        state.load()
