"""The JoinQuant API subset a strategy sees as globals (and through ``jqdata``).

Trading: ``order``, ``order_target``, ``order_value``, ``order_target_value``,
``get_open_orders``; settings: ``set_benchmark``, ``set_option`` ('use_real_price',
'avoid_future_data'), ``set_order_cost`` (type 'stock' or 'fund'),
``set_slippage``; scheduling: ``run_daily``/``run_weekly``/``run_monthly``
(time 'before_open', 'open', 'every_bar', 'HH:MM', 'after_close'),
``unschedule_all``; ``g``, ``log`` (info/warn/warning/error/debug/set_level),
``print``, ``record``; the data functions of ``data_api``; ``query`` and the
``valuation`` table.  Well-known JoinQuant names outside the subset are
defined as stubs that raise ``NotEmulatedError`` naming them, so a strategy
using one fails clearly instead of running on made-up data.
"""

from __future__ import annotations

import types
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Protocol, Tuple

from jqcli.adapters.sandbox.site.engine import broker as B
from jqcli.adapters.sandbox.site.engine import fundamentals as F
from jqcli.adapters.sandbox.site.engine import universe as U
from jqcli.adapters.sandbox.site.engine.errors import NotEmulatedError, not_emulated

if TYPE_CHECKING:  # numpy-importing modules: the types only (runner imports this module without numpy)
    from jqcli.adapters.sandbox.site.engine.data_api import Data
    from jqcli.adapters.sandbox.site.engine.feed import Feed


class Engine(Protocol):
    """What the API reads of ``simulation.Engine`` (a protocol, so this module needs no import of it)."""

    unit: str
    benchmark: str
    options: Dict[str, Any]
    schedule: List[Tuple[str, int, str, Callable[..., Any]]]
    records: Dict[str, float]
    g: GlobalVars
    user_log: Log
    broker: B.Broker
    feed: Feed
    data: Data

    def log(self, level: str, msg: str) -> None: ...

    def place(
        self, security: str, delta_of: Callable[[int, float], int], style: Any, side: str
    ) -> Optional[B.Order]: ...


NOT_EMULATED_FUNCTIONS = (
    "get_money_flow",
    "get_billboard_list",
    "get_locked_shares",
    "get_index_weights",
    "get_industry_stocks",
    "get_concept_stocks",
    "get_industries",
    "get_concepts",
    "get_industry",
    "get_extras",
    "get_fundamentals_continuously",
    "get_mtss",
    "get_margincash_stocks",
    "get_marginsec_stocks",
    "get_dominant_future",
    "get_future_contracts",
    "get_ticks",
    "get_call_auction",
    "get_valuation",
    "get_factor_values",
    "get_all_factors",
    "get_history_fundamentals",
    "get_current_tick",
    "get_baidu_factor",
    "get_price_engine",
    "cancel_order",
    "get_orders",
    "get_trades",
    "order_target_volume",
    "set_universe",
    "set_commission",
    "set_subportfolios",
    "SubPortfolioConfig",
    "transfer_cash",
    "subscribe",
    "unsubscribe",
    "unsubscribe_all",
    "send_message",
    "run_timely",
    "set_price_limit",
    "get_security_type",
    "get_index_stocks_weight",
    "get_bars_engine",
    "get_last_price",
    "get_extras_engine",
    "set_params",
    "order_percent",
    "get_fund_info",
    "get_margin_stocks",
    "read_file",
    "write_file",
    "set_order_cost_by_security",
    "StepRelatedSlippage",
    "get_concept",
    "get_stock_info",
)
NOT_EMULATED_OBJECTS = ("finance", "macro", "jy", "opt", "sup", "bond", "alpha101", "alpha191", "technical_analysis")
LEVELS = {"debug": 10, "info": 20, "warning": 30, "warn": 30, "error": 40}
TIME_WORDS = ("before_open", "open", "every_bar", "after_close")


def _stub(name: str) -> Callable[..., Any]:
    def stub(*_args: Any, **_kwargs: Any) -> Any:
        raise not_emulated(f"函数 {name}")

    stub.__name__ = name
    return stub


