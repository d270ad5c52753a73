"""The demo strategy and typical community strategies run to the end and trade."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sandbox.engine.conftest import STRATEGIES

DEMO = Path(__file__).resolve().parents[3] / "entrypoints" / "data" / "demo_strategy.py"
COMMUNITY = ["small_cap_rotation", "etf_momentum", "dual_ma", "rsi_timing", "grid"]


def test_the_demo_strategy_trades_and_its_metrics_come_from_its_trades(run) -> None:
    r = run(DEMO.read_text(encoding="utf-8"), "2024-01-02", "2024-03-29", dedent=False)
    assert r.result["status"] == "done", r.result["error"]
    assert r.filled and all(t["security"] == "510300.XSHG" for t in r.filled)
    assert [t for t in r.trades if not t["amount"]] == []  # it only orders what it can pay for
    assert r.of("record") and set(r.of("record")[0]["values"]) == {"fast", "slow"}
    # The final value is the cash plus the holdings at the last close, and the return is that over the capital.
    last = r.days[-1]
    held = sum(row["value"] for row in r.positions(last["date"]) if row["security"])
    assert abs(last["total_value"] - (last["cash"] + held)) < 1e-3
    assert abs(r.stats["algorithm_return"] - (last["total_value"] / 1e6 - 1)) < 1e-9


@pytest.mark.parametrize("name", COMMUNITY)
def test_community_strategies_run_to_the_end_with_trades(run, name) -> None:
    code = (STRATEGIES / f"{name}.py").read_text(encoding="utf-8")
    r = run(code, "2022-01-04", "2022-12-30", dedent=False)
    assert r.result["status"] == "done", r.result["error"]
    assert r.result["days_done"] == len(r.days) == r.stats["trading_days"]
    assert len(r.filled) >= 2
    assert {t["transaction"] for t in r.filled} == {"买", "卖"}
    assert r.stats["algorithm_return"] != 0.0


def test_the_grid_strategy_runs_on_minute_bars(run) -> None:
    code = (STRATEGIES / "grid.py").read_text(encoding="utf-8").replace("g.grid = 0.03", "g.grid = 0.01")
    r = run(code, "2022-03-01", "2022-04-29", dedent=False, frequency="minute")
    assert r.result["status"] == "done", r.result["error"]
    assert r.filled
    assert {t["time"] for t in r.filled} <= {"10:30:00", "14:00:00"}
