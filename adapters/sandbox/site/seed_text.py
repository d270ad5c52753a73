"""Words and code templates for the seeded data (all invented; no real posts or users)."""

from __future__ import annotations

import random
from typing import List, Tuple

FOLDER_NAME = "ETF轮动"

_BASE = (
    "# 导入函数库\nfrom jqdata import *\n\n\ndef initialize(context):\n"
    "    set_benchmark('000300.XSHG')\n    set_option('use_real_price', True)\n"
    "    g.security = '{security}'\n    run_daily(market_open, time='09:30')\n\n\n"
    "def market_open(context):\n    prices = attribute_history(g.security, {window}, '1d', ['close'])\n"
    "    short, long = prices['close'][-5:].mean(), prices['close'].mean()\n"
    "    cash = context.portfolio.available_cash\n"
    "    if short < long and g.security in context.portfolio.positions:\n        order_target(g.security, 0)\n"
    "    elif short > long * {ratio} and cash > 0:\n        order_value(g.security, cash)\n"
)


def _code(security: str, window: int, ratio: str) -> str:
    return _BASE.format(security=security, window=window, ratio=ratio)


BROKEN_CODE = "def initialize(context)\n    g.security = '000001.XSHE'\n"

# (name, in the folder, code); two strategies share one name on purpose (clients must handle ambiguity),
# one name needs HTML escaping, and one does not compile.  They trade securities the engine's synthetic
# market has (engine/universe.py), so the seeded history runs for real.
DEMO_STRATEGIES: List[Tuple[str, bool, str]] = [
    ("混合策略", False, _code("510300.XSHG", 20, "1.01")),
    ("全天候ETF", False, _code("510300.XSHG", 30, "1.00")),
    ("小市值混合", False, _code("159915.XSHE", 10, "1.02")),
    ("双均线策略", False, _code("000001.XSHE", 20, "1.00")),
    ("双均线策略", False, _code("600519.XSHG", 60, "1.00")),
    ("ETF动量轮动", True, _code("510500.XSHG", 25, "1.01")),
    ("RSI择时 <A&B>", False, _code("518880.XSHG", 14, "1.03")),
    ("海龟交易法则", False, _code("510500.XSHG", 55, "1.00")),
    ("多因子选股", False, _code("600036.XSHG", 40, "1.01")),
    ("行业ETF轮动", True, _code("510050.XSHG", 20, "1.02")),
    ("网格交易", False, _code("600000.XSHG", 15, "1.00")),
    ("语法错误示例", False, BROKEN_CODE),
    ("可转债双低", False, _code("000002.XSHE", 30, "1.00")),
    ("债券ETF", True, _code("511010.XSHG", 20, "1.00")),
    ("低估值蓝筹", False, _code("510050.XSHG", 120, "1.01")),
]

TAGS: List[Tuple[int, str]] = [
    (3, "文章"), (11, "策略"), (27, "量化入门"), (105, "机器学习"), (122, "因子研究"), (260, "ETF"),
    (341, "择时"), (512, "期货"), (733, "可转债"), (901, "高频"), (1395, "本地数据JQData"), (1402, "实盘"),
]  # fmt: skip

ALIASES = [
    "凌空飞影", "K998800", "量化小白", "稳健投资者", "趋势猎手", "因子挖掘机", "价值回归", "网格大师", "夜空中最亮的星",
    "alpha_seeker", "均线信徒", "低吸高抛", "复利的力量", "quant_zhang", "北向资金观察", "慢慢变富", "回测不止",
    "风控第一", "打板少年", "红利守望者",
]  # fmt: skip

_THEMES = [
    "红利低波ETF", "小市值", "双均线", "RSI择时", "动量轮动", "可转债双低", "行业轮动", "多因子", "海龟", "网格",
    "北向资金", "机器学习选股", "龙头战法", "大小盘轮动", "股债平衡",
]  # fmt: skip
_SUFFIX = ["策略", "策略分享", "改进版", "实盘记录", "研究笔记", "入门教程", "思路探讨"]

REPLY_LINES = [
    "感谢分享,学习了。", "回测对比仅买入持有收益明显增强。", "请问滑点是怎么设置的?", "实盘效果如何?",
    "这个策略在2022年回撤比较大。", "已克隆,跑了一下结果差不多。", "因子有未来函数吗?", "楼主能讲讲调仓频率吗?",
    "收藏了,慢慢研究。", "参数是不是过拟合了?", "换成周频调仓效果更好。", "mark",
]  # fmt: skip


def post_title(rng: random.Random) -> Tuple[str, str]:
    theme = rng.choice(_THEMES)
    if rng.random() < 0.5:
        return f"{theme}{rng.choice(_SUFFIX)}-年化{rng.randrange(5, 60)}回撤{rng.randrange(5, 40)}", theme
    return f"{theme}{rng.choice(_SUFFIX)}", theme


def post_content(rng: random.Random, title: str, theme: str) -> str:
    years = rng.randrange(2, 10)
    return (
        f"---\n## 策略简介\n{title}。基于{theme}的思路,最近{years}年回测。\n\n"
        f"## 思路\n1. 选股范围: {rng.choice(['沪深300', '中证500', '全A', '创业板'])}\n"
        f"2. 调仓频率: {rng.choice(['每日', '每周', '每月'])}\n3. 止损: 单票回撤超过{rng.randrange(5, 15)}%清仓\n\n"
        "## 说明\n本帖为沙盒生成的示例内容,回测数据是合成的,不代表任何真实行情。\n"
        + "\n".join(f"- 补充说明 {k + 1}: {rng.choice(REPLY_LINES)}" for k in range(rng.randrange(1, 6)))
    )


def strategy_code(rng: random.Random, theme: str) -> str:
    return f"# {theme}\n" + _code(
        rng.choice(["510300.XSHG", "510500.XSHG", "159915.XSHE", "518880.XSHG"]),
        rng.randrange(10, 60),
        rng.choice(["1.00", "1.01", "1.02"]),
    )