class _Unsupported:
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise not_emulated(f"{self._name}.{attr}")

    def __call__(self, *_a: Any, **_k: Any) -> Any:
        raise not_emulated(self._name)


class GlobalVars:
    """``g``: the strategy's global variables."""

    def __repr__(self) -> str:
        return f"g({vars(self)!r})"


class RunParams:
    def __init__(self, start: Any, end: Any, frequency: str) -> None:
        self.start_date, self.end_date = start, end
        self.type = "simple_backtest"
        self.frequency = frequency


class Context:
    def __init__(self, portfolio: B.Portfolio, run_params: RunParams) -> None:
        self.portfolio = portfolio
        self.subportfolios = [portfolio]
        self.run_params = run_params
        self.current_dt = datetime(1970, 1, 1)
        self.previous_date: Any = None
        self.universe: List[str] = []

    def __repr__(self) -> str:
        return f"Context(current_dt={self.current_dt})"


class Log:
    """``log``: lines go to the run's user log at the simulated time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._levels = {"strategy": 10, "order": 10, "history": 10, "system": 10}

    def _emit(self, level: str, msg: Any, args: Tuple[Any, ...]) -> None:
        if LEVELS[level.lower()] < self._levels["strategy"]:
            return
        text = str(msg)
        if args:
            try:
                text = text % args
            except (TypeError, ValueError):
                text = " ".join([text, *map(str, args)])
        self._engine.log(level.upper() if level != "warn" else "WARNING", text)

    def info(self, msg: Any = "", *args: Any) -> None:
        self._emit("info", msg, args)

    def warn(self, msg: Any = "", *args: Any) -> None:
        self._emit("warning", msg, args)

    warning = warn

    def error(self, msg: Any = "", *args: Any) -> None:
        self._emit("error", msg, args)

    def debug(self, msg: Any = "", *args: Any) -> None:
        self._emit("debug", msg, args)

    def set_level(self, name: str, level: str) -> None:
        if name not in self._levels:
            raise ValueError(f"log.set_level 的第一个参数必须是 {', '.join(self._levels)} 之一，而不是 {name!r}")
        if str(level).lower() not in LEVELS:
            raise ValueError(f"log.set_level 的级别必须是 debug、info、warning、error 之一，而不是 {level!r}")
        self._levels[name] = LEVELS[str(level).lower()]

    def order_level(self) -> int:
        return self._levels["order"]


class CurrentItem:
    """One entry of ``get_current_data()``."""

    def __init__(self, engine: Engine, code: str) -> None:
        sec = U.security(code)
        if sec is None:
            raise KeyError(code)
        self._engine, self.code, self._sec = engine, code, sec

    @property
    def last_price(self) -> float:
        return self._engine.feed.price(self.code)

    @property
    def high_limit(self) -> float:
        return self._engine.feed.day_value("high_limit", self._engine.feed.row, self.code)

    @property
    def low_limit(self) -> float:
        return self._engine.feed.day_value("low_limit", self._engine.feed.row, self.code)

    @property
    def paused(self) -> bool:
        return bool(self._engine.feed.market.bars["paused"][self._engine.feed.row, self._engine.feed.col(self.code)])

    @property
    def is_st(self) -> bool:
        return self._sec.is_st

    @property
    def day_open(self) -> float:
        feed = self._engine.feed
        return feed.day_value("open", feed.row, self.code) if feed.slot >= 0 else float("nan")

    @property
    def name(self) -> str:
        return self._sec.display_name

    @property
    def industry_code(self) -> str:
        raise not_emulated("get_current_data()[...].industry_code（行业分类）")

    def __repr__(self) -> str:
        return f"CurrentData({self.code}, last_price={self.last_price})"


class CurrentData(Dict[str, Any]):
    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine

    def __missing__(self, code: str) -> CurrentItem:
        item = CurrentItem(self._engine, code)
        self[code] = item
        return item


class BarData:
    """``data[security]`` in ``handle_data``: the last complete bar."""

    def __init__(self, engine: Engine, code: str) -> None:
        self._engine, self.security = engine, code
        frame = engine.data.attribute_history(
            code, 1, engine.unit, ("open", "close", "high", "low", "volume", "money"), skip_paused=False
        )
        row = frame.iloc[-1] if len(frame) else None

        def field(name: str) -> float:
            return float(row[name]) if row is not None else float("nan")

        self.open, self.close, self.high, self.low = field("open"), field("close"), field("high"), field("low")
        self.volume, self.money = field("volume"), field("money")
        self.price = self.close
        self.paused = bool(engine.feed.market.bars["paused"][engine.feed.row, engine.feed.col(code)])

    def mavg(self, days: int, field: str = "close") -> float:
        return float(self._engine.data.attribute_history(self.security, days, "1d", [field])[field].mean())

    def vwap(self, days: int) -> float:
        f = self._engine.data.attribute_history(self.security, days, "1d", ["money", "volume"])
        return float(f["money"].sum() / f["volume"].sum()) if f["volume"].sum() else float("nan")


class BarDict(Dict[str, Any]):
    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine

    def __missing__(self, code: str) -> BarData:
        item = BarData(self._engine, code)
        self[code] = item
        return item


def namespace(engine: Engine) -> Dict[str, Any]:
    """Every name the strategy gets without importing anything."""
    data = engine.data
    ns: Dict[str, Any] = {}
    for name in NOT_EMULATED_FUNCTIONS:
        ns[name] = _stub(name)
    for name in NOT_EMULATED_OBJECTS:
        ns[name] = _Unsupported(name)
    for name in F.UNSUPPORTED_TABLES:
        ns[name] = F.Table(name, None)

    def set_benchmark(security: Any) -> None:
        if not isinstance(security, str):
            raise not_emulated("set_benchmark 的组合基准（只支持一个代码）")
        engine.feed.col(security)
        engine.benchmark = security

    def set_option(name: str, value: Any) -> None:
        if name not in ("use_real_price", "avoid_future_data"):
            raise not_emulated(f"set_option({name!r})（只模拟 'use_real_price' 和 'avoid_future_data'）")
        engine.options[name] = value

    def set_order_cost(cost: B.OrderCost, type: str = "stock", ref: Optional[str] = None) -> None:  # noqa: A002
        if ref is not None:
            raise not_emulated("set_order_cost 的 ref（按标的设置费用）")
        if type not in ("stock", "fund"):
            raise not_emulated(f"set_order_cost(type={type!r})（只模拟 'stock' 和 'fund'）")
        if not isinstance(cost, B.OrderCost):
            raise TypeError("set_order_cost 的第一个参数必须是 OrderCost(...)")
        engine.broker.costs[type] = cost

    def set_slippage(slippage: Any, type: Optional[str] = None, ref: Optional[str] = None) -> None:  # noqa: A002
        if ref is not None:
            raise not_emulated("set_slippage 的 ref（按标的设置滑点）")
        if not isinstance(slippage, (B.FixedSlippage, B.PriceRelatedSlippage)):
            raise TypeError("set_slippage 的参数必须是 FixedSlippage(...) 或 PriceRelatedSlippage(...)")
        for kind in ("stock", "fund") if type is None else (type,):
            if kind not in ("stock", "fund"):
                raise not_emulated(f"set_slippage(type={kind!r})（只模拟 'stock' 和 'fund'）")
            engine.broker.slippage[kind] = slippage

    def _check_time(when: str) -> str:
        text = str(when)
        if text in TIME_WORDS:
            return text
        parts = text.split(":")
        if len(parts) == 2 and all(p.isdigit() for p in parts) and int(parts[0]) < 24 and int(parts[1]) < 60:
            return f"{int(parts[0]):02d}:{int(parts[1]):02d}"
        raise ValueError(
            f"time 参数必须是 'before_open'、'open'、'every_bar'、'after_close' 或 'HH:MM'，而不是 {when!r}"
        )

    def run_daily(func: Callable[..., Any], time: str = "9:30", reference_security: str = "000300.XSHG") -> None:
        engine.schedule.append(("daily", 0, _check_time(time), func))

    def run_weekly(
        func: Callable[..., Any],
        weekday: int,
        time: str = "9:30",
        reference_security: str = "000300.XSHG",
        force: bool = True,
    ) -> None:
        engine.schedule.append(("weekly", int(weekday), _check_time(time), func))

    def run_monthly(
        func: Callable[..., Any],
        monthday: int,
        time: str = "9:30",
        reference_security: str = "000300.XSHG",
        force: bool = True,
    ) -> None:
        engine.schedule.append(("monthly", int(monthday), _check_time(time), func))

    def unschedule_all() -> None:
        engine.schedule.clear()

    def record(**values: Any) -> None:
        for key, value in values.items():
            engine.records[str(key)] = float(value)

    def user_print(*args: Any, sep: str = " ", end: str = "\n", file: Any = None, flush: bool = False) -> None:
        if file is not None:
            print(*args, sep=sep, end=end, file=file, flush=flush)  # noqa: T201 - an explicit file stays a file
            return
        engine.log("INFO", sep.join(str(a) for a in args))

    def order(
        security: str, amount: int, style: Any = None, side: str = "long", pindex: int = 0, close_today: bool = False
    ) -> Any:
        return engine.place(security, lambda _held, _price: int(amount), style, side)

    def order_target(
        security: str, amount: int, style: Any = None, side: str = "long", pindex: int = 0, close_today: bool = False
    ) -> Any:
        return engine.place(security, lambda held, _price: int(amount) - held, style, side)

    def order_value(
        security: str, value: float, style: Any = None, side: str = "long", pindex: int = 0, close_today: bool = False
    ) -> Any:
        return engine.place(security, lambda _held, price: int(float(value) / price) if price > 0 else 0, style, side)

    def order_target_value(
        security: str, value: float, style: Any = None, side: str = "long", pindex: int = 0, close_today: bool = False
    ) -> Any:
        return engine.place(
            security, lambda held, price: (int(float(value) / price) if price > 0 else 0) - held, style, side
        )

    def get_open_orders(security: Optional[str] = None) -> Dict[int, B.Order]:
        return {}  # orders fill or are refused at once: nothing stays open

    def get_current_data(security_list: Any = None) -> CurrentData:
        return CurrentData(engine)

    ns.update(
        g=engine.g,
        log=engine.user_log,
        print=user_print,
        record=record,
        set_benchmark=set_benchmark,
        set_option=set_option,
        set_order_cost=set_order_cost,
        set_slippage=set_slippage,
        OrderCost=B.OrderCost,
        FixedSlippage=B.FixedSlippage,
        PriceRelatedSlippage=B.PriceRelatedSlippage,
        MarketOrderStyle=B.MarketOrderStyle,
        LimitOrderStyle=B.LimitOrderStyle,
        run_daily=run_daily,
        run_weekly=run_weekly,
        run_monthly=run_monthly,
        unschedule_all=unschedule_all,
        order=order,
        order_target=order_target,
        order_value=order_value,
        order_target_value=order_target_value,
        get_open_orders=get_open_orders,
        get_current_data=get_current_data,
        get_price=data.get_price,
        attribute_history=data.attribute_history,
        history=data.history,
        get_bars=data.get_bars,
        get_index_stocks=data.get_index_stocks,
        get_all_securities=data.get_all_securities,
        get_security_info=data.get_security_info,
        get_trade_days=data.get_trade_days,
        get_all_trade_days=data.get_all_trade_days,
        get_fundamentals=data.get_fundamentals,
        normalize_code=data.normalize_code,
        query=F.query,
        valuation=F.valuation,
        NotEmulatedError=NotEmulatedError,
    )
    return ns


def jqdata_module(ns: Dict[str, Any]) -> types.ModuleType:
    """A ``jqdata`` module exporting the API; any other attribute fails as not emulated."""
    mod = types.ModuleType("jqdata", "沙盒模拟的聚宽 jqdata（合成数据）")
    public = {k: v for k, v in ns.items() if k not in ("print",)}
    mod.__dict__.update(public)
    mod.__dict__["__all__"] = sorted(public)

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise not_emulated(f"jqdata.{name}")

    setattr(mod, "__getattr__", __getattr__)  # noqa: B010 - PEP 562 module attribute hook
    return mod
