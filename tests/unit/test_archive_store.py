"""The JSONL archive: last line wins, torn tails, compaction, sidecar index, the lock, the state file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jqcli.adapters.archive.files import JsonSyncState
from jqcli.adapters.archive.jsonl import JsonlPostArchive
from jqcli.domain.archive import NEEDS_DETAIL, NEEDS_STATS, list_fragment, merge
from jqcli.domain.errors import FileError
from tests.fakes import make_post

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


# -- issue 10: one lock per real file, damage kept aside, lenient lines, temp files, no-op closes ---


def test_the_same_store_through_a_symlink_is_refused_by_the_lock(tmp_path) -> None:
    real = tmp_path / "real" / "a.jsonl"
    real.parent.mkdir()
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    first = JsonlPostArchive(str(real)).open()
    with pytest.raises(FileError) as info:
        JsonlPostArchive(str(link)).open()
    assert "另一个归档进程" in info.value.message
    first.put(record(1))
    first.close()
    through_link = JsonlPostArchive(str(link)).open()
    through_link.put(record(2))
    through_link.put(record(1, title="改"))  # superseded line: close compacts (temp + rename)
    through_link.close()
    assert link.is_symlink() and sorted(r["id"] for r in lines(real)) == ["uk00001", "uk00002"]  # the target


def test_unreadable_middle_lines_are_backed_up_before_compaction_drops_them(tmp_path) -> None:
    path = tmp_path / "a.jsonl"
    store = JsonlPostArchive(str(path)).open()
    for n in (1, 2, 3):
        store.put(record(n))
    store.close()
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    damaged = ["{broken json\n", '{"no_id": 1}\n']
    path.write_text(text[0] + damaged[0] + text[1] + damaged[1] + text[2], encoding="utf-8")
    store = JsonlPostArchive(str(path)).open()
    assert store.corrupt_lines == 2 and len(store) == 3
    backup = store.corrupt_backup
    assert backup.startswith(str(path) + ".corrupt-") and Path(backup).read_text(encoding="utf-8") == "".join(damaged)
    store.close()
    assert len(lines(path)) == 3  # dropped from the store, but kept in the backup


def test_a_sidecar_never_hides_unreadable_lines(tmp_path) -> None:
    path = tmp_path / "a.jsonl"
    store = JsonlPostArchive(str(path)).open()
    store.put(record(1))
    store.close()
    with open(path, "a", encoding="utf-8") as out:
        out.write("garbage\n")
    store = JsonlPostArchive(str(path)).open()
    assert store.corrupt_lines == 1
    store.close(compact=False)
    again = JsonlPostArchive(str(path)).open()
    assert again.corrupt_lines == 1  # still seen (the sidecar was not trusted over it)
    again.close()


def test_wrongly_typed_fields_are_read_leniently_and_later_syncs_work(tmp_path) -> None:
    path = tmp_path / "a.jsonl"
    bad = dict(record(1), legacy_ids=5, author="nobody", backtest={"id": 7, "stats": "x"})
    path.write_text(json.dumps(bad, ensure_ascii=False) + "\n", encoding="utf-8")
    store = JsonlPostArchive(str(path)).open()
    assert store.repaired_lines == 1 and {"legacy_ids", "author", "backtest.stats"} <= store.repaired_fields
    got = store.get("uk00001")
    assert "legacy_ids" not in got and "author" not in got and got["backtest"]["id"] == "7"
    store.put(merge(got, list_fragment(make_post(1).item, "2026-04-26 10:00:00")), replaces=["old-id"])
    store.close()
    assert lines(path)[0]["legacy_ids"] == ["old-id"]


def test_stale_temp_files_of_this_store_and_state_are_removed_others_kept(tmp_path) -> None:
    dead = 2**22 + 12345  # above the usual pid_max: no such process
    path = tmp_path / "a.jsonl"
    ours = [
        f".a.jsonl.{dead}.compact.tmp",
        f".a.jsonl.idx.{dead}.0badcafe.tmp",
        f".a.state.json.{dead}.deadbeef.tmp",
    ]
    others = [
        f".a.jsonl.bak.{dead}.compact.tmp",  # another store's
        f".a.state.json.{os.getpid()}.deadbeef.tmp",  # a live process's
        f".a.state.json.{dead}.notes.tmp",
        "a.jsonl.tmp",
    ]
    for name in ours + others:
        (tmp_path / name).write_text("x")
    store = JsonlPostArchive(str(path)).open()
    state = JsonSyncState(str(tmp_path / "a.state.json"))
    removed = store.removed_temps + state.remove_stale_temps()
    store.close()
    assert sorted(removed) == sorted(ours)
    assert all((tmp_path / name).exists() for name in others) and not any((tmp_path / n).exists() for n in ours)


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_store_that_is_not_a_regular_file_is_a_file_error(tmp_path, kind) -> None:
    path = tmp_path / "s.jsonl"
    if kind == "directory":
        path.mkdir()
    else:
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(path)
    with pytest.raises(FileError) as info:
        JsonlPostArchive(str(path)).open()
    assert info.value.details["path"] == str(path)


def test_closing_a_store_that_did_not_change_writes_nothing(tmp_path) -> None:
    path = tmp_path / "a.jsonl"
    store = JsonlPostArchive(str(path)).open()
    store.put(record(1))
    store.close()
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir() if not p.name.endswith(".lock")}
    names = set(os.listdir(tmp_path))
    again = JsonlPostArchive(str(path)).open()
    assert again.get("uk00001") is not None
    again.close()
    after = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir() if not p.name.endswith(".lock")}
    assert after == before and set(os.listdir(tmp_path)) == names


def test_puts_reach_the_file_at_the_flush_and_are_readable_before(tmp_path) -> None:
    path = str(tmp_path / "b.jsonl")
    store = JsonlPostArchive(path).open()
    for n in range(1, 6):
        store.put(record(n))
    assert os.path.getsize(path) == 0  # one write per flush, not per record
    assert store.get("uk00003")["title"] == "帖子 3"  # read back from the pending lines
    store.flush()
    assert [line["id"] for line in lines(path)] == [f"uk{n:05d}" for n in range(1, 6)]
    store.put(record(3, title="新标题"))
    assert store.get("uk00003")["title"] == "新标题" and store.get("uk00001")["title"] == "帖子 1"
    store.close()
    again = JsonlPostArchive(path).open()
    assert len(again) == 5 and again.get("uk00003")["title"] == "新标题"
    again.close()


def test_an_interrupt_inside_the_flush_neither_loses_nor_repeats_a_line(tmp_path, monkeypatch) -> None:
    path = str(tmp_path / "c.jsonl")
    store = JsonlPostArchive(path).open()
    for n in range(1, 4):
        store.put(record(n))
    real_write = os.write

    def write_then_interrupt(fd, data):
        written = real_write(fd, bytes(data[:40]))
        monkeypatch.setattr(os, "write", real_write)
        raise KeyboardInterrupt(written)  # a signal landing after the bytes reached the file

    monkeypatch.setattr(os, "write", write_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        store.flush()
    store.flush()  # the drain after Ctrl-C flushes again
    assert [line["id"] for line in lines(path)] == ["uk00001", "uk00002", "uk00003"]
    assert store.get("uk00002")["title"] == "帖子 2"
    store.close()
