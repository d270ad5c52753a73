"""The metric formulas, and the run's stats agreeing with its own daily curve."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

from jqcli.adapters.sandbox.site.engine import stats as S
from tests.sandbox.engine.conftest import STRATEGIES


def days(n: int):
    return [date(2024, 1, 1) + timedelta(days=i) for i in range(n)]


def test_drawdown_counts_the_capital_as_the_first_peak() -> None:
    dd, peak, trough = S.drawdown([1.1, 0.99, 1.2, 0.9, 1.0], days(5))
    assert abs(dd - 0.25) < 1e-12 and (peak, trough) == ("2024-01-03", "2024-01-04")
    assert S.drawdown([0.9, 1.0], days(2))[0] == 0.1 or abs(S.drawdown([0.9, 1.0], days(2))[0] - 0.1) < 1e-12
    assert S.drawdown([1.0, 1.1, 1.2], days(3))[0] == 0.0


def test_core_metrics_follow_the_standard_formulas() -> None:
    rng = np.random.default_rng(7)
    a = list(rng.normal(0.001, 0.02, 300))
    b = list(rng.normal(0.0005, 0.015, 300))
    got = S.core(a, b)
    total = float(np.prod(1 + np.array(a)) - 1)
    ann = (1 + total) ** (250 / 300) - 1
    vol = float(np.std(a, ddof=1) * math.sqrt(250))
    beta = float(np.cov(a, b, ddof=1)[0, 1] / np.var(b, ddof=1))
    ann_b = (float(np.prod(1 + np.array(b))) ** (250 / 300)) - 1
    mean = np.mean(a)
    downside = math.sqrt(250 / 300 * sum((x - mean) ** 2 for x in a if x < mean))
    tracking = float(np.std(np.array(a) - np.array(b), ddof=1) * math.sqrt(250))
    assert abs(got["algorithm_return"] - total) < 1e-12
    assert abs(got["annual_algo_return"] - ann) < 1e-12
    assert abs(got["algorithm_volatility"] - vol) < 1e-12
    assert abs(got["beta"] - beta) < 1e-9
    assert abs(got["alpha"] - (ann - (0.04 + beta * (ann_b - 0.04)))) < 1e-9
    assert abs(got["sharpe"] - (ann - 0.04) / vol) < 1e-9
    assert abs(got["sortino"] - (ann - 0.04) / downside) < 1e-9
    assert abs(got["information"] - (ann - ann_b) / tracking) < 1e-9


def test_identical_series_have_beta_one_and_alpha_zero() -> None:
    a = [0.01, -0.02, 0.015, 0.003]
    got = S.core(a, a)
    assert abs(got["beta"] - 1) < 1e-12 and abs(got["alpha"]) < 1e-12 and got["information"] == 0.0


def test_trade_metrics_from_closed_trades() -> None:
    closed = [
        {"gains": 100.0, "basis": 1000.0, "days": 3.0, "amount": 100.0},
        {"gains": -50.0, "basis": 500.0, "days": 1.0, "amount": 100.0},
        {"gains": 30.0, "basis": 300.0, "days": 2.0, "amount": 100.0},
    ]
    out = S.summary(days(3), [1010.0, 1000.0, 1020.0], 1000.0, [10.0, 10.1, 10.2], 10.0, closed, 6000.0)
    assert out["win_count"] == 2 and out["lose_count"] == 1
    assert abs(out["win_ratio"] - 2 / 3) < 1e-12
    assert abs(out["profit_loss_ratio"] - 130 / 50) < 1e-12
    assert abs(out["avg_trade_return"] - (0.1 - 0.1 + 0.1) / 3) < 1e-12
    assert out["avg_position_days"] == 2.0
    assert abs(out["turnover_rate"] - (6000 / 2 / 3) / (3030 / 3)) < 1e-12
    assert out["day_win_ratio"] == 2 / 3  # days 1 and 3 beat the benchmark
    assert out["excess_return_max_drawdown"].endswith("%") and isinstance(out["excess_return_sharpe"], str)
    assert abs(out["excess_return"] - (1.02 / 1.02 - 1)) < 1e-12


def test_risk_windows_are_monthly_with_na_for_windows_longer_than_the_run() -> None:
    d = [
        date(2024, 1, 1) + timedelta(days=i)
        for i in range(0, 120, 1)
        if (date(2024, 1, 1) + timedelta(days=i)).weekday() < 5
    ]
    values = [1000.0 * (1 + 0.001 * i) for i in range(len(d))]
    bench = [10.0 * (1 + 0.0005 * i) for i in range(len(d))]
    risk = S.risk(d, values, 1000.0, bench, 10.0)
    rows = risk["algorithmPeriodReturn"]
    assert [r["date"] for r in rows] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert rows[0]["3month"] == "N/A" and rows[2]["3month"] != "N/A" and rows[3]["6month"] == "N/A"
    jan = [x for x in d if x.month == 1]
    assert abs(rows[0]["1month"] - (values[len(jan) - 1] / 1000.0 - 1)) < 1e-12
    assert set(risk) == {
        "algorithmPeriodReturn", "benchmarkPeriodReturn", "alpha", "beta", "sharp", "sortino", "information",
        "algovolatility", "benchmarkvolatility", "maxdrawdown",
    }  # fmt: skip


STATS_KEYS = {
    "trading_days", "algorithm_return", "benchmark_return", "excess_return", "annual_algo_return", "annual_bm_return",
    "alpha", "beta", "sharpe", "sortino", "information", "algorithm_volatility", "benchmark_volatility", "max_drawdown",
    "max_drawdown_period", "excess_return_sharpe", "avg_excess_return", "excess_return_max_drawdown",
    "excess_return_max_drawdown_period", "win_ratio", "day_win_ratio", "profit_loss_ratio", "win_count", "lose_count",
    "avg_trade_return", "avg_position_days", "turnover_rate", "report_done_seconds", "report_done_cpu_seconds",
}  # fmt: skip


def test_a_runs_stats_have_every_key_and_agree_with_its_daily_curve(run) -> None:
    r = run((STRATEGIES / "etf_momentum.py").read_text(encoding="utf-8"), "2022-01-04", "2022-12-30", dedent=False)
    st = r.stats
    assert set(st) >= STATS_KEYS
    values = np.array([d["total_value"] for d in r.days])
    rets = np.diff(np.concatenate([[1e6], values])) / np.concatenate([[1e6], values[:-1]])
    assert abs(st["algorithm_volatility"] - np.std(rets, ddof=1) * math.sqrt(250)) < 1e-6
    nav = values / 1e6
    peak = np.maximum.accumulate(np.concatenate([[1.0], nav]))[1:]
    assert abs(st["max_drawdown"] - (1 - nav / peak).max()) < 1e-6
    assert st["trading_days"] == len(r.days)
    sells = [t for t in r.filled if t["transaction"] == "卖"]
    assert st["win_count"] + st["lose_count"] == len(sells)
    assert st["win_count"] == sum(1 for t in sells if t["gains"] > 0)
    assert isinstance(r.result["risk"]["alpha"], list) and r.result["risk"]["alpha"][-1]["12month"] != "N/A"
