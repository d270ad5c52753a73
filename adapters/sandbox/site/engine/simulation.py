"""The simulation of one run: the engine's state and its day-by-day loop.

A day, in simulated time: ``before_trading_start`` and ``before_open`` jobs at
09:00; ``open`` jobs, ``every_bar`` jobs and ``handle_data`` at 09:30 (daily
frequency) or at every minute 09:30–11:29 and 13:00–14:59 (minute frequency);
``HH:MM`` jobs at their minute; the close at 15:00 (positions valued at the
close); ``after_close`` jobs and ``after_trading_end`` at 15:30.  Scheduled jobs run
before ``handle_data`` at the same moment, in the order they were registered.
"""

from __future__ import annotations

import types
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Tuple

from jqcli.adapters.sandbox.site.engine import api as A
from jqcli.adapters.sandbox.site.engine import broker as B
from jqcli.adapters.sandbox.site.engine import stats as S
from jqcli.adapters.sandbox.site.engine import universe as U
from jqcli.adapters.sandbox.site.engine.errors import exception_line, user_traceback
from jqcli.adapters.sandbox.site.engine.events import Sink

HISTORY_DAYS = 500  # trading days of bars kept before the start for lookbacks
CN_OFFSET = timedelta(hours=8)


def day_ms(day: date) -> int:
    """Milliseconds of the day's 00:00 Beijing time (as the sandbox's result curve uses)."""
    return int((datetime(day.year, day.month, day.day) - CN_OFFSET - datetime(1970, 1, 1)).total_seconds() * 1000)


def weekdays_between(first: date, last: date) -> List[date]:
    out, day = [], first
    while day <= last:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def calendar_for(days: List[date]) -> Tuple[List[date], int, int]:
    """The run's calendar (weekdays from the epoch, then the site's days), the first kept row, the run's first row."""
    first = days[0]
    before = weekdays_between(U.EPOCH, first - timedelta(days=1)) if first > U.EPOCH else []
    keep_from = max(0, len(before) - HISTORY_DAYS)
    return before + list(days), keep_from, len(before) - keep_from


@lru_cache(maxsize=2)
def cached_market(calendar: Tuple[date, ...], keep_from: int) -> Any:
    """Markets are read-only: runs in one process over the same calendar share one."""
    from jqcli.adapters.sandbox.site.engine.market import Market

    return Market(calendar, keep_from)


def market_for(days: List[date]) -> Tuple[Any, int]:
    """The synthetic market a run over ``days`` sees, and the row of its first day (for tests and tools)."""
    calendar, keep_from, first_row = calendar_for(days)
    return cached_market(tuple(calendar), keep_from), first_row


class UserFailure(Exception):
    """The strategy raised: carries the formatted traceback."""

    def __init__(self, text: str, exception: str, when: datetime) -> None:
        super().__init__(exception)
        self.text, self.exception, self.when = text, exception, when


