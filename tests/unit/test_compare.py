"""Comparing runs' metrics and settings."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from jqcli.domain.compare import (
    DIRECTIONS,
    HIGHER,
    LOWER,
    compare_metrics,
    number,
    settings_differences,
    source_diff,
)

PROTOCOL = Path(__file__).resolve().parents[3] / "shared" / "spec" / "protocol.md"


def by_key(changes):
    return {c.key: c for c in changes}


def test_every_stats_key_of_the_protocol_has_a_direction() -> None:
    assert "max_drawdown_period" not in DIRECTIONS  # a date range, not a metric
    if PROTOCOL.exists():  # the shared folder sits beside the checkout in development
        section = PROTOCOL.read_text(encoding="utf-8").split("### 2.12", 1)[1].split("### 2.13", 1)[0]
        keys = set(re.findall(r"`([a-z_]+)`", section.split("* Verified sample", 1)[0]))
        keys -= {"data", "max_drawdown_period", "excess_return_max_drawdown_period", "period_label"}
        assert len(keys) > 20 and keys <= set(DIRECTIONS), keys - set(DIRECTIONS)


def test_higher_and_lower_is_better_and_neutral_metrics_name_no_winner() -> None:
    runs = [
        {"sharpe": 1.0, "max_drawdown": 0.2, "beta": 0.9, "avg_excess_return": "0.10%"},
        {"sharpe": "1.5", "max_drawdown": 0.1, "beta": 1.1, "avg_excess_return": "0.05%"},
    ]
    changes = by_key(compare_metrics(runs))
    assert changes["sharpe"].better == (None, True) and changes["sharpe"].changes == (0.0, 0.5)
    assert changes["sharpe"].relative == (0.0, 0.5)
    assert changes["max_drawdown"].better == (None, True)
    assert changes["beta"].better == (None, None)
    assert changes["avg_excess_return"].values == (0.001, 0.0005) and changes["avg_excess_return"].better[1] is False


def test_unknown_values_give_no_change() -> None:
    changes = by_key(compare_metrics([{"sharpe": None}, {"sharpe": 2.0}, {}]))
    assert changes["sharpe"].changes == (None, None, None)


def test_settings_that_differ_are_listed() -> None:
    found = settings_differences(
        [
            {"start_date": "2024-01-02", "capital": 100000, "frequency": "day"},
            {"start_date": "2024-01-02", "capital": "100000", "frequency": "minute"},
        ]  # fmt: skip
    )
    assert [(d.key, d.values) for d in found] == [("frequency", ("day", "minute"))]


def test_source_diff_is_unified_and_empty_for_same_code() -> None:
    assert source_diff("a\nb\n", "a\nb\n", base_name="A", other_name="B") == ""
    diff = source_diff("a\nb", "a\nc", base_name="A", other_name="B")
    assert diff.splitlines()[:2] == ["--- A", "+++ B"] and "-b" in diff and "+c" in diff


@given(st.lists(st.floats(-10, 10), min_size=2, max_size=4))
def test_a_run_is_never_better_and_worse_than_the_base_at_once(values) -> None:
    for key, direction in (("sharpe", HIGHER), ("max_drawdown", LOWER)):
        change = by_key(compare_metrics([{key: v} for v in values]))[key]
        for value, better in zip(values, change.better):
            if better is not None:
                assert better == ((value > values[0]) == (direction == HIGHER))


def test_number_reads_the_site_leniently() -> None:
    assert [number(v) for v in (1, "2.5", "0.11%", "1,200", "x", None, True, float("nan"))] == [
        1.0, 2.5, 0.0011, 1200.0, None, None, None, None,
    ]  # fmt: skip
