"""The site serving the real engine's numbers (issue 12 items 4 and 8), properties not snapshots.

Replaces the hash-based checks: stats keys and types (protocol.md §2.12, A.6), the curves' last point equals
``algorithm_return`` (§2.13: percent ↔ ratio), the history list's metric cells agree with stats (§2.9),
determinism, a never-trading strategy, a memory hog, and that a compile run (§2.8, type 1) executes too.
"""

from __future__ import annotations

import base64
import re

import pytest

from tests.sandbox.conftest import XHR, Client, settle

STATS_KEYS = (
    "trading_days", "algorithm_return", "benchmark_return", "excess_return", "annual_algo_return",
    "annual_bm_return", "alpha", "beta", "sharpe", "sortino", "information", "algorithm_volatility",
    "benchmark_volatility", "max_drawdown", "max_drawdown_period", "excess_return_sharpe", "avg_excess_return",
    "excess_return_max_drawdown", "excess_return_max_drawdown_period", "win_ratio", "day_win_ratio",
    "profit_loss_ratio", "win_count", "lose_count", "avg_trade_return", "avg_position_days", "turnover_rate",
    "report_done_seconds", "report_done_cpu_seconds",
)  # fmt: skip
TIMING = {"report_done_seconds", "report_done_cpu_seconds"}
IDLE = "def initialize(context):\n    set_benchmark('000300.XSHG')\n"
HOG = "def initialize(context):\n    g.keep = []\n\n\ndef handle_data(context, data):\n    g.keep.append(b'x' * 9**9)\n"


@pytest.fixture
def real(make_app, clock):
    def make(**overrides) -> Client:
        c = Client(make_app(f"real{len(overrides)}.sqlite3", engine_command=None, **overrides))
        c.login()
        return c

    return make


def _run(c: Client, clock, code=None, name: str = "多因子选股", **kw) -> str:
    if code is not None:
        form = c.editor_form(c.edit_id(name))
        form.update({"algorithm[code]": base64.b64encode(code.encode()).decode(), "encrType": "base64"})
        assert c.post("/algorithm/index/save", form, headers=XHR).json["code"] == "00000"
    built = c.build(c.edit_id(name), **kw)
    assert built.json["code"] == "00000", built.text
    settle(c.app)
    clock.advance(10)
    return built.json["data"]["backtestId"]


def _stats(c: Client, run_id: str) -> dict:
    return c.get(f"/algorithm/backtest/stats?backtestId={run_id}").json["data"]


def test_stats_carry_every_key_with_the_sites_types_and_agree_with_curves_and_list(real, clock) -> None:
    c = real()
    run_id = _run(c, clock)
    stats = _stats(c, run_id)
    assert set(STATS_KEYS) <= set(stats)
    assert isinstance(stats["trading_days"], int) and stats["trading_days"] == 64
    for key in ("algorithm_return", "annual_algo_return", "sharpe", "max_drawdown", "alpha", "beta"):
        assert isinstance(stats[key], float), key
    assert isinstance(stats["excess_return_sharpe"], str) and float(stats["excess_return_sharpe"]) == float(
        stats["excess_return_sharpe"]
    )
    assert re.fullmatch(r"-?\d+\.\d\d%", stats["avg_excess_return"])
    assert re.fullmatch(r"\d+\.\d\d%", stats["excess_return_max_drawdown"])
    assert len(stats["max_drawdown_period"]) == 2 and 0 <= stats["max_drawdown"] < 1
    curve = c.get(f"/algorithm/backtest/result?backtestId={run_id}").json["data"]["result"]
    assert int(curve["count"]) == 64
    assert round(stats["algorithm_return"] * 100, 2) == round(curve["overallReturn"]["value"][-1], 2)
    assert round(stats["benchmark_return"] * 100, 2) == round(curve["benchmark"]["value"][-1], 2)
    dom = c.get(f"/algorithm/backtest/list?algorithmId={c.edit_id('多因子选股')}").dom
    for _ in range(2):  # the list lags one read behind completion
        row = dom.find("tr", cls="backtest-tr")
        dom = c.get(f"/algorithm/backtest/list?algorithmId={c.edit_id('多因子选股')}").dom
    cells = [cell.text for cell in row.cells()[8:11]]
    keys = ("algorithm_return", "benchmark_return", "max_drawdown")
    assert cells == [f"{stats[k] * 100:.2f}%" for k in keys]


def test_the_same_run_twice_is_identical_and_a_never_trading_strategy_earns_nothing(real, clock) -> None:
    c = real()
    first, second = _run(c, clock, IDLE), _run(c, clock, IDLE)
    a, b = _stats(c, first), _stats(c, second)
    assert {k: v for k, v in a.items() if k not in TIMING} == {k: v for k, v in b.items() if k not in TIMING}
    assert a["algorithm_return"] == 0 and a["max_drawdown"] == 0 and a["benchmark_return"] != 0
    trades = c.get(f"/algorithm/backtest/transactionInfo?backtestId={first}").json["data"]
    assert trades["transaction"] == [] and trades["max"] is False
    cash = c.get(f"/algorithm/backtest/positionInfo?backtestId={first}").json["data"]["position"]
    assert cash and all(row["stock"] == '<span class="label label-cash">Cash</span>' for row in cash)


def test_a_memory_hog_ends_failed_cleanly(real, clock) -> None:
    c = real(run_memory_mb=700)
    run_id = _run(c, clock, HOG)
    error = c.get(f"/algorithm/backtest/error?backtestId={run_id}").json["data"]
    assert error["state"] == "3" and any("MemoryError" in line or "内存" in line for line in error["logArr"])
    assert _stats(c, run_id) == []


def test_a_compile_run_executes_the_strategy_too(real, clock) -> None:
    c = real()
    run_id = _run(c, clock, btype="1")
    data = c.get(f"/algorithm/backtest/result?backtestId={run_id}").json["data"]
    assert data["state"] == "2" and int(data["result"]["count"]) == 64
    assert c.get(f"/algorithm/backtest/log?backtestId={run_id}&offset=0").json["data"]["logArr"]
