"""Two identical archive syncs write identical store files (``internal_post_id`` included).

Why they did not: the site mints fresh aliases in every response (protocol.md §1.6), and the
detail's fresh ``postId`` is what the archive stores as ``internal_post_id`` (§6.5).  The sandbox
draws them from ``os.urandom`` in the thread that sent the request; the golden harness made that
one seeded stream for the whole process, and a sync's lister thread (``jq-list``) sends its page
request while the detail worker already fetches the backlog, so which of the two drew which ids
changed from run to run (the store differed in about half the runs; its line order, the records'
other fields and the CLI's output never did).  Nothing in jqcli is unordered here: the store's
lines are ordered by ``published_at`` and first insertion, and the writer is one thread.  On the
real site no two runs can give the same aliases anyway, so the fix is the harness's: one stream
per thread (``SeededBytes``), which costs the sync nothing.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from tests.e2e.test_golden_output import Scenario, SeededBytes, VirtualTime


def draws_in(seeded: SeededBytes, order: List[str]) -> Dict[str, List[bytes]]:
    """Draw 16 bytes in each named thread, one thread after the other in ``order``."""
    got: Dict[str, List[bytes]] = {}

    def draw(name: str) -> None:
        got.setdefault(name, []).append(seeded(16))

    for name in order:
        if name == "MainThread":
            draw(name)
        else:
            thread = threading.Thread(target=draw, args=(name,), name=name)
            thread.start()
            thread.join()
    return got


def test_a_threads_seeded_bytes_do_not_depend_on_other_threads() -> None:
    one = draws_in(SeededBytes(), ["jq-list", "jq-detail-0", "MainThread", "jq-detail-0"])
    other = draws_in(SeededBytes(), ["jq-detail-0", "jq-detail-0", "jq-list", "MainThread"])
    assert one == other
    assert len({b for values in one.values() for b in values}) == 4  # still four different ids
    assert one["MainThread"] == [SeededBytes()(16)]  # the main thread's stream is the one recorded before


def sync_twice(home: Path) -> Tuple[str, Dict[str, object]]:
    """The golden scenario's three syncs, then one that fetches every missing detail and stats at once."""
    clock = VirtualTime(home, time.sleep, time.monotonic)
    s = Scenario(home, clock)
    s.run("login", "auth", "login", "--username", "13800000000", "--password-stdin", stdin="jqcli-demo\n")
    store = str(home / "store.jsonl")
    common = ("community", "archive", "--phase", "sync", "--store", store)
    s.run("list", *common, "--max-pages", "2", "--page-size", "10", "--skip-detail", "--skip-backtest")
    s.run("details", *common, "--max-pages", "1", "--page-size", "5", "--max-detail", "5", "--skip-backtest",
          "--detail-workers", "1")  # fmt: skip
    s.run("rest", *common, "--max-pages", "1", "--page-size", "5", "--detail-workers", "1", "--backtest-workers", "1")
    for name, record in s.steps:
        assert record["exit_code"] == 0, (name, record)
    text = (home / "store.jsonl").read_text(encoding="utf-8")
    return text, {r["id"]: r.get("internal_post_id") for r in map(json.loads, text.splitlines())}


def test_two_identical_syncs_write_identical_store_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = []
    for name in ("first", "second"):
        home = tmp_path / name
        home.mkdir()
        clock = VirtualTime(home, time.sleep, time.monotonic)
        with monkeypatch.context() as patch:
            patch.setattr(time, "time", clock.time)
            patch.setattr(time, "monotonic", clock.monotonic)
            patch.setattr(time, "sleep", clock.sleep)
            patch.setattr(os, "urandom", SeededBytes())
            runs.append(sync_twice(home))
        clock.settle()
    (first, first_ids), (second, second_ids) = runs
    assert sum(1 for value in first_ids.values() if value) >= 10  # details were fetched
    assert first_ids == second_ids
    assert first == second
