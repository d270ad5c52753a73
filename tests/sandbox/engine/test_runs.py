"""Whole runs: the properties a real engine has (issue 12 item 8)."""

from __future__ import annotations

import json

from tests.sandbox.engine.conftest import STRATEGIES

NEVER = """
def initialize(context):
    set_benchmark("000300.XSHG")

def handle_data(context, data):
    pass
"""

HOLD_ETF = """
def initialize(context):
    set_benchmark("000300.XSHG")
    set_slippage(FixedSlippage(0))
    g.done = False

def handle_data(context, data):
    if not g.done:
        order_value("510300.XSHG", context.portfolio.available_cash * 0.99)
        g.done = True
"""

NAME_ERROR_ON_DAY_4 = """
def initialize(context):
    g.n = 0
    run_daily(step, time="open")

def step(context):
    g.n += 1
    log.info("day %d" % g.n)
    if g.n == 4:
        undefined_helper(context)
"""


def test_a_strategy_that_never_trades_returns_zero_with_no_drawdown(run) -> None:
    r = run(NEVER, "2023-01-03", "2023-06-30")
    assert r.result["status"] == "done"
    assert r.stats["algorithm_return"] == 0.0
    assert r.stats["max_drawdown"] == 0.0
    assert r.stats["trading_days"] == len(r.days) == r.result["days_done"] > 100
    assert all(d["returns"] == 0.0 and d["total_value"] == 1000000.0 for d in r.days)
    assert r.stats["benchmark_return"] != 0.0  # the benchmark moves on its own
    assert r.trades == []


def test_holding_the_benchmark_etf_tracks_the_benchmark_within_costs(run) -> None:
    r = run(HOLD_ETF, "2022-01-04", "2023-12-29")
    assert r.result["status"] == "done"
    buy = r.filled[0]
    assert buy["security"] == "510300.XSHG" and len(r.filled) == 1
    first = r.days[0]
    # Bought at the first open: the ETF's path from that open onwards is the index's, up to 0.001 rounding.
    from datetime import date

    from jqcli.adapters.sandbox.site.engine.runner import market_for

    market, row = market_for([date.fromisoformat(d["date"]) for d in r.days])
    etf = market.col["510300.XSHG"]
    open_gap = market.bars["open"][row, etf] / market.bars["pre_close"][row, etf]
    algo, bench = 1 + r.stats["algorithm_return"], 1 + r.stats["benchmark_return"]
    invested = buy["total"] / 1000000.0
    expected = 1 - invested + invested * bench / open_gap - buy["commission"] / 1000000.0
    assert abs(algo - expected) < 2e-3, (algo, expected)
    daily_a = [d["returns"] for d in r.days]
    daily_b = [d["benchmark"] for d in r.days]
    assert first["date"] == buy["date"]
    moves = [(a2 - a1, b2 - b1) for a1, a2, b1, b2 in zip(daily_a, daily_a[1:], daily_b, daily_b[1:])]
    assert sum(1 for a, b in moves if (a > 0) == (b > 0) or abs(b) < 0.01) / len(moves) > 0.97


def test_a_comment_or_blank_line_at_the_end_changes_no_number(run) -> None:
    code = (STRATEGIES / "dual_ma.py").read_text(encoding="utf-8")
    a = run(code, "2023-01-03", "2023-04-28", dedent=False)
    b = run(code + "\n\n# 注释：不影响回测\n", "2023-01-03", "2023-04-28", dedent=False)
    assert a.raw_events == b.raw_events
    assert _without_timing(a.result) == _without_timing(b.result)


def test_lines_added_at_the_top_change_only_the_error_line_numbers(run) -> None:
    a = run(NAME_ERROR_ON_DAY_4, "2024-01-02", "2024-01-31")
    b = run("# 头注释\n\n" + NAME_ERROR_ON_DAY_4, "2024-01-02", "2024-01-31")
    assert a.result["error"]["traceback"].replace("line 10,", "line 12,") == b.result["error"]["traceback"]
    assert [e for e in a.events if e["e"] != "log"] == [e for e in b.events if e["e"] != "log"]


def test_the_same_run_twice_is_byte_identical(run) -> None:
    code = (STRATEGIES / "small_cap_rotation.py").read_text(encoding="utf-8")
    a = run(code, "2023-01-03", "2023-03-31", dedent=False)
    b = run(code, "2023-01-03", "2023-03-31", dedent=False)
    assert a.raw_events == b.raw_events and len(a.filled) > 10
    assert _without_timing(a.result) == _without_timing(b.result)
    strip = lambda raw: json.dumps(_without_timing(json.loads(raw)), sort_keys=True)  # noqa: E731
    assert strip(a.raw_result) == strip(b.raw_result)


def test_two_different_strategies_give_different_results(run) -> None:
    a = run(HOLD_ETF, "2023-01-03", "2023-06-30")
    b = run(HOLD_ETF.replace("510300.XSHG", "510500.XSHG"), "2023-01-03", "2023-06-30")
    assert a.stats["algorithm_return"] != b.stats["algorithm_return"]
    assert a.stats["benchmark_return"] == b.stats["benchmark_return"]


