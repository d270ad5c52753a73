"""Orders, costs, positions and the portfolio, with JoinQuant's A-share rules.

Rules (what the site does for stocks and ETFs, as far as the sandbox models it):
buys are rounded down to lots of 100 (``开仓数量不能小于 100`` when nothing is
left); a sell of part of a position is rounded down to lots of 100 (``平仓数量不能
小于 100``) while selling a whole position may be an odd lot; shares bought today
cannot be sold today (T+1, for stocks and ETFs alike); a buy at the limit-up
price and a sell at the limit-down price are refused (``涨停`` / ``跌停``), as is any
order for a suspended security (``停牌``) or outside trading hours (``无法成交``);
a buy larger than the cash is reduced to what the cash pays for.  Market orders
fill at the current price moved by the slippage (half the slippage on each
side, kept within the day's limits); a limit order fills at that price only
when it is at least as good as the limit, else it is refused (the sandbox keeps
no open orders).  Costs: commission ``max(value × rate, min_commission)`` and
stamp tax ``value × close_tax`` on sells (``open_tax`` on buys), each rounded to
the cent; JoinQuant's defaults (stock: 0.03 % / 0.03 %, tax 0.1 % on sells,
minimum 5 yuan; fund: the same without tax; slippage PriceRelatedSlippage(0.00246)).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Callable, Dict, List, Optional, Union

from jqcli.adapters.sandbox.site.engine.stats import seq_sum


class OrderCost:
    def __init__(
        self,
        open_tax: float = 0.0,
        close_tax: float = 0.0,
        open_commission: float = 0.0,
        close_commission: float = 0.0,
        close_today_commission: float = 0.0,
        min_commission: float = 0.0,
    ) -> None:
        self.open_tax, self.close_tax = float(open_tax), float(close_tax)
        self.open_commission, self.close_commission = float(open_commission), float(close_commission)
        self.close_today_commission, self.min_commission = float(close_today_commission), float(min_commission)

    def __repr__(self) -> str:
        return (
            f"OrderCost(open_tax={self.open_tax}, close_tax={self.close_tax}, open_commission={self.open_commission}, "
            f"close_commission={self.close_commission}, close_today_commission={self.close_today_commission}, "
            f"min_commission={self.min_commission})"
        )


class FixedSlippage:
    """A fixed price difference: buys pay ``value / 2`` more, sells get ``value / 2`` less."""

    def __init__(self, value: float) -> None:
        self.value = float(value)

    def apply(self, price: float, is_buy: bool) -> float:
        return price + self.value / 2 if is_buy else price - self.value / 2


class PriceRelatedSlippage:
    """A price ratio: buys pay ``price × (1 + ratio / 2)``, sells get ``price × (1 − ratio / 2)``."""

    def __init__(self, value: float = 0.00246) -> None:
        self.value = float(value)

    def apply(self, price: float, is_buy: bool) -> float:
        return price * (1 + self.value / 2) if is_buy else price * (1 - self.value / 2)


class MarketOrderStyle:
    def __init__(self, limit_price: Optional[float] = None) -> None:
        self.limit_price = limit_price


class LimitOrderStyle:
    def __init__(self, limit_price: float) -> None:
        self.limit_price = float(limit_price)


DEFAULT_COSTS = {
    "stock": OrderCost(close_tax=0.001, open_commission=0.0003, close_commission=0.0003, min_commission=5),
    "fund": OrderCost(open_commission=0.0003, close_commission=0.0003, min_commission=5),
}


class Position:
    def __init__(self, security: str, when: datetime) -> None:
        self.security = security
        self.total_amount = 0
        self.closeable_amount = 0
        self.today_amount = 0
        self.avg_cost = 0.0
        self.acc_avg_cost = 0.0
        self.hold_cost = 0.0
        self.price = 0.0
        self.init_time = when
        self.transact_time = when
        self.locked_amount = 0
        self.side = "long"
        self.entry_day = 0.0  # amount-weighted day index of the shares held (for avg_position_days)

    @property
    def value(self) -> float:
        return self.total_amount * self.price

    def __repr__(self) -> str:
        return (
            f"UserPosition({{'security': {self.security!r}, 'price': {self.price}, "
            f"'acc_avg_cost': {self.acc_avg_cost}, 'avg_cost': {self.avg_cost}, 'total_amount': {self.total_amount}, "
            f"'closeable_amount': {self.closeable_amount}, 'value': {self.value}}})"
        )


class Positions(Dict[str, "Position"]):
    """``portfolio.positions``: a missing security reads as an empty position (not stored)."""

    def __missing__(self, security: str) -> Position:
        return Position(security, datetime(1970, 1, 1))


class Portfolio:
    def __init__(self, capital: float) -> None:
        self.starting_cash = float(capital)
        self.available_cash = float(capital)
        self.positions: Positions = Positions()
        self.locked_cash = 0.0
        self.inout_cash = 0.0

    @property
    def cash(self) -> float:
        return self.available_cash

    @property
    def transferable_cash(self) -> float:
        return self.available_cash

    @property
    def long_positions(self) -> Positions:
        return self.positions

    @property
    def short_positions(self) -> Dict[str, Position]:
        return {}

    @property
    def positions_value(self) -> float:
        return seq_sum(p.value for p in self.positions.values())  # not sum(): compensated on 3.12+

    @property
    def total_value(self) -> float:
        return self.available_cash + self.positions_value

    @property
    def portfolio_value(self) -> float:
        return self.total_value

    @property
    def returns(self) -> float:
        return self.total_value / self.starting_cash - 1


class Order:
    def __init__(self, order_id: int, security: str, amount: int, is_buy: bool, when: datetime, style: object) -> None:
        self.order_id = order_id
        self.security, self.amount, self.is_buy, self.add_time = security, amount, is_buy, when
        self.style = style
        self.filled = 0
        self.price = 0.0
        self.avg_cost = 0.0
        self.commission = 0.0
        self.status = "open"
        self.side = "long"
        self.action = "open" if is_buy else "close"

    def __repr__(self) -> str:
        return (
            f"UserOrder({{'order_id': {self.order_id}, 'security': {self.security!r}, 'amount': {self.amount}, "
            f"'filled': {self.filled}, 'price': {self.price}, 'is_buy': {self.is_buy}, 'status': {self.status!r}}})"
        )


class Quote:
    """What the broker needs to know about a security at the current moment."""

    def __init__(self, price: float, high_limit: float, low_limit: float, paused: bool, tradable: bool) -> None:
        self.price, self.high_limit, self.low_limit = price, high_limit, low_limit
        self.paused, self.tradable = paused, tradable


def cents(x: float) -> float:
    return math.floor(x * 100 + 0.5) / 100


class Broker:
    """Fills orders against quotes and keeps the portfolio; reports through ``warn`` and ``on_trade``."""

    def __init__(
        self, portfolio: Portfolio, warn: Callable[[str], None], on_trade: Callable[[Dict[str, object]], None]
    ) -> None:
        self.portfolio = portfolio
        self.costs: Dict[str, OrderCost] = dict(DEFAULT_COSTS)
        self.slippage: Dict[str, Union[FixedSlippage, PriceRelatedSlippage]] = {
            "stock": PriceRelatedSlippage(0.00246),
            "fund": PriceRelatedSlippage(0.00246),
        }
        self.warn, self.on_trade = warn, on_trade
        self.day_index = 0
        self.closed_trades: List[Dict[str, float]] = []  # per sell: gains, cost basis, days held
        self.traded_value = 0.0
        self.buys = self.sells = 0
        self.orders: Dict[int, Order] = {}
        self.next_id = 0  # order ids count from 1 in every run
        self._last_gains = 0.0  # the gains of the last fill (0 for buys), for its transaction row

    def new_day(self, day_index: int) -> None:
        self.day_index = day_index
        self.buys = self.sells = 0
        self.orders = {}
        for pos in self.portfolio.positions.values():
            pos.closeable_amount = pos.total_amount
            pos.today_amount = 0

    def place(
        self, security: str, display: str, kind: str, delta: int, quote: Quote, when: datetime, style: object
    ) -> Optional[Order]:
        """Try to trade ``delta`` shares (positive buys, negative sells); None when refused."""
        is_buy = delta > 0
        self.next_id += 1
        order = Order(self.next_id, security, abs(int(delta)), is_buy, when, style)
        limit_price = getattr(style, "limit_price", None) if isinstance(style, LimitOrderStyle) else None

        def refuse(text: str) -> None:
            order.status = "rejected"
            self.warn(text)
            self._row(order, display, when, limit_price, refused=True)

        if delta == 0:
            self.warn(f"下单失败：{display} 下单数量为 0，不下单")
            return None
        if not quote.tradable:
            refuse(f"下单失败：{display} 是指数，不能交易")
            return None
        if quote.paused:
            refuse(f"下单失败：{display} 今日停牌，不能交易")
            return None
        if is_buy and quote.price >= quote.high_limit - 1e-9:
            refuse(f"下单失败：{display} 涨停，不能买入")
            return None
        if not is_buy and quote.price <= quote.low_limit + 1e-9:
            refuse(f"下单失败：{display} 跌停，不能卖出")
            return None
        slip = self.slippage.get(kind) or self.slippage["stock"]
        fill = min(max(slip.apply(quote.price, is_buy), quote.low_limit), quote.high_limit)
        if limit_price is not None and (fill > limit_price + 1e-9 if is_buy else fill < limit_price - 1e-9):
            refuse(f"下单失败：{display} 限价 {limit_price} 无法成交")
            return None
        cost = self.costs.get(kind) or self.costs["stock"]
        pos = self.portfolio.positions.get(security)
        amount = order.amount
        if is_buy:
            amount = amount // 100 * 100
            if amount <= 0:
                refuse(f"下单失败：{display} 开仓数量不能小于 100")
                return None
            cash = self.portfolio.available_cash
            while amount > 0 and amount * fill + self._fees(cost, amount * fill, True) > cash + 1e-9:
                affordable = int(cash / (fill * (1 + cost.open_commission + cost.open_tax)) // 100 * 100)
                amount = min(amount - 100, affordable)
            if amount <= 0:
                refuse(f"下单失败：{display} 可用资金不足，无法买入 100 股")
                return None
            if amount < order.amount // 100 * 100:
                self.warn(f"{display} 可用资金不足，下单数量由 {order.amount} 调整为 {amount}")
        else:
            held = pos.total_amount if pos else 0
            closeable = pos.closeable_amount if pos else 0
            if held <= 0:
                refuse(f"下单失败：{display} 没有持仓，不能卖出")
                return None
            if closeable <= 0:
                refuse(f"下单失败：{display} 今日买入的股票今日不能卖出（T+1），可卖数量为 0")
                return None
            if amount > closeable:
                self.warn(f"{display} 可卖数量不足，下单数量由 {amount} 调整为 {closeable}")
                amount = closeable
            if amount < held:
                amount = amount // 100 * 100
                if amount <= 0:
                    refuse(f"下单失败：{display} 平仓数量不能小于 100")
                    return None
        value = amount * fill
        fees = self._fees(cost, value, is_buy)
        self._apply(security, amount, fill, fees, is_buy, when)
        order.filled, order.price, order.commission, order.status = amount, fill, fees, "held"
        order.avg_cost = fill
        self.orders[order.order_id] = order
        self._row(order, display, when, limit_price, refused=False)
        return order

    @staticmethod
    def _fees(cost: OrderCost, value: float, is_buy: bool) -> float:
        rate = cost.open_commission if is_buy else cost.close_commission
        commission = max(cents(value * rate), cost.min_commission)
        tax = cents(value * (cost.open_tax if is_buy else cost.close_tax))
        return commission + tax

    def _apply(self, security: str, amount: int, fill: float, fees: float, is_buy: bool, when: datetime) -> None:
        port = self.portfolio
        pos = port.positions.get(security)
        self.traded_value += amount * fill
        if is_buy:
            if pos is None:
                pos = Position(security, when)
                port.positions[security] = pos
            total = pos.total_amount + amount
            pos.avg_cost = (pos.avg_cost * pos.total_amount + fill * amount) / total
            pos.acc_avg_cost = (pos.acc_avg_cost * pos.total_amount + fill * amount + fees) / total
            pos.hold_cost = pos.acc_avg_cost
            pos.entry_day = (pos.entry_day * pos.total_amount + self.day_index * amount) / total
            pos.total_amount = total
            pos.today_amount += amount
            pos.price = fill
            port.available_cash -= amount * fill + fees
            self.buys += 1
            self._last_gains = 0.0
        else:
            assert pos is not None
            gains = (fill - pos.avg_cost) * amount - fees
            basis = pos.avg_cost * amount
            self.closed_trades.append(
                {"gains": gains, "basis": basis, "days": self.day_index - pos.entry_day, "amount": float(amount)}
            )
            pos.total_amount -= amount
            pos.closeable_amount -= amount
            pos.price = fill
            port.available_cash += amount * fill - fees
            self.sells += 1
            self._last_gains = gains
            if pos.total_amount == 0:
                del port.positions[security]
        if pos is not None:
            pos.transact_time = when

    def _row(self, order: Order, display: str, when: datetime, limit_price: Optional[float], refused: bool) -> None:
        filled = 0 if refused else order.filled
        price = 0.0 if refused else order.price
        stamp = when.strftime("%Y-%m-%d %H:%M:%S")
        self.on_trade(
            {
                "date": stamp[:10],
                "tradeDate": stamp[:10],
                "time": stamp[11:],
                "security": order.security,
                "stock": display,
                "transaction": "买" if order.is_buy else "卖",
                "type": "限价单" if limit_price is not None else "市价单",
                "amount": filled,
                "price": round(price, 4),
                "total": round(filled * price, 2),
                "gains": 0.0 if (refused or order.is_buy) else round(self._last_gains, 2),
                "commission": 0.0 if refused else order.commission,
                "status": "废单" if refused else "全部成交",
                "orderAmount": order.amount,
                "limitPrice": limit_price if limit_price is not None else 0.0,
                "matchTime": "" if refused else stamp,
                "transactionPersent": "0.00%" if refused or not order.amount else f"{filled / order.amount * 100:.2f}%",
                "trueOrderAmount": order.amount,
                "trueAmount": filled,
                "trueLimitPrice": limit_price if limit_price is not None else 0.0,
                "truePrice": price,  # unrounded
            }
        )