class Engine:
    def __init__(self, job: Dict[str, Any], sink: Sink) -> None:
        from jqcli.adapters.sandbox.site.engine.data_api import Data
        from jqcli.adapters.sandbox.site.engine.feed import Feed

        self.job, self.sink = job, sink
        self.capital = float(job.get("capital") or 1000000.0)
        self.frequency = "minute" if job.get("frequency") == "minute" else "day"
        self.unit = "1m" if self.frequency == "minute" else "1d"
        self.days: List[date] = [date.fromisoformat(d[:10]) for d in job["trade_days"]]
        calendar, keep_from, self.first_row = calendar_for(self.days)
        self.market = cached_market(tuple(calendar), keep_from)
        self.feed = Feed(self.market)
        self.data = Data(self.feed)
        last = self.days[-1]
        after = weekdays_between(last + timedelta(days=1), max(date(last.year, 12, 31), last + timedelta(days=40)))
        self.position_calendar = calendar + after  # the calendar is not look-ahead: it runs to the year's end
        self.data.calendar = self.position_calendar
        self.portfolio = B.Portfolio(self.capital)
        self.broker = B.Broker(self.portfolio, self._order_warning, self._trade)
        self.g = A.GlobalVars()
        self.user_log = A.Log(self)
        self.schedule: List[Tuple[str, int, str, Callable[..., Any]]] = []
        self.records: Dict[str, float] = {}
        self.benchmark = "000300.XSHG"
        self.options: Dict[str, Any] = {}
        self.context = A.Context(self.portfolio, A.RunParams(self.days[0], self.days[-1], self.frequency))
        self.flows: Dict[str, float] = {}
        self.values: List[float] = []
        self.bench_values: List[float] = []
        self.days_done = 0

    # -- output -------------------------------------------------------------------------------------------------
    def log(self, level: str, msg: str) -> None:
        self.sink.emit({"e": "log", "time": self.feed.now.strftime("%Y-%m-%d %H:%M:%S"), "level": level, "msg": msg})

    def _order_warning(self, text: str) -> None:
        if self.user_log.order_level() <= 30:
            self.log("WARNING", text)

    def _trade(self, row: Dict[str, object]) -> None:
        if row["amount"]:
            sign = 1 if row["transaction"] == "买" else -1
            code = str(row["security"])
            self.flows[code] = self.flows.get(code, 0.0) + sign * float(str(row["total"]))
        self.sink.emit({"e": "trade", **row})

    # -- trading ------------------------------------------------------------------------------------------------
    def place(self, security: str, delta_of: Callable[[int, float], int], style: Any, side: str) -> Optional[B.Order]:
        from jqcli.adapters.sandbox.site.engine.errors import not_emulated

        if side != "long":
            raise not_emulated("做空（side='short'）")
        if style is not None and not isinstance(style, (B.MarketOrderStyle, B.LimitOrderStyle)):
            raise TypeError("style 必须是 MarketOrderStyle(...) 或 LimitOrderStyle(...)")
        feed = self.feed
        col = feed.col(security)
        sec = U.security(security)
        assert sec is not None
        display = feed.display(security)
        moment = feed.now.time()
        trading = time(9, 30) <= moment <= time(11, 30) or time(13, 0) <= moment <= time(15, 0)
        if not trading:
            self._order_warning(f"下单失败：{display} 不在交易时间（09:30-11:30、13:00-15:00），无法成交")
            return None
        price = feed.price(security)
        pos = self.portfolio.positions.get(security)
        delta = delta_of(pos.total_amount if pos else 0, price)
        bars = self.market.bars
        quote = B.Quote(
            price,
            float(bars["high_limit"][feed.row, col]),
            float(bars["low_limit"][feed.row, col]),
            bool(bars["paused"][feed.row, col]),
            sec.type != "index",
        )
        kind = "fund" if sec.type == "etf" else "stock"
        order = self.broker.place(security, display, kind, delta, quote, feed.now, style)
        held = self.portfolio.positions.get(security)
        if held is not None:
            held.price = price
        return order

    def _mark(self) -> None:
        for code, pos in self.portfolio.positions.items():
            pos.price = self.feed.price(code)

    # -- the run ------------------------------------------------------------------------------------------------
    def _call(self, func: Callable[..., Any], *args: Any) -> None:
        try:
            func(*args)
        except MemoryError:
            raise
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - any error of the strategy fails the run
            raise UserFailure(user_traceback(exc), exception_line(exc), self.feed.now) from None

    def _at(self, row: int, moment: datetime) -> None:
        self.feed.set_time(row, moment)
        self.context.current_dt = moment
        self._mark()

    def start(self, module: types.ModuleType) -> None:
        self.module = module
        self._at(self.first_row, datetime.combine(self.days[0], time(0, 0)))
        prev = self.first_row - 1
        self.context.previous_date = self.market.dates[prev] if prev >= 0 else self.days[0] - timedelta(days=1)
        init = getattr(module, "initialize", None)
        if init is None:
            raise UserFailure("策略缺少 initialize(context) 函数", "NameError: initialize", self.feed.now)
        self._call(init, self.context)
        proc = getattr(module, "process_initialize", None)
        if callable(proc):
            self._call(proc, self.context)
        if self.bench_base() <= 0:
            raise UserFailure(f"基准 {self.benchmark} 没有行情", "ValueError: benchmark", self.feed.now)

    def bench_base(self) -> float:
        return self.feed.day_value("pre_close", self.first_row, self.benchmark)

    def _position_in(self, k: int, key: Callable[[date], Any]) -> Tuple[int, int]:
        """(1-based position, count) of day k of the run among the trading days of its week/month."""
        day = self.days[k]
        group = [d for d in self._neighbours(day) if key(d) == key(day)]
        return group.index(day) + 1, len(group)

    def _neighbours(self, day: date) -> List[date]:
        import bisect

        cal = self.position_calendar
        i = bisect.bisect_left(cal, day)
        return cal[max(0, i - 25) : i + 25]

    def _due(self, kind: str, n: int, k: int) -> bool:
        if kind == "daily":
            return True
        key = (lambda d: d.isocalendar()[:2]) if kind == "weekly" else (lambda d: (d.year, d.month))
        pos, count = self._position_in(k, key)
        if n > 0:
            return pos == min(n, count)
        if n < 0:
            return pos == max(count + n + 1, 1)
        return False

    def run_day(self, k: int) -> None:
        row = self.first_row + k
        day = self.days[k]
        sink = self.sink
        sink.emit({"e": "progress", "day_index": k, "days": len(self.days), "date": day.isoformat()})
        sink.flush()  # readers see which day is being simulated, even if it never ends
        self.broker.new_day(k)
        self.flows = {}
        self.records = {}
        self.context.previous_date = self.market.dates[row - 1] if row > 0 else day - timedelta(days=1)
        start_amounts = {
            c: (p.total_amount, self.feed.day_value("pre_close", row, c)) for c, p in self.portfolio.positions.items()
        }
        module = self.module
        due = [(t, f) for kind, n, t, f in list(self.schedule) if self._due(kind, n, k)]
        agenda: List[Tuple[int, int, Callable[..., Any], Tuple[Any, ...]]] = []  # (minute of day, order, func, args)
        bts = getattr(module, "before_trading_start", None)
        if callable(bts):
            agenda.append((540, 0, bts, (self.context,)))
        bars_at = [570] if self.frequency == "day" else [570 + i for i in range(120)] + [780 + i for i in range(120)]
        for t, f in due:
            if t == "before_open":
                agenda.append((540, 1, f, (self.context,)))
            elif t == "open":
                agenda.append((570, 1, f, (self.context,)))
            elif t == "every_bar":
                agenda.extend((m, 1, f, (self.context,)) for m in bars_at)
            elif t == "after_close":
                agenda.append((930, 1, f, (self.context,)))
            else:
                hh, mm = t.split(":")
                agenda.append((int(hh) * 60 + int(mm), 1, f, (self.context,)))
        hd = getattr(module, "handle_data", None)
        if callable(hd):
            bar_data = A.BarDict(self)
            agenda.extend((m, 2, hd, (self.context, bar_data)) for m in bars_at)
        ate = getattr(module, "after_trading_end", None)
        if callable(ate):
            agenda.append((930, 2, ate, (self.context,)))
        agenda.append((900, 3, self._close, ()))
        agenda.sort(key=lambda item: (item[0], item[1]))
        base = datetime(day.year, day.month, day.day)
        current = -1
        for minute_of_day, order_key, func, args in agenda:
            if minute_of_day != current:
                self._at(row, base + timedelta(minutes=minute_of_day))
                current = minute_of_day
                if args and isinstance(args[-1], A.BarDict):
                    args[-1].clear()
            if order_key == 3:
                func()
            else:
                self._call(func, *args)
        self._end_of_day(k, row, day, start_amounts)
        self.days_done = k + 1
        sink.flush()

    def _close(self) -> None:
        self._mark()

    def _end_of_day(self, k: int, row: int, day: date, start_amounts: Dict[str, Tuple[int, float]]) -> None:
        feed = self.feed
        feed.set_time(row, datetime.combine(day, time(15, 30)))
        port = self.portfolio
        for code, pos in port.positions.items():
            pos.price = feed.day_value("close", row, code)
        total = port.total_value
        prev_total = self.values[-1] if self.values else self.capital
        self.values.append(total)
        bench = feed.day_value("close", row, self.benchmark)
        self.bench_values.append(bench)
        pnl = total - prev_total
        ms = day_ms(day)
        self.sink.emit(
            {
                "e": "day",
                "date": day.isoformat(),
                "time_ms": ms,
                "returns": round((total / self.capital - 1) * 100, 6),
                "benchmark": round((bench / self.bench_base() - 1) * 100, 6),
                "earn": round(max(pnl, 0.0), 4),
                "lose": round(min(pnl, 0.0), 4),
                "buy": self.broker.buys,
                "sell": self.broker.sells,
                "total_value": round(total, 4),
                "cash": round(port.available_cash, 4),
            }
        )
        if self.records:
            self.sink.emit({"e": "record", "date": day.isoformat(), "time_ms": ms, "values": dict(self.records)})
        rows = []
        for code in sorted(port.positions):
            pos = port.positions[code]
            before_amount, before_price = start_amounts.get(code, (0, 0.0))
            daily = pos.value - before_amount * before_price - self.flows.get(code, 0.0)
            gain = (pos.price - pos.avg_cost) * pos.total_amount
            basis = pos.avg_cost * pos.total_amount
            rows.append(
                {
                    "date": day.isoformat(),
                    "security": code,
                    "stock": feed.display(code),
                    "side": "多",
                    "amount": pos.total_amount,
                    "closeableAmount": pos.closeable_amount,
                    "todayAmount": pos.today_amount,
                    "price": pos.price,
                    "value": round(pos.value, 4),
                    "gain": round(gain, 4),
                    "avgCost": round(pos.avg_cost, 6),
                    "holdCost": round(pos.hold_cost, 6),
                    "margin": 0,
                    "dailyGains": round(daily, 4),
                    "gainPercent": round(gain / basis * 100, 4) if basis else 0.0,
                    "positionPersent": round(pos.value / total * 100, 4) if total else 0.0,
                    "totalValue": round(total, 4),
                }
            )
        rows.append(
            {
                "date": day.isoformat(),
                "security": "",
                "stock": '<span class="label label-cash">Cash</span>',
                "side": "",
                "amount": "",
                "closeableAmount": "",
                "todayAmount": "",
                "price": "",
                "value": round(port.available_cash, 4),
                "gain": "",
                "avgCost": "",
                "holdCost": "",
                "margin": "",
                "dailyGains": "",
                "gainPercent": "",
                "positionPersent": round(port.available_cash / total * 100, 4) if total else 0.0,
                "totalValue": 0,
            }
        )
        self.sink.emit({"e": "positions", "date": day.isoformat(), "rows": rows})

    def stats(self, wall: float, cpu: float) -> Dict[str, object]:
        days = self.days[: len(self.values)]
        out = S.summary(
            days,
            self.values,
            self.capital,
            self.bench_values,
            self.bench_base(),
            self.broker.closed_trades,
            self.broker.traded_value,
        )
        if out:
            out["report_done_seconds"] = round(wall, 3)
            out["report_done_cpu_seconds"] = round(cpu, 3)
        return out

    def risk(self) -> Dict[str, List[Dict[str, object]]]:
        days = self.days[: len(self.values)]
        return S.risk(days, self.values, self.capital, self.bench_values, self.bench_base())
