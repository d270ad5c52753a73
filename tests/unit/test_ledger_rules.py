"""The run ledger's rules: same-run identity, reconciling a build whose answer was lost (protocol.md §9.4)."""

from __future__ import annotations

import calendar

import attrs

from jqcli.domain.backtest import BacktestRow
from jqcli.domain.ledger import LedgerEntry, RunSettings, beijing_time, code_hash, reconcile_candidates, reusable

SETTINGS = RunSettings(mode="backtest", start="2024-01-02", end="2024-06-28", capital=100000.0, frequency="day")
# 2026-12-01 10:00:00 in Beijing
SUBMITTED = calendar.timegm((2026, 12, 1, 2, 0, 0)) + 0.0


def entry(**changes) -> LedgerEntry:
    base = dict(key=1, submitted_at=SUBMITTED, strategy_id="s1", strategy_name="策略", settings=SETTINGS,
                code_hash=code_hash("x = 1\n"), outcome="unknown")  # fmt: skip
    base.update(changes)
    return LedgerEntry(**base)


def row(**changes) -> BacktestRow:
    base = dict(id="d", list_id="l", name="策略", start_date="2024-01-02", end_date="2024-06-28", capital=100000.0,
                frequency="每天", submitted_at="2026-12-01 10:00:05")  # fmt: skip
    base.update(changes)
    return BacktestRow(**base)


def test_submit_times_are_read_in_beijing_time() -> None:
    assert beijing_time(SUBMITTED) == "2026-12-01 10:00:00"


def test_only_rows_with_the_same_settings_submitted_after_the_attempt_are_candidates() -> None:
    rows = [
        row(list_id="match"),
        row(list_id="early", submitted_at="2026-12-01 09:50:00"),
        row(list_id="skew", submitted_at="2026-12-01 09:59:00"),  # within the allowed clock skew
        row(list_id="capital", capital=200000.0),
        row(list_id="range", end_date="2024-06-27"),
        row(list_id="minute", frequency="分钟"),
        row(list_id="name", name="别的策略"),
        row(list_id="no time", submitted_at=""),
    ]
    assert [r.list_id for r in reconcile_candidates(entry(), rows)] == ["match", "skew", "no time"]


def test_a_finished_run_with_the_same_code_and_settings_is_reused() -> None:
    done = entry(key=2, status="done", backtest_id="b2", submitted_at=SUBMITTED + 10)
    older = entry(key=1, status="done", backtest_id="b1")
    other_code = entry(
        key=3, status="done", backtest_id="b3", code_hash=code_hash("x = 2\n"), submitted_at=SUBMITTED + 20
    )
    failed = entry(key=4, status="failed", backtest_id="b4", submitted_at=SUBMITTED + 30)
    assert reusable([older, done, other_code, failed], entry()) == done
    assert reusable([other_code, failed], entry()) is None
    # strategy ids are re-minted per response: the same code and settings in a fresh id still match
    assert reusable([done], entry(strategy_id="rotated")) == done
    assert reusable([done], entry(settings=attrs.evolve(SETTINGS, capital=1.0))) is None


def test_code_hash_is_the_sha256_of_the_utf8_bytes() -> None:
    assert code_hash("a") == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
