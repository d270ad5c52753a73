# ruff: noqa
# 小市值轮动：每周一选出市值最小的 10 只非 ST、未停牌的股票，等权持有（社区常见写法）
from jqdata import *


def initialize(context):
    set_benchmark("000300.XSHG")
    set_option("use_real_price", True)
    set_order_cost(
        OrderCost(close_tax=0.001, open_commission=0.0003, close_commission=0.0003, min_commission=5), type="stock"
    )
    set_slippage(FixedSlippage(0.02))
    log.set_level("order", "error")
    g.stock_num = 10
    run_weekly(rebalance, weekday=1, time="9:30")


def select(context):
    q = (
        query(valuation.code, valuation.market_cap)
        .filter(valuation.market_cap.between(20, 3000), valuation.pe_ratio > 0)
        .order_by(valuation.market_cap.asc())
        .limit(50)
    )
    df = get_fundamentals(q)
    current = get_current_data()
    picks = [c for c in df["code"] if not current[c].is_st and not current[c].paused]
    picks = [c for c in picks if current[c].last_price < current[c].high_limit]
    return picks[: g.stock_num]


def rebalance(context):
    target = select(context)
    for code in list(context.portfolio.positions):
        if code not in target:
            order_target(code, 0)
    if not target:
        return
    value = context.portfolio.total_value / len(target)
    for code in target:
        order_target_value(code, value)