def test_a_name_error_on_the_kth_day_fails_with_the_line_function_and_log_up_to_that_day(run) -> None:
    r = run(NAME_ERROR_ON_DAY_4, "2024-01-02", "2024-01-31")
    assert r.result["status"] == "failed"
    error = r.result["error"]
    assert error["phase"] == "runtime"
    assert error["time"] == "2024-01-05 09:30:00"  # the fourth trading day
    assert error["exception"] == "NameError: name 'undefined_helper' is not defined"
    lines = error["traceback"].splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    frames = [line for line in lines if line.startswith("  File ")]
    assert frames == ['  File "/tmp/strategy/user_code.py", line 10, in step']
    assert lines[-1].startswith("NameError: name 'undefined_helper' is not defined")
    assert r.result["days_done"] == 3
    infos = [e for e in r.logs if e["level"] == "INFO"]
    assert [e["msg"] for e in infos] == ["day 1", "day 2", "day 3", "day 4"]
    last = r.logs[-1]
    assert last["level"] == "ERROR" and last["time"] == "2024-01-05 09:30:00"
    assert last["msg"].startswith("Traceback (most recent call last):\n")
    assert "jqcli" not in last["msg"] and "runner.py" not in last["msg"]
    assert [p["date"] for p in r.of("progress")][-1] == "2024-01-05"
    assert len(r.days) == 3


def test_a_syntax_error_is_reported_as_the_compiler_prints_it_without_a_fabricated_frame(run) -> None:
    r = run("def initialize(context):\n    x = = 1\n\ndef handle_data(context, data):\n    pass\n", dedent=False)
    assert r.result["status"] == "failed"
    error = r.result["error"]
    assert error["phase"] == "compile"
    lines = error["traceback"].splitlines()
    assert lines[0].startswith('  File "user_code.py", line 2')
    assert "in <module>" not in error["traceback"] and "Traceback" not in error["traceback"]
    assert lines[1].strip() == "x = = 1"
    assert set(lines[2].strip()) == {"^"}
    assert lines[-1].startswith("SyntaxError: ")
    assert error["exception"] == lines[-1]
    assert r.result["days_done"] == 0 and r.days == []


def test_an_error_at_import_time_and_in_initialize_names_their_frames(run) -> None:
    r = run("import math\nx = 1 / 0\n")
    assert r.result["error"]["traceback"].splitlines()[1] == '  File "/tmp/strategy/user_code.py", line 2, in <module>'
    r = run("def initialize(context):\n    raise KeyError('002652.XSHE')\n")
    assert "line 2, in initialize" in r.result["error"]["traceback"]
    assert r.result["error"]["exception"] == "KeyError: '002652.XSHE'"


def test_a_missing_initialize_fails_clearly(run) -> None:
    r = run("x = 1\n")
    assert r.result["status"] == "failed" and "initialize" in r.result["error"]["traceback"]


def test_an_unemulated_api_fails_the_run_naming_it(run) -> None:
    r = run(
        """
        def initialize(context):
            run_daily(f, time="open")

        def f(context):
            get_money_flow(["000001.XSHE"])
        """
    )
    assert r.result["status"] == "failed"
    text = r.result["error"]["traceback"]
    assert "get_money_flow" in text and "沙盒不模拟" in text
    assert r.result["error"]["exception"].startswith("sandbox.NotEmulatedError: ")
    assert "line 6, in f" in text


def test_an_unknown_joinquant_module_fails_like_the_site(run) -> None:
    r = run("from jqfactor import get_factor_values\n")
    assert r.result["status"] == "failed"
    assert r.result["error"]["exception"].startswith("ModuleNotFoundError: 导入错误，未找到系统库或自定义库 jqfactor")
    r = run("from jqdata import finance\ndef initialize(context):\n    finance.run_query(None)\n")
    assert "finance.run_query" in r.result["error"]["exception"]


def test_curves_are_in_percent_with_millisecond_times(run) -> None:
    r = run(HOLD_ETF, "2024-01-02", "2024-01-12")
    first = r.days[0]
    assert first["time_ms"] == 1704124800000  # 2024-01-02 00:00 Beijing time
    assert abs(first["returns"] - (first["total_value"] / 1e6 - 1) * 100) < 1e-6
    assert abs(r.days[-1]["returns"] / 100 - r.stats["algorithm_return"]) < 1e-8
    assert abs(r.days[-1]["benchmark"] / 100 - r.stats["benchmark_return"]) < 1e-8


def _without_timing(result):
    out = json.loads(json.dumps(result))
    for key in ("report_done_seconds", "report_done_cpu_seconds"):
        out["stats"].pop(key, None)
    return out


def test_sys_exit_in_the_strategy_fails_the_run_instead_of_ending_the_engine(run) -> None:
    r = run("import sys\ndef initialize(context):\n    sys.exit(3)\n")
    assert r.result["status"] == "failed"
    assert r.result["error"]["exception"] == "SystemExit: 3"
    assert "line 3, in initialize" in r.result["error"]["traceback"]


def test_an_engine_fault_outside_the_strategy_still_writes_a_failed_result(run, monkeypatch) -> None:
    from jqcli.adapters.sandbox.site.engine import runner

    def broken(self, *args):
        raise RuntimeError("boom")

    monkeypatch.setattr(runner.Engine, "_end_of_day", broken)
    r = run(NEVER, "2024-01-02", "2024-01-05")
    assert r.result["status"] == "failed"
    assert "沙盒回测引擎内部错误" in r.result["error"]["traceback"] and "boom" in r.result["error"]["traceback"]


def test_tick_frequency_is_not_emulated_and_says_so(run) -> None:
    r = run(NEVER, "2024-01-02", "2024-01-05", frequency="tick")
    assert r.result["status"] == "failed" and "tick" in r.result["error"]["traceback"]
    assert r.logs[-1]["level"] == "ERROR" and r.days == []
