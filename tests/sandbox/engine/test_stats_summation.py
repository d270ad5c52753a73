"""The engine's float sums are plain left-to-right sums, the same on every Python and numpy.

The summary metrics of ``/algorithm/backtest/stats`` (protocol.md §2.12: ``algorithm_volatility``,
``benchmark_volatility``, ``sharpe``, ``sortino``, ``information``, ...) and the monthly windows of
``/algorithm/backtest/risk`` (protocol.md §3.1) are sums over the daily returns.  Python's built-in
``sum()`` of floats is compensated (Neumaier) from Python 3.12 on, so the golden backtest output of
Python 3.11 and 3.13 differed in the last digits (whatever the numpy version: 3.13 with numpy 2.4.6
and with 2.5.5 gave the same bytes).  ``math.fsum`` and numpy's pairwise ``np.sum`` round
differently again.  These inputs are crafted so that all of them give different floats: a test here
fails if a metric goes back to any of them.
"""

from __future__ import annotations

import builtins
import math
from datetime import date, datetime, timedelta
from typing import Any, Iterable, List

import numpy as np
import pytest

from jqcli.adapters.sandbox.site.engine import broker as B
from jqcli.adapters.sandbox.site.engine import stats as S

# sequential: 0.0; compensated sum() (3.12+) and math.fsum: 1.0
CANCELLING = [1e16, 1.0, -1e16]
# 24 daily returns whose mean and volatility differ between sequential, compensated and pairwise sums
RETURNS = [0.01 * (((i * 2) % 11) - 5) + 0.001 * (i % 3) for i in range(24)]
BENCH = [0.01 * (((i * 7) % 11) - 5) + 0.001 * (i % 3) for i in range(24)]


def sequential(xs: Iterable[float]) -> float:
    """The reference: what the metrics are defined with (Python 3.9-3.11's ``sum()`` of floats)."""
    total = 0.0
    for x in xs:
        total += x
    return total


def neumaier(xs: Iterable[float]) -> float:
    """Python 3.12+'s ``sum()`` of floats (compensated), written out so that every Python checks it."""
    total = compensation = 0.0
    for x in xs:
        t = total + x
        compensation += (total - t) + x if abs(total) >= abs(x) else (x - t) + total
        total = t
    return total + compensation


def pairwise(xs: Iterable[float]) -> float:
    return float(np.sum(np.array(list(xs), dtype=float)))


def reference_volatility(r: List[float]) -> float:
    m = sequential(r) / len(r)
    return math.sqrt(sequential((x - m) ** 2 for x in r) / (len(r) - 1) * S.YEAR)


def volatility_with(add: Any, r: List[float]) -> float:
    m = add(r) / len(r)
    return math.sqrt(add([(x - m) ** 2 for x in r]) / (len(r) - 1) * S.YEAR)


def test_the_crafted_inputs_tell_the_summation_orders_apart() -> None:
    """Guards the tests below: on these inputs every other summation gives another float."""
    assert sequential(CANCELLING) == 0.0 and math.fsum(CANCELLING) == neumaier(CANCELLING) == 1.0
    for add in (neumaier, math.fsum, pairwise):
        assert volatility_with(add, RETURNS) != reference_volatility(RETURNS), add


def test_seq_sum_adds_left_to_right() -> None:
    assert S.seq_sum(CANCELLING) == 0.0
    assert S.seq_sum(iter(RETURNS)) == sequential(RETURNS)  # any iterable, once
    assert S.seq_sum([]) == 0.0 and isinstance(S.seq_sum([]), float)
    assert S.seq_sum([-0.0]) == 0.0 and math.copysign(1.0, S.seq_sum([-0.0])) == 1.0  # as sum() gives


def test_the_volatilities_are_the_sequential_formula_bit_for_bit() -> None:
    got = S.core(RETURNS, BENCH)
    assert got["algorithm_volatility"] == reference_volatility(RETURNS)
    assert got["benchmark_volatility"] == reference_volatility(BENCH)
    diff = [a - b for a, b in zip(RETURNS, BENCH)]
    assert got["information"] == (got["annual_algo_return"] - got["annual_bm_return"]) / reference_volatility(diff)


def test_the_risk_windows_use_the_same_sums() -> None:
    """§3.1: the 1-month window over a run of one month is the whole run's metrics."""
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(len(RETURNS))]
    values, v = [], 1e6
    for r in RETURNS:
        v *= 1 + r
        values.append(v)
    risk = S.risk(days, values, 1e6, [1.0] * len(days), 1.0)
    want = reference_volatility(S.returns_of(values, 1e6))
    assert risk["algovolatility"][0]["1month"] == want
    assert S.summary(days, values, 1e6, [1.0] * len(days), 1.0, [], 0.0)["algorithm_volatility"] == want


def test_positions_value_adds_the_positions_in_order() -> None:
    portfolio = B.Portfolio(1e6)
    for i, value in enumerate(CANCELLING):
        position = B.Position(f"00000{i}.XSHE", datetime(2024, 1, 2))
        position.total_amount, position.price = 1, value
        portfolio.positions[position.security] = position
    assert portfolio.positions_value == 0.0
    assert portfolio.total_value == 1e6


class NoFloatSum:
    """``sum`` for the engine's modules that refuses floats (ints, e.g. day counts, are exact anyway)."""

    def __call__(self, items: Iterable[Any], start: Any = 0) -> Any:
        items = list(items)
        if any(isinstance(x, float) for x in items) or isinstance(start, float):
            raise AssertionError("a float sum() in the engine: use stats.seq_sum (sum() is compensated on 3.12+)")
        return builtins.sum(items, start)


@pytest.mark.parametrize("module", [S, B])
def test_no_engine_metric_uses_the_builtin_sum_of_floats(module: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "sum", NoFloatSum(), raising=False)
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(len(RETURNS))]
    values = [1e6 * (1 + r) for r in RETURNS]
    bench = [100 * (1 + b) for b in BENCH]
    closed = [{"gains": 5.5, "basis": 100.0, "days": 3}, {"gains": -2.25, "basis": 50.0, "days": 1}]
    assert S.summary(days, values, 1e6, bench, 100.0, closed, 1234.5)["trading_days"] == len(days)
    assert S.risk(days, values, 1e6, bench, 100.0)["sharp"]
    portfolio = B.Portfolio(1e6)
    for i in range(3):
        position = B.Position(f"00000{i}.XSHE", datetime(2024, 1, 2))
        position.total_amount, position.price = 100, 1.5 + i
        portfolio.positions[position.security] = position
    assert portfolio.total_value == 1e6 + 100 * (1.5 + 2.5 + 3.5)
