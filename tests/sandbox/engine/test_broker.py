"""Order rules with exact arithmetic: lots, T+1, limits, suspension, commission, minimum commission, stamp tax."""

from __future__ import annotations

from datetime import date

import numpy as np

from jqcli.adapters.sandbox.site.engine import universe as U
from jqcli.adapters.sandbox.site.engine.broker import cents
from jqcli.adapters.sandbox.site.engine.runner import market_for, weekdays_between

START, END = "2023-01-03", "2023-12-29"
DAYS = weekdays_between(date.fromisoformat(START), date.fromisoformat(END))


def market():
    return market_for(DAYS)


def find(condition_name: str):
    """(code, day index) of the first stock/day in the range where the condition holds (and not paused before)."""
    m, row0 = market()
    b = m.bars
    ns = len(U.stocks())
    rows = slice(row0 + 2, row0 + len(DAYS))
    if condition_name == "limit_up_open":
        hit = (b["open"][rows, :ns] >= b["high_limit"][rows, :ns]) & ~b["paused"][rows, :ns]
    elif condition_name == "limit_down_open":
        hit = (b["open"][rows, :ns] <= b["low_limit"][rows, :ns]) & ~b["paused"][rows, :ns]
    else:
        hit = b["paused"][rows, :ns]
    prev_ok = ~b["paused"][row0 + 1 : row0 + len(DAYS) - 1, :ns] & ~b["paused"][row0 : row0 + len(DAYS) - 2, :ns]
    hit = hit & prev_ok
    t, c = np.argwhere(hit)[0]
    return m.codes[c], int(t) + 2


def open_price(code: str, k: int) -> float:
    m, row0 = market()
    return float(m.bars["open"][row0 + k, m.col[code]])


TRADE_ON = """
def initialize(context):
    set_slippage(FixedSlippage(0))
    cost = OrderCost(open_commission=0.001, close_commission=0.002, close_tax=0.001, min_commission=5)
    set_order_cost(cost, type="stock")
    g.k = -1
    run_daily(step, time="open")

def step(context):
    g.k += 1
{body}
"""


def strategy(body: str) -> str:
    return TRADE_ON.format(body="\n".join("    " + line for line in body.strip().splitlines()))


def test_buys_are_rounded_down_to_lots_and_a_buy_under_one_lot_is_refused(run) -> None:
    r = run(strategy('if g.k == 0:\n    order("600000.XSHG", 250)\n    order("600000.XSHG", 99)'), START, "2023-01-10")
    fills = r.filled
    assert [t["amount"] for t in fills] == [200]
    assert fills[0]["orderAmount"] == 250
    refused = [t for t in r.trades if not t["amount"]]
    assert refused[0]["status"] == "废单" and refused[0]["orderAmount"] == 99
    assert any("开仓数量不能小于 100" in m for m in r.messages)


def test_partial_sells_are_lots_and_selling_a_whole_odd_position_is_allowed(run) -> None:
    body = """
if g.k == 0:
    order("600000.XSHG", 300)
if g.k == 1:
    order("600000.XSHG", -50)
    order("600000.XSHG", -150)
if g.k == 2:
    log.info("left %d" % context.portfolio.positions["600000.XSHG"].total_amount)
    order_target("600000.XSHG", 0)
"""
    r = run(strategy(body), START, "2023-01-10")
    sells = [t for t in r.trades if t["transaction"] == "卖"]
    assert [(t["orderAmount"], t["amount"]) for t in sells] == [(50, 0), (150, 100), (200, 200)]
    assert any("平仓数量不能小于 100" in m for m in r.messages)
    assert "left 200" in r.messages
    assert "600000.XSHG" not in [row["security"] for row in r.positions(r.days[2]["date"])]


