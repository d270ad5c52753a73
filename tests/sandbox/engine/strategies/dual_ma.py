# ruff: noqa
# 双均线：5 日均线上穿 20 日均线买入，下穿卖出（handle_data 写法）
def initialize(context):
    g.security = "600519.XSHG"
    set_benchmark("000300.XSHG")
    set_option("use_real_price", True)


def handle_data(context, data):
    security = g.security
    close_data = get_bars(security, count=21, unit="1d", fields=["close"])
    closes = close_data["close"]
    ma5 = closes[-5:].mean()
    ma20 = closes[-20:].mean()
    cash = context.portfolio.available_cash
    price = get_current_data()[security].last_price
    if ma5 > ma20 and cash > price * 100:
        order_value(security, cash)
        log.info("买入 %s" % security)
    elif ma5 < ma20 and context.portfolio.positions[security].closeable_amount > 0:
        order_target(security, 0)
        log.info("卖出 %s" % security)
    record(ma5=ma5, ma20=ma20)
