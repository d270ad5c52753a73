# ruff: noqa
# 网格交易：以首日价格为中枢，每跌 3% 买一格、每涨 3% 卖一格（分钟回测也可用）
def initialize(context):
    g.security = "510500.XSHG"
    g.grid = 0.03
    g.lot = 20000
    g.base = None
    set_benchmark("000905.XSHG")
    run_daily(grid_trade, time="10:30")
    run_daily(grid_trade, time="14:00")


def before_trading_start(context):
    if g.base is None:
        g.base = attribute_history(g.security, 1, "1d", ["close"])["close"].iloc[-1]


def grid_trade(context):
    price = get_current_data()[g.security].last_price
    position = context.portfolio.positions[g.security]
    if price < g.base * (1 - g.grid) and context.portfolio.available_cash > price * g.lot:
        order(g.security, g.lot)
        g.base = price
        log.info("网格买入 %.3f" % price)
    elif price > g.base * (1 + g.grid) and position.closeable_amount >= g.lot:
        order(g.security, -g.lot)
        g.base = price
        log.info("网格卖出 %.3f" % price)


def after_trading_end(context):
    record(base=g.base)