def test_t_plus_one_shares_bought_today_cannot_be_sold_today(run) -> None:
    body = """
if g.k == 0:
    order("600000.XSHG", 1000)
    p = context.portfolio.positions["600000.XSHG"]
    log.info("today %d %d" % (p.total_amount, p.closeable_amount))
    order("600000.XSHG", -1000)
if g.k == 1:
    p = context.portfolio.positions["600000.XSHG"]
    log.info("next %d %d" % (p.total_amount, p.closeable_amount))
    order("600000.XSHG", -1000)
"""
    r = run(strategy(body), START, "2023-01-10")
    assert "today 1000 0" in r.messages and "next 1000 1000" in r.messages
    assert any("T+1" in m and "不能卖出" in m for m in r.messages)
    sells = [t for t in r.trades if t["transaction"] == "卖"]
    assert [t["amount"] for t in sells] == [0, 1000]
    assert sells[1]["date"] == r.days[1]["date"]
    day0 = r.positions(r.days[0]["date"])[0]
    assert (day0["amount"], day0["closeableAmount"], day0["todayAmount"]) == (1000, 0, 1000)


def test_a_buy_at_the_limit_up_price_is_refused(run) -> None:
    code, k = find("limit_up_open")
    r = run(strategy(f'if g.k == {k}:\n    log.info("returned %s" % order("{code}", 1000))'), START, END)
    assert "returned None" in r.messages  # a refused order returns None, as on the site
    assert r.result["status"] == "done"
    (row,) = r.trades
    assert row["status"] == "废单" and row["amount"] == 0 and row["date"] == DAYS[k].isoformat()
    assert any("涨停" in m and "不能买入" in m and code in m for m in r.messages)
    assert r.stats["algorithm_return"] == 0.0


def test_a_sell_at_the_limit_down_price_is_refused(run) -> None:
    code, k = find("limit_down_open")
    r = run(
        strategy(f'if g.k == {k - 2}:\n    order("{code}", 1000)\nif g.k == {k}:\n    order_target("{code}", 0)'),
        START,
        END,
    )
    sells = [t for t in r.trades if t["transaction"] == "卖"]
    assert [(t["status"], t["amount"], t["date"]) for t in sells] == [("废单", 0, DAYS[k].isoformat())]
    assert any("跌停" in m and "不能卖出" in m for m in r.messages)


def test_an_order_for_a_suspended_stock_is_refused(run) -> None:
    code, k = find("paused")
    r = run(
        strategy(f'if g.k == {k}:\n    log.info(str(get_current_data()["{code}"].paused))\n    order("{code}", 1000)'),
        START,
        END,
    )
    assert "True" in r.messages
    assert any("停牌" in m and code in m for m in r.messages)
    assert r.trades[0]["status"] == "废单"


def test_commission_and_cash_follow_the_order_cost_exactly(run) -> None:
    r = run(strategy('if g.k == 0:\n    order("600000.XSHG", 10000)'), START, "2023-01-05")
    price = open_price("600000.XSHG", 0)
    (buy,) = r.filled
    value = 10000 * price
    commission = max(cents(value * 0.001), 5)
    assert buy["price"] == price and buy["total"] == round(value, 2)
    assert buy["commission"] == commission
    assert r.days[0]["cash"] == round(1000000 - value - commission, 4)


def test_the_minimum_commission_applies_to_small_orders(run) -> None:
    m, row0 = market()
    ns = len(U.stocks())
    opens = np.where(m.bars["paused"][row0, :ns], np.inf, m.bars["open"][row0, :ns])
    cheap = m.codes[int(np.argmin(opens))]
    r = run(strategy(f'if g.k == 0:\n    order("{cheap}", 100)'), START, "2023-01-05")
    (buy,) = r.filled
    assert 100 * open_price(cheap, 0) * 0.001 < 5
    assert buy["commission"] == 5.0


