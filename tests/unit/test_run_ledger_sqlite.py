"""The SQLite run ledger: durable, scoped, and a corrupt file is moved aside, never a traceback."""

from __future__ import annotations

import os
import stat

import attrs
import pytest

from jqcli.adapters.runledger import SqliteRunLedger, default_ledger_path
from jqcli.domain.errors import FileError
from jqcli.domain.ledger import LedgerEntry, RunSettings

SETTINGS = RunSettings(mode="backtest", start="2024-01-02", end="2024-03-29", capital=100000.0, frequency="day")


def entry(**changes) -> LedgerEntry:
    base = dict(key=0, submitted_at=1000.0, strategy_id="s1", strategy_name="均线", settings=SETTINGS,
                code_hash="h1", outcome="sending")  # fmt: skip
    base.update(changes)
    return LedgerEntry(**base)


def ledger(path, warnings=None, site="https://www.joinquant.com", account="u") -> SqliteRunLedger:
    return SqliteRunLedger(
        str(path), site=site, account=account, warn=(warnings if warnings is not None else []).append
    )


def test_entries_survive_a_new_process_and_keep_every_field(tmp_path) -> None:
    path = default_ledger_path(str(tmp_path / "data"))
    first = ledger(path)
    stored = first.add(entry())
    first.save(attrs.evolve(stored, outcome="submitted", backtest_id="555", list_id="l" * 32, status="done",
                            run_id="r1", metrics=(("sharpe", 1.5), ("note", "中文")), file="/tmp/a.py"))  # fmt: skip
    # no close(): each write is its own committed transaction
    (read,) = ledger(path).entries()
    assert read.key == stored.key and read.backtest_id == "555" and read.settings == SETTINGS
    assert dict(read.metrics) == {"sharpe": 1.5, "note": "中文"} and read.file == "/tmp/a.py"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_sites_and_accounts_do_not_see_each_other(tmp_path) -> None:
    path = tmp_path / "runs.sqlite3"
    ledger(path).add(entry())
    assert ledger(path, site="sandbox:/x").entries() == []
    assert ledger(path, account="other").entries() == []
    assert len(ledger(path).entries()) == 1


def test_filters_and_same_runs(tmp_path) -> None:
    store = ledger(tmp_path / "runs.sqlite3")
    a = store.add(entry(submitted_at=1000.0, status="done"))
    store.add(entry(submitted_at=2000.0, strategy_name="别的", strategy_id="s2", status="running"))
    store.add(entry(submitted_at=3000.0, settings=attrs.evolve(SETTINGS, capital=None), status="done"))
    assert [e.submitted_at for e in store.entries()] == [3000.0, 2000.0, 1000.0]
    assert [e.key for e in store.entries(strategy="s2")] == [2]
    assert [e.submitted_at for e in store.entries(status="done", since=1500.0)] == [3000.0]
    assert [e.submitted_at for e in store.entries(until=2000.0)] == [1000.0]
    assert len(store.entries(limit=1)) == 1
    assert [e.key for e in store.same_runs("h1", SETTINGS)] == [2, a.key]
    assert [e.submitted_at for e in store.same_runs("h1", attrs.evolve(SETTINGS, capital=None))] == [3000.0]
    store.remove(a.key)
    assert a.key not in [e.key for e in store.entries()]


@pytest.mark.parametrize("garbage", [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 5000])
def test_a_corrupt_ledger_is_moved_aside_with_a_warning(tmp_path, garbage) -> None:
    path = tmp_path / "runs.sqlite3"
    path.write_bytes(garbage)
    warnings: list = []
    store = ledger(path, warnings)
    assert store.entries() == []
    store.add(entry())
    assert len(warnings) == 1 and "已损坏" in warnings[0]
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("runs.sqlite3.corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    assert len(ledger(path).entries()) == 1


def test_a_ledger_that_cannot_be_opened_is_a_file_error(tmp_path) -> None:
    path = tmp_path / "runs.sqlite3"
    path.mkdir()  # a directory where the file should be
    with pytest.raises(FileError) as caught:
        ledger(path).entries()
    assert caught.value.details["path"] == str(path)
