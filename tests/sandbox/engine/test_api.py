"""Every function of the API subset, against the synthetic market read directly."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from jqcli.adapters.sandbox.site.engine import universe as U
from jqcli.adapters.sandbox.site.engine.runner import market_for, weekdays_between

START, END = "2024-01-02", "2024-02-29"
DAYS = weekdays_between(date.fromisoformat(START), date.fromisoformat(END))


def bars():
    m, row0 = market_for(DAYS)
    return m, row0


def value(field: str, code: str, k, start: str = START) -> float:
    """The daily bar field of ``code`` on run day k of a run from ``start`` (negative: days before it)."""
    m, row0 = bars()
    row0 = m.row[date.fromisoformat(start)]
    return float(m.bars[field][row0 + k, m.col[code]])


def logged(r) -> list:
    return [json.loads(m) for m in r.messages if m.startswith(("{", "["))]


def test_the_hooks_run_at_their_simulated_times(run) -> None:
    code = """
    import json
    def initialize(context):
        log.info(json.dumps(["initialize", str(context.current_dt), str(context.previous_date)]))
    def process_initialize(context):
        log.info(json.dumps(["process_initialize", str(context.current_dt)]))
    def before_trading_start(context):
        log.info(json.dumps(["before", str(context.current_dt), str(context.previous_date)]))
    def handle_data(context, data):
        log.info(json.dumps(["handle", str(context.current_dt)]))
    def after_trading_end(context):
        log.info(json.dumps(["after", str(context.current_dt)]))
    """
    r = run(code, "2024-01-05", "2024-01-08")
    assert logged(r) == [
        ["initialize", "2024-01-05 00:00:00", "2024-01-04"],
        ["process_initialize", "2024-01-05 00:00:00"],
        ["before", "2024-01-05 09:00:00", "2024-01-04"],
        ["handle", "2024-01-05 09:30:00"],
        ["after", "2024-01-05 15:30:00"],
        ["before", "2024-01-08 09:00:00", "2024-01-05"],
        ["handle", "2024-01-08 09:30:00"],
        ["after", "2024-01-08 15:30:00"],
    ]
    assert [e["time"] for e in r.logs][:3] == ["2024-01-05 00:00:00"] * 2 + ["2024-01-05 09:00:00"]


def test_handle_data_runs_every_minute_at_minute_frequency(run) -> None:
    code = """
    def initialize(context):
        g.times = []
    def handle_data(context, data):
        g.times.append(context.current_dt.strftime("%H:%M"))
    def after_trading_end(context):
        log.info("%d %s %s %s %s" % (len(g.times), g.times[0], g.times[119], g.times[120], g.times[-1]))
    """
    r = run(code, "2024-01-02", "2024-01-02", frequency="minute")
    assert r.messages == ["240 09:30 11:29 13:00 14:59"]


def test_run_daily_weekly_and_monthly_with_their_times(run) -> None:
    code = """
    def initialize(context):
        run_daily(lambda c: log.info("daily-open"), time="open")
        run_daily(lambda c: log.info("daily-before"), time="before_open")
        run_daily(lambda c: log.info("daily-after"), time="after_close")
        run_daily(lambda c: log.info("daily-1450"), time="14:50")
        run_daily(lambda c: log.info("daily-bar"), time="every_bar")
        run_weekly(lambda c: log.info("weekly-1"), 1, time="open")
        run_weekly(lambda c: log.info("weekly-last"), -1, time="open")
        run_monthly(lambda c: log.info("monthly-1"), 1, time="open")
        run_monthly(lambda c: log.info("monthly-30"), 30, time="open")
    """
    r = run(code, "2024-01-29", "2024-02-06")
    by_day = {}
    for e in r.logs:
        by_day.setdefault(e["time"][:10], []).append((e["time"][11:], e["msg"]))
    assert by_day["2024-01-29"] == [
        ("09:00:00", "daily-before"),
        ("09:30:00", "daily-open"),
        ("09:30:00", "daily-bar"),
        ("09:30:00", "weekly-1"),
        ("14:50:00", "daily-1450"),
        ("15:30:00", "daily-after"),
    ]
    assert ("09:30:00", "monthly-30") in by_day["2024-01-31"]  # January has 23 weekdays: 30 → the last one
    assert ("09:30:00", "monthly-1") in by_day["2024-02-01"]
    assert ("09:30:00", "weekly-last") in by_day["2024-02-02"]
    assert ("09:30:00", "weekly-1") in by_day["2024-02-05"]
    assert sum(msg == "weekly-1" for _, msg in sum(by_day.values(), [])) == 2


def test_g_portfolio_and_positions(run) -> None:
    code = """
    import json
    def initialize(context):
        set_slippage(FixedSlippage(0))
        g.step = 0
        run_daily(step, time="open")
    def step(context):
        g.step += 1
        p = context.portfolio
        if g.step == 1:
            order("600000.XSHG", 1000)
        pos = p.positions["600000.XSHG"]
        log.info(json.dumps([g.step, p.available_cash, p.total_value, p.positions_value, pos.total_amount,
                             pos.closeable_amount, pos.avg_cost, pos.price, pos.value, list(p.positions),
                             p.starting_cash, round(p.returns, 12) == round(p.total_value / 1e6 - 1, 12)]))
    """
    r = run(code, "2024-01-02", "2024-01-03")
    (buy,) = r.filled
    day0, day1 = logged(r)
    open0, open1 = value("open", "600000.XSHG", 0), value("open", "600000.XSHG", 1)
    cash = 1000000 - buy["total"] - buy["commission"]
    assert day0 == [
        1,
        cash,
        cash + 1000 * open0,
        1000 * open0,
        1000,
        0,
        open0,
        open0,
        1000 * open0,
        ["600000.XSHG"],
        1e6,
        True,
    ]
    assert day1[:9] == [2, cash, cash + 1000 * open1, 1000 * open1, 1000, 1000, open0, open1, 1000 * open1]


def test_empty_positions_read_as_zero_without_being_stored(run) -> None:
    code = """
    def initialize(context):
        p = context.portfolio.positions["000001.XSHE"]
        log.info("%d %d %s" % (p.total_amount, p.closeable_amount, list(context.portfolio.positions)))
    """
    assert run(code, "2024-01-02", "2024-01-02").messages == ["0 0 []"]


def test_order_target_order_value_and_order_target_value(run) -> None:
    code = """
    def initialize(context):
        set_slippage(FixedSlippage(0))
        g.k = 0
        run_daily(step, time="open")
    def step(context):
        g.k += 1
        if g.k == 1:
            order_value("600000.XSHG", 100000)
            order_target("000001.XSHE", 500)
        if g.k == 2:
            order_target_value("600000.XSHG", 50000)
            order_target("000001.XSHE", 200)
        if g.k == 3:
            o = order_target_value("600000.XSHG", 0)
            log.info("%s %d %s" % (o.security, o.filled, o.is_buy))
    """
    r = run(code, "2024-01-02", "2024-01-05")
    f = [(t["security"], t["transaction"], t["amount"]) for t in r.filled]
    p0, p1 = value("open", "600000.XSHG", 0), value("open", "600000.XSHG", 1)
    first = int(100000 / p0) // 100 * 100
    target1 = int(50000 / p1)
    assert f[0] == ("600000.XSHG", "买", first)
    assert f[1] == ("000001.XSHE", "买", 500)
    assert f[2] == ("600000.XSHG", "卖", (first - target1) // 100 * 100)
    assert f[3] == ("000001.XSHE", "卖", 300)
    assert f[4][1:] == ("卖", first - (first - target1) // 100 * 100)
    assert r.messages == [f"600000.XSHG {f[4][2]} False"]


def test_set_benchmark_changes_the_benchmark_curve(run) -> None:
    a = run('def initialize(context):\n    set_benchmark("000905.XSHG")\n', "2024-01-02", "2024-01-10")
    b = run("def initialize(context):\n    pass\n", "2024-01-02", "2024-01-10")
    close = value("close", "000905.XSHG", 6) / value("pre_close", "000905.XSHG", 0) - 1
    assert abs(a.stats["benchmark_return"] - close) < 1e-12
    default = value("close", "000300.XSHG", 6) / value("pre_close", "000300.XSHG", 0) - 1
    assert abs(b.stats["benchmark_return"] - default) < 1e-12


def test_set_option_accepts_the_emulated_options_and_refuses_others(run) -> None:
    ok = run(
        'def initialize(context):\n    set_option("use_real_price", True)\n    set_option("avoid_future_data", True)\n'
    )
    assert ok.result["status"] == "done"
    bad = run('def initialize(context):\n    set_option("order_volume_ratio", 0.25)\n')
    assert bad.result["status"] == "failed" and "order_volume_ratio" in bad.result["error"]["traceback"]


def test_get_price_daily_and_minute_and_for_lists(run) -> None:
    code = """
    import json
    def initialize(context):
        run_daily(step, time="10:00")
    def step(context):
        d = get_price("600000.XSHG", end_date=context.previous_date, count=3, fields=["open", "close", "volume"])
        m = get_price("600000.XSHG", start_date="2024-01-03 09:30:00", end_date=context.current_dt,
                      frequency="1m", fields=["close"])
        p = get_price(["600000.XSHG", "000001.XSHE"], end_date=context.previous_date, count=2, fields=["close"])
        lf = get_price(["600000.XSHG", "000001.XSHE"], end_date=context.previous_date, count=2, fields=["close"],
                       panel=False)
        log.info(json.dumps([[str(i) for i in d.index], d["close"].tolist(), list(d.columns), len(m), str(m.index[-1]),
                             list(p["close"].columns), p["close"].shape, list(lf.columns), len(lf)]))
    """
    r = run(code, "2024-01-03", "2024-01-03")
    (got,) = logged(r)
    assert got[0] == ["2023-12-29 00:00:00", "2024-01-01 00:00:00", "2024-01-02 00:00:00"]  # sandbox days: weekdays
    assert got[1] == [value("close", "600000.XSHG", k, "2024-01-03") for k in (-3, -2, -1)]
    assert got[2] == ["open", "close", "volume"]
    assert got[3] == 30 and got[4] == "2024-01-03 10:00:00"
    assert got[5] == ["600000.XSHG", "000001.XSHE"] and got[6] == [2, 2]
    assert got[7] == ["time", "code", "close"] and got[8] == 4


def test_no_look_ahead_data_ends_are_clamped_to_the_simulated_moment(run) -> None:
    code = """
    import json
    def initialize(context):
        run_daily(step, time="open")
        run_daily(late, time="after_close")
    def step(context):
        d = get_price("600000.XSHG", end_date="2024-12-31", count=2, fields=["close"])
        m = get_price("600000.XSHG", end_date="2024-12-31 15:00:00", count=5, frequency="1m", fields=["close"])
        log.info(json.dumps(["open", str(d.index[-1]), str(m.index[-1]), len(attribute_history("600000.XSHG", 1))]))
    def late(context):
        d = attribute_history("600000.XSHG", 1, "1d", ["close"])
        log.info(json.dumps(["close", str(d.index[-1]), d["close"].iloc[-1]]))
    """
    r = run(code, "2024-01-03", "2024-01-03")
    opened, closed = logged(r)
    assert opened == ["open", "2024-01-02 00:00:00", "2024-01-02 15:00:00", 1]
    assert closed == ["close", "2024-01-03 00:00:00", value("close", "600000.XSHG", 0, "2024-01-03")]


def test_attribute_history_skips_paused_days_and_returns_dicts(run) -> None:
    m, row0 = bars()
    ns = len(U.stocks())
    window = m.bars["paused"][row0 - 30 : row0, :ns]
    col = int(np.argmax(window.sum(axis=0)))
    code_ = m.codes[col]
    assert window[:, col].any()
    code = f"""
    import json
    def initialize(context):
        a = attribute_history("{code_}", 30, "1d", ["close", "paused"])
        b = attribute_history("{code_}", 30, "1d", ["close", "paused"], skip_paused=False, df=False)
        log.info(json.dumps([len(a), a["paused"].sum(), len(b["close"]), float(b["paused"].sum()), type(b).__name__]))
    """
    r = run(code, START, START)
    (got,) = logged(r)
    assert got == [30, 0.0, 30, float(window[:, col].sum()), "dict"]


def test_history_and_get_bars(run) -> None:
    code = """
    import json
    def initialize(context):
        run_daily(step, time="open")
    def step(context):
        h = history(3, "1d", "close", ["600000.XSHG", "510300.XSHG"])
        b = get_bars("600000.XSHG", 2, "1d", ["date", "open", "close"])
        n = get_bars("600000.XSHG", 2, "1d", ["date", "close"], include_now=True)
        mb = get_bars("600000.XSHG", 3, "1m", ["date", "close"], df=True)
        log.info(json.dumps([list(h.columns), h["510300.XSHG"].tolist(), str(b["date"][-1]), b["close"].tolist(),
                             b.dtype.names, str(n["date"][-1]), n["close"][-1], len(mb)]))
    """
    r = run(code, "2024-01-03", "2024-01-03")
    (got,) = logged(r)
    assert got[0] == ["600000.XSHG", "510300.XSHG"]
    assert got[1] == [value("close", "510300.XSHG", k, "2024-01-03") for k in (-3, -2, -1)]
    assert got[2] == "2024-01-02" and got[3] == [value("close", "600000.XSHG", k, "2024-01-03") for k in (-2, -1)]
    assert got[4] == ["date", "open", "close"]
    assert got[5] == "2024-01-03" and got[6] == value(
        "open", "600000.XSHG", 0, "2024-01-03"
    )  # today so far: at 09:30, the open
    assert got[7] == 3


def test_get_current_data_fields(run) -> None:
    m, row0 = bars()
    st = next(s.code for s in U.stocks() if s.is_st)
    code = f"""
    import json
    def initialize(context):
        run_daily(step, time="open")
    def step(context):
        cd = get_current_data()
        x = cd["600000.XSHG"]
        s = cd["{st}"]
        log.info(json.dumps([x.last_price, x.day_open, x.high_limit, x.low_limit, x.paused, x.is_st, x.name,
                             s.is_st, s.name]))
    """
    r = run(code, START, START)
    (got,) = logged(r)
    pc = value("pre_close", "600000.XSHG", 0)
    assert got[:4] == [value("open", "600000.XSHG", 0)] * 2 + [
        value("high_limit", "600000.XSHG", 0),
        value("low_limit", "600000.XSHG", 0),
    ]
    assert got[2] == np.floor(pc * 110 + 0.5 + 1e-9) / 100
    assert got[4:7] == [False, False, U.security("600000.XSHG").display_name]
    assert got[7] is True and "ST" in got[8]
    st_limit = value("high_limit", st, 0) / value("pre_close", st, 0)
    assert abs(st_limit - 1.05) < 0.01


def test_securities_indexes_and_trade_days(run) -> None:
    code = """
    import json
    def initialize(context):
        hs300 = get_index_stocks("000300.XSHG")
        stocks = get_all_securities(["stock"])
        etfs = get_all_securities("etf")
        info = get_security_info("510300.XSHG")
        days = get_trade_days(end_date=context.current_dt, count=3)
        span = get_trade_days(start_date="2024-01-02", end_date="2024-01-09")
        log.info(json.dumps([len(hs300), hs300[:2] == sorted(hs300)[:2], len(stocks), list(stocks.columns),
                             sorted(etfs.index)[:2], info.display_name, info.type, [str(d) for d in days], len(span)]))
    """
    r = run(code, "2024-01-03", "2024-01-03")
    (got,) = logged(r)
    assert got[0] == 120 and got[1] is True and got[2] == len(U.stocks())
    assert got[3] == ["display_name", "name", "start_date", "end_date", "type"]
    assert got[4] == ["159915.XSHE", "510050.XSHG"]
    assert got[5:7] == ["沪深300ETF", "etf"]
    assert got[7] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert got[8] == 6


def test_get_fundamentals_filters_orders_and_limits_the_valuation_table(run) -> None:
    code = """
    import json
    def initialize(context):
        run_daily(step, time="open")
    def step(context):
        q = query(valuation.code, valuation.market_cap, valuation.pe_ratio).filter(
            valuation.pe_ratio > 0, valuation.code.in_(get_index_stocks("000905.XSHG"))
        ).order_by(valuation.market_cap.desc()).limit(5)
        df = get_fundamentals(q)
        whole = get_fundamentals(query(valuation).filter((valuation.pb_ratio < 2) | (valuation.turnover_ratio > 5)))
        log.info(json.dumps([list(df.columns), df["code"].tolist(), df["market_cap"].tolist(),
                             bool((df["pe_ratio"] > 0).all()), list(whole.columns), len(whole), whole["day"].iloc[0]]))
    """
    r = run(code, "2024-01-03", "2024-01-03")
    (got,) = logged(r)
    assert got[0] == ["code", "market_cap", "pe_ratio"]
    caps = got[2]
    assert caps == sorted(caps, reverse=True) and len(caps) == 5 and got[3] is True
    members = set(U.constituents()["000905.XSHG"])
    assert set(got[1]) <= members
    prof = U.profiles()[got[1][0]]
    assert (
        abs(caps[0] - value("close", got[1][0], -1, "2024-01-03") * prof.shares / 1e8) < 1e-3
    )  # yesterday's close, in 亿元
    assert got[4][:3] == ["code", "day", "capitalization"] and 0 < got[5] < len(U.stocks())
    assert got[6] == "2024-01-02"


def test_unemulated_tables_and_fields_fail_naming_them(run) -> None:
    r = run("def initialize(context):\n    get_fundamentals(query(indicator.roe))\n")
    assert "indicator" in r.result["error"]["exception"]
    r = run("def initialize(context):\n    query(valuation.ps_ratio)\n")
    assert "valuation.ps_ratio" in r.result["error"]["exception"]


def test_log_levels_print_and_record(run) -> None:
    code = """
    def initialize(context):
        log.debug("d")
        log.info("i %s %d", "x", 1)
        log.warn("w")
        log.error("e")
        print("p", 1)
        log.set_level("strategy", "warning")
        log.info("hidden")
        log.warning("shown")
        record(a=1, b=2.5)
    def handle_data(context, data):
        record(a=context.current_dt.day)
    """
    r = run(code, "2024-01-02", "2024-01-03")
    assert [(e["level"], e["msg"]) for e in r.logs] == [
        ("DEBUG", "d"),
        ("INFO", "i x 1"),
        ("WARNING", "w"),
        ("ERROR", "e"),
        ("INFO", "p 1"),
        ("WARNING", "shown"),
    ]
    recs = r.of("record")
    assert [(e["date"], e["values"]) for e in recs] == [("2024-01-02", {"a": 2.0}), ("2024-01-03", {"a": 3.0})]
    assert recs[0]["time_ms"] == r.days[0]["time_ms"]


def test_jqdata_imports(run) -> None:
    code = """
    import jqdata
    from jqdata import *
    from jqdata import get_trade_days as gtd
    def initialize(context):
        log.info("%s %s" % (jqdata.get_trade_days is gtd, callable(get_price)))
        jqdata.get_concept_stocks("GN001")
    """
    r = run(code, START, START)
    assert r.messages[0] == "True True"
    assert "get_concept_stocks" in r.result["error"]["exception"]


@pytest.mark.parametrize("call", ["get_price('600000.XSHG', count=2, frequency='5m')", "history(2, '1d', 'close')"])
def test_unemulated_parameters_fail_clearly(run, call) -> None:
    r = run(f"def initialize(context):\n    {call}\n")
    assert r.result["status"] == "failed" and "沙盒不模拟" in r.result["error"]["exception"]


def test_an_unknown_security_fails_with_its_code(run) -> None:
    r = run('def initialize(context):\n    attribute_history("999999.XSHG", 5)\n')
    assert "999999.XSHG" in r.result["error"]["exception"]


def test_the_small_extras_normalize_code_all_trade_days_open_orders_unschedule_and_limit_orders(run) -> None:
    code = """
    import json
    def initialize(context):
        set_slippage(FixedSlippage(0))
        run_daily(never, time="open")
        unschedule_all()
        run_daily(step, time="open")
        days = get_all_trade_days()
        log.info(json.dumps([normalize_code("600000"), normalize_code("000001.SZ"), normalize_code(["510300.SH"]),
                             str(days[0]), str(days[-1]), get_open_orders()]))
    def never(context):
        log.info("unscheduled job ran")
    def step(context):
        price = get_current_data()["600000.XSHG"].last_price
        low = order("600000.XSHG", 100, LimitOrderStyle(price - 0.5))
        high = order("600000.XSHG", 100, LimitOrderStyle(price + 0.5))
        log.info(json.dumps([low is None, high.filled, high.price == price, len(get_open_orders())]))
    """
    r = run(code, "2024-01-02", "2024-01-02")
    first, second = logged(r)
    assert first == ["600000.XSHG", "000001.XSHE", ["510300.XSHG"], "2005-01-04", "2024-12-31", {}]
    assert second == [True, 100, True, 0]
    assert "unscheduled job ran" not in r.messages
    assert any("限价" in m and "无法成交" in m for m in r.messages)
    assert [t["type"] for t in r.trades] == ["限价单", "限价单"]
