# ruff: noqa
# RSI 择时：沪深300ETF 14 日 RSI 低于 40 买入，高于 60 卖出
import pandas as pd


def initialize(context):
    g.etf = "510300.XSHG"
    set_benchmark("000300.XSHG")
    run_daily(market_open, time="open")


def rsi(closes, n=14):
    diff = pd.Series(closes).diff().dropna()
    up = diff.clip(lower=0).rolling(n).mean()
    down = (-diff.clip(upper=0)).rolling(n).mean()
    value = 100 - 100 / (1 + up.iloc[-1] / down.iloc[-1]) if down.iloc[-1] > 0 else 100.0
    return value


def market_open(context):
    prices = get_price(g.etf, end_date=context.previous_date, count=40, fields=["close"])["close"]
    value = rsi(prices)
    position = context.portfolio.positions[g.etf]
    if value < 40 and context.portfolio.available_cash > 10000:
        order_value(g.etf, context.portfolio.available_cash * 0.95)
    elif value > 60 and position.closeable_amount > 0:
        order_target_value(g.etf, 0)
    record(rsi=value)
