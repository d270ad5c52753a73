# ruff: noqa
# jqcli 示例策略:沪深300 指数 ETF 双均线择时(聚宽策略 API)。
# 用法(沙盒,一条命令从新建策略到回测指标):
#   jqcli --sandbox --format json backtest run --name 示例策略 \
#       --file entrypoints/data/demo_strategy.py --start 2024-01-02 --end 2024-03-29 --wait
# 这个文件是策略源码(在聚宽/沙盒上运行),不是 jqcli 的模块;jqcli 只读取它的文本。
# 沙盒用确定性的合成行情真实执行它(数据是合成的,不是真实行情)。
from jqdata import *


def initialize(context):
    # 设定沪深300作为基准,开启动态复权(真实价格)
    set_benchmark("000300.XSHG")
    set_option("use_real_price", True)
    log.set_level("order", "error")
    g.security = "510300.XSHG"
    g.fast, g.slow = 5, 20
    run_daily(trade, time="every_bar")


def trade(context):
    closes = attribute_history(g.security, g.slow, "1d", ["close"])["close"]
    fast = closes[-g.fast :].mean()
    slow = closes.mean()
    cash = context.portfolio.available_cash
    held = context.portfolio.positions[g.security].closeable_amount
    price = get_current_data()[g.security].last_price
    if fast > slow and cash > price * 100:
        log.info("金叉 %.3f > %.3f,买入" % (fast, slow))
        order_value(g.security, cash)
    elif fast < slow and held > 0:
        log.info("死叉 %.3f < %.3f,卖出" % (fast, slow))
        order_target(g.security, 0)
    record(fast=fast, slow=slow)
