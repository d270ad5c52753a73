# ruff: noqa
# ETF 动量轮动：每天在几只 ETF 中持有过去 20 日涨幅最大的一只（动量为负时空仓）
import numpy as np
from jqdata import *


def initialize(context):
    set_benchmark("510300.XSHG")
    set_order_cost(OrderCost(open_commission=0.0002, close_commission=0.0002, min_commission=5), type="fund")
    set_slippage(PriceRelatedSlippage(0.001), type="fund")
    g.pool = ["510300.XSHG", "510500.XSHG", "518880.XSHG", "159915.XSHE", "511010.XSHG"]
    g.days = 20
    run_daily(trade, time="14:50")


def momentum(code):
    closes = attribute_history(code, g.days + 1, "1d", ["close"])["close"].values
    return np.log(closes[-1] / closes[0])


def trade(context):
    scores = {code: momentum(code) for code in g.pool}
    best = max(scores, key=scores.get)
    target = best if scores[best] > 0 else None
    for code in list(context.portfolio.positions):
        if code != target:
            order_target(code, 0)
    if target and target not in context.portfolio.positions:
        order_value(target, context.portfolio.available_cash)
    record(score=scores[best])
