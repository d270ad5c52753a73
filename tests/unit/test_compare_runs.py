"""``backtest compare``: the use case against a fake gateway, its JSON and its table."""

from __future__ import annotations

from typing import Dict

import pytest

from jqcli.application.compare_runs import CompareRuns, best_index
from jqcli.domain.backtest_detail import BacktestDetail
from jqcli.domain.compare import MetricChange
from jqcli.domain.curves import CurvePage, StatsPage
from jqcli.domain.errors import UsageError
from jqcli.entrypoints.commands.backtest_compare import comparison_output, comparison_table
from jqcli.entrypoints.render import render_result

BASE_CODE = "def initialize(context):\n    g.k = 5\n\n\ndef handle_data(context, data):\n    pass\n"
OTHER_CODE = BASE_CODE.replace("g.k = 5", "g.k = 8")


class Runs:
    """Two finished runs (A: capital 100000, B: 1000000) and one still running (C)."""

    def __init__(self) -> None:
        self.calls: list = []
        self.details: Dict[str, BacktestDetail] = {
            "A": BacktestDetail("A", "runA", "s1", "甲", "2024-01-02", "2024-03-29", 100000.0, "day"),
            "B": BacktestDetail("B", "runB", "s1", "甲", "2024-01-02", "2024-03-29", 1000000.0, "day"),
            "C": BacktestDetail("C", "runC", "s1", "甲", "2024-01-02", "2024-03-29", 100000.0, "day"),
        }
        self.stats_data = {
            "runA": {"annual_algo_return": 0.10, "sharpe": 1.0, "max_drawdown": 0.20, "beta": 0.9, "win_ratio": "0.5"},
            "runB": {"annual_algo_return": 0.12, "sharpe": 0.8, "max_drawdown": 0.10, "beta": 1.1, "win_ratio": 0.5},
            "runC": [],
        }
        self.code = {"runA": BASE_CODE, "runB": OTHER_CODE, "runC": BASE_CODE}

    def detail(self, backtest_id: str) -> BacktestDetail:
        self.calls.append(("detail", backtest_id))
        return self.details[backtest_id]

    def stats(self, backtest_id: str) -> StatsPage:
        self.calls.append(("stats", backtest_id))
        return StatsPage.of({"code": "00000", "data": self.stats_data[backtest_id]})

    def source(self, backtest_id: str) -> str:
        self.calls.append(("source", backtest_id))
        return self.code[backtest_id]

    def result(self, backtest_id: str, *, offset: int = 0, user_record_offset: int = 0) -> CurvePage:
        self.calls.append(("result", backtest_id))
        return CurvePage.of({"code": "00000", "data": {"state": "1", "result": None}})


def test_two_runs_with_different_capital_are_compared_metric_by_metric() -> None:
    runs = Runs()
    comparison = CompareRuns(runs).execute(["A", "B"])
    assert [c for c in runs.calls if c[0] == "result"] == []  # finished runs: detail, stats, source only
    assert len(runs.calls) == 6
    data = comparison_output(comparison)
    assert data["base"] == "A" and [r["capital"] for r in data["runs"]] == [100000.0, 1000000.0]
    assert data["settings_differ"] and data["settings_differences"] == [{"key": "capital", "values": [100000.0, 1e6]}]
    assert "初始资金" in data["warnings"][0]
    sharpe, drawdown, beta = (data["metrics"][k] for k in ("sharpe", "max_drawdown", "beta"))
    assert sharpe["direction"] == "higher" and sharpe["better"] == [None, False] and sharpe["best"] == "A"
    assert sharpe["change"][1] == pytest.approx(-0.2) and sharpe["relative"][1] == pytest.approx(-0.2)
    assert drawdown["better"] == [None, True] and drawdown["best"] == "B"
    assert beta["better"] == [None, None] and beta["best"] is None  # neither direction is better
    assert data["metrics"]["win_ratio"]["change"] == [0.0, 0.0]  # "0.5" and 0.5 are the same
    assert data["summary"]["B"] == {"better": 2, "worse": 1, "same": 1, "unknown": 0}
    (diff,) = data["source_diffs"]
    assert (
        not diff["same"]
        and "-    g.k = 5\n+    g.k = 8\n" in diff["diff"]
        and diff["diff"].startswith("--- A\n+++ B\n")
    )


def test_a_run_without_complete_stats_says_its_status_and_has_no_values() -> None:
    runs = Runs()
    data = comparison_output(CompareRuns(runs).execute(["A", "C"]))
    assert [r["status"] for r in data["runs"]] == ["done", "running"] and ("result", "runC") in runs.calls
    assert data["metrics"]["sharpe"]["values"] == [1.0, None] and data["metrics"]["sharpe"]["better"] == [None, None]
    assert not data["settings_differ"] and data["warnings"] == [] and data["source_diffs"][0]["same"]
    assert data["summary"]["C"]["unknown"] == 4


@pytest.mark.parametrize("ids", [["A"], ["A", " "], []])
def test_fewer_than_two_ids_is_a_usage_error(ids) -> None:
    with pytest.raises(UsageError):
        CompareRuns(Runs()).execute(ids)


def test_best_index_needs_a_direction_and_no_tie() -> None:
    def change(direction: str, *values: float) -> MetricChange:
        return MetricChange("m", direction, tuple(values), (), (), ())

    assert best_index(change("higher", 1.0, 3.0, 2.0)) == 1
    assert best_index(change("lower", 1.0, 3.0, 0.5)) == 2
    assert best_index(change("higher", 3.0, 3.0)) is None
    assert best_index(change("neutral", 1.0, 2.0)) is None


def test_the_table_shows_settings_side_by_side_the_warning_each_change_and_the_diff() -> None:
    data = comparison_output(CompareRuns(Runs()).execute(["A", "B"]))
    text = render_result(comparison_table(data, 120), "table", width=120)
    assert "初始资金 ≠" in text and "100000.0" in text and "1000000.0" in text
    assert "警告: 回测设置不同(初始资金)" in text
    sharpe_line = next(line for line in text.splitlines() if line.startswith("sharpe"))
    assert "0.8 (-0.2, -20.0%) 更差" in sharpe_line and "越高越好" in sharpe_line
    assert "+    g.k = 8" in text and "B 相对基准: 更好 2 项, 更差 1 项" in text