def test_sells_pay_commission_and_stamp_tax(run) -> None:
    body = 'if g.k == 0:\n    order("600000.XSHG", 10000)\nif g.k == 1:\n    order("600000.XSHG", -10000)'
    r = run(strategy(body), START, "2023-01-06")
    buy, sell = r.filled
    p0, p1 = open_price("600000.XSHG", 0), open_price("600000.XSHG", 1)
    value = 10000 * p1
    fees = max(cents(value * 0.002), 5) + cents(value * 0.001)
    assert sell["commission"] == fees
    assert sell["gains"] == round((p1 - p0) * 10000 - fees, 2)
    expected_cash = 1000000 - 10000 * p0 - buy["commission"] + value - fees
    assert abs(r.days[1]["cash"] - expected_cash) < 1e-4
    assert r.days[1]["total_value"] == r.days[1]["cash"]


def test_default_costs_are_joinquant_defaults(run) -> None:
    code = """
def initialize(context):
    set_slippage(FixedSlippage(0))
    g.k = -1
    run_daily(step, time="open")

def step(context):
    g.k += 1
    if g.k == 0:
        order("600000.XSHG", 10000)
        order("510300.XSHG", 100000)
    if g.k == 1:
        order("600000.XSHG", -10000)
        order("510300.XSHG", -100000)
"""
    r = run(code, START, "2023-01-06")
    stock_buy, etf_buy, stock_sell, etf_sell = r.filled
    v = stock_sell["total"]
    assert stock_sell["commission"] == max(cents(v * 0.0003), 5) + cents(v * 0.001)
    assert etf_sell["commission"] == max(cents(etf_sell["total"] * 0.0003), 5)  # funds pay no stamp tax
    assert stock_buy["commission"] == max(cents(stock_buy["total"] * 0.0003), 5)


def test_slippage_moves_the_fill_price_half_each_way(run) -> None:
    code = """
def initialize(context):
    set_slippage(FixedSlippage(0.02))
    g.k = -1
    run_daily(step, time="open")

def step(context):
    g.k += 1
    if g.k == 0:
        order("600000.XSHG", 1000)
    if g.k == 1:
        set_slippage(PriceRelatedSlippage(0.002))
        order("600000.XSHG", -1000)
"""
    r = run(code, START, "2023-01-06")
    buy, sell = r.filled
    assert buy["truePrice"] == open_price("600000.XSHG", 0) + 0.01
    assert sell["truePrice"] == open_price("600000.XSHG", 1) * (1 - 0.002 / 2)
    assert buy["price"] == round(buy["truePrice"], 4)


def test_a_buy_bigger_than_the_cash_is_reduced_to_what_the_cash_pays(run) -> None:
    r = run(strategy('if g.k == 0:\n    order("600000.XSHG", 10000000)'), START, "2023-01-05", capital=100000.0)
    (buy,) = r.filled
    assert buy["amount"] % 100 == 0 and buy["amount"] < 10000000
    assert r.days[0]["cash"] >= 0
    assert r.days[0]["cash"] < (buy["price"] * 100) * 1.01 + 5
    assert any("可用资金不足" in m for m in r.messages)


def test_orders_outside_trading_hours_and_for_indexes_are_refused(run) -> None:
    code = """
def initialize(context):
    run_daily(early, time="before_open")
    run_daily(late, time="after_close")
    run_daily(index, time="open")

def early(context):
    order("600000.XSHG", 100)

def late(context):
    order("600000.XSHG", 100)

def index(context):
    order("000300.XSHG", 100)
"""
    r = run(code, START, "2023-01-04")
    assert r.filled == []
    assert sum("无法成交" in m for m in r.messages) == 4
    assert sum("指数" in m for m in r.messages) == 2


def test_order_warnings_obey_log_set_level_order(run) -> None:
    r = run(
        'def initialize(context):\n    log.set_level("order", "error")\n    run_daily(f, "open")\n'
        'def f(context):\n    order("600000.XSHG", 10)\n',
        START,
        "2023-01-04",
    )
    assert r.messages == [] and len(r.trades) == 2
