"""The data functions of the JoinQuant API over the synthetic market (pandas/numpy results).

``get_price``, ``attribute_history``, ``history``, ``get_bars``,
``get_current_data``, ``get_index_stocks``, ``get_all_securities``,
``get_security_info``, ``get_trade_days``, ``get_all_trade_days``,
``get_fundamentals``, ``normalize_code``.  Units ``1d`` and ``1m`` only; other units,
fields and parameters the sandbox does not emulate raise ``NotEmulatedError``.
Ends later than the simulated moment are clamped to it (no look-ahead).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from jqcli.adapters.sandbox.site.engine import universe as U
from jqcli.adapters.sandbox.site.engine.errors import not_emulated
from jqcli.adapters.sandbox.site.engine.feed import Feed
from jqcli.adapters.sandbox.site.engine.fundamentals import Query

DEFAULT_FIELDS = ("open", "close", "high", "low", "volume", "money")
DAILY_FIELDS = DEFAULT_FIELDS + ("avg", "pre_close", "high_limit", "low_limit", "paused", "factor")
MINUTE_FIELDS = DEFAULT_FIELDS + ("avg", "factor", "high_limit", "low_limit", "paused", "pre_close")


def to_datetime(value: Any, end_of_day: bool = False) -> Optional[datetime]:
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59, 59) if end_of_day else time(0, 0))
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d"):
            try:
                parsed = datetime.strptime(text, fmt)
            except ValueError:
                continue
            if len(text) <= 10 and end_of_day:
                parsed = parsed.replace(hour=23, minute=59, second=59)
            return parsed
    raise ValueError(f"无法识别的日期：{value!r}")


def to_date(value: Any) -> Optional[date]:
    moment = to_datetime(value)
    return moment.date() if moment else None


def _unit(unit: str) -> str:
    text = str(unit).lower()
    if text in ("1d", "daily", "d"):
        return "1d"
    if text in ("1m", "minute", "m"):
        return "1m"
    raise not_emulated(f"K 线周期 {unit!r}（只模拟 '1d' 和 '1m'）")


def _fields(fields: Any, allowed: Sequence[str], default: Sequence[str]) -> List[str]:
    if fields is None:
        return list(default)
    names = [fields] if isinstance(fields, str) else list(fields)
    for name in names:
        if name not in allowed:
            raise not_emulated(f"行情字段 {name!r}（只模拟 {', '.join(allowed)}）")
    return names


class Data:
    """The data API bound to one run's feed."""

    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self.index = pd.DatetimeIndex([datetime.combine(d, time(0)) for d in feed.market.dates])
        self.calendar: List[date] = []  # every trade day known to the run (history + the range)
        self._column_cache: Dict[Tuple[Any, ...], pd.Index] = {}

    # -- internals --------------------------------------------------------------------------------------------
    def _daily_rows(
        self, code: str, end: Optional[datetime], count: Optional[int], start: Optional[datetime], skip_paused: bool
    ) -> np.ndarray:
        feed = self.feed
        last = feed.last_daily_row()
        if end is not None:
            row = feed.row_of(end.date())
            same_day = row >= 0 and feed.market.dates[row] == end.date()
            if same_day and time(0) < end.time() < time(15, 0):  # that day's bar is not complete yet
                row -= 1
            last = min(last, row)
        if last < 0:
            return np.arange(0)
        if count is not None:
            if not skip_paused:
                return np.arange(max(0, last - int(count) + 1), last + 1)
            paused = feed.market.bars["paused"][: last + 1, feed.col(code)]
            rows = np.flatnonzero(~paused)
            return rows[-int(count) :] if int(count) > 0 else rows[:0]
        first = feed.row_of(start.date(), after=True) if start is not None else 0
        rows = np.arange(first, last + 1)
        if skip_paused and rows.size:
            rows = rows[~feed.market.bars["paused"][rows, feed.col(code)]]
        return rows

    def _daily_values(self, code: str, rows: np.ndarray, field: str) -> np.ndarray:
        bars = self.feed.market.bars
        col = self.feed.col(code)
        if field == "avg":
            vol = bars["volume"][rows, col]
            money = bars["money"][rows, col]
            with np.errstate(divide="ignore", invalid="ignore"):
                avg = np.where(vol > 0, money / np.where(vol > 0, vol, 1), bars["close"][rows, col])
            sec = U.security(code)
            return np.round(avg, 3 if sec is not None and sec.type == "etf" else 2)
        if field == "factor":
            return np.ones(rows.size)
        if field == "paused":
            return bars["paused"][rows, col].astype(float)
        return bars[field][rows, col]

    def _minute_values(
        self, code: str, end: datetime, count: Optional[int], start: Optional[datetime], fields: List[str]
    ) -> Tuple[List[datetime], Dict[str, np.ndarray]]:
        times, bars = self.feed.minute_window(code, end, count, start)
        out: Dict[str, np.ndarray] = {}
        for f in fields:
            if not times:
                out[f] = np.array([])
            elif f == "avg":
                with np.errstate(divide="ignore", invalid="ignore"):
                    out[f] = np.where(
                        bars["volume"] > 0,
                        bars["money"] / np.where(bars["volume"] > 0, bars["volume"], 1),
                        bars["close"],
                    )
            elif f == "factor":
                out[f] = np.ones(len(times))
            elif f in ("high_limit", "low_limit", "paused"):
                rows = [self.feed.row_of(t.date()) for t in times]
                out[f] = np.array([self.feed.day_value(f, r, code) for r in rows], dtype=float)
            elif f == "pre_close":
                closes = bars["close"]
                first = self.feed.price(code, self.feed.row_of(times[0].date()), minute_slot(times[0]) - 1)
                out[f] = np.concatenate([[first], closes[:-1]])
            else:
                out[f] = bars[f]
        return times, out

    def _frame(
        self,
        code: str,
        unit: str,
        fields: List[str],
        end: Optional[datetime],
        count: Optional[int],
        start: Optional[datetime],
        skip_paused: bool,
    ) -> pd.DataFrame:
        if unit == "1d":
            rows = self._daily_rows(code, end, count, start, skip_paused)
            block = np.empty((rows.size, len(fields)))
            for i, f in enumerate(fields):
                block[:, i] = self._daily_values(code, rows, f)
            return pd.DataFrame(block, index=self.index[rows], columns=self._columns(fields))
        times, values = self._minute_values(code, end or self.feed.now, count, start, fields)
        block = np.empty((len(times), len(fields)))
        for i, f in enumerate(fields):
            block[:, i] = values[f]
        return pd.DataFrame(block, index=pd.DatetimeIndex(times), columns=self._columns(fields))

    def _daily_block(
        self, codes: List[str], field: str, end: Optional[datetime], count: Optional[int], start: Optional[datetime]
    ) -> pd.DataFrame:
        """One field of many securities over the same rows (paused days kept): dates × codes."""
        rows = self._daily_rows(codes[0], end, count, start, False)
        cols = [self.feed.col(c) for c in codes]
        bars = self.feed.market.bars
        if field in ("avg", "factor", "paused"):
            block = (
                np.column_stack([self._daily_values(c, rows, field) for c in codes])
                if rows.size
                else np.empty((0, len(codes)))
            )
        else:
            block = bars[field][np.ix_(np.asarray(rows), np.asarray(cols))]
        return pd.DataFrame(block, index=self.index[rows], columns=pd.Index(codes, dtype=object))

    def _columns(self, fields: List[str]) -> pd.Index:
        key = tuple(fields)
        got = self._column_cache.get(key)
        if got is None:
            got = self._column_cache[key] = pd.Index(list(fields), dtype=object)
        return got

    # -- the API ------------------------------------------------------------------------------------------------
    def get_price(
        self,
        security: Union[str, Sequence[str]],
        start_date: Any = None,
        end_date: Any = None,
        frequency: str = "daily",
        fields: Any = None,
        skip_paused: bool = False,
        fq: Optional[str] = "pre",
        count: Optional[int] = None,
        panel: bool = True,
        fill_paused: bool = True,
        round: bool = True,  # noqa: A002 - JoinQuant's parameter name
    ) -> Any:
        if count is not None and start_date is not None:
            raise ValueError("get_price 的 start_date 和 count 不能同时使用")
        unit = _unit(frequency)
        names = _fields(fields, DAILY_FIELDS if unit == "1d" else MINUTE_FIELDS, DEFAULT_FIELDS)
        end = to_datetime(end_date, end_of_day=True) if end_date is not None else self.feed.now
        start = (
            to_datetime(start_date) if start_date is not None else (None if count is not None else datetime(2015, 1, 1))
        )
        if isinstance(security, str):
            return self._frame(security, unit, names, end, count, start, skip_paused)
        codes = list(security)
        if panel and unit == "1d" and not skip_paused and codes:
            return Panel({n: self._daily_block(codes, n, end, count, start) for n in names})
        frames = {c: self._frame(c, unit, names, end, count, start, skip_paused) for c in codes}
        if not panel:
            parts = []
            for c in codes:
                f = frames[c].copy()
                f.insert(0, "code", c)
                f.insert(0, "time", f.index)
                parts.append(f.reset_index(drop=True))
            return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["time", "code", *names])
        return Panel({n: pd.DataFrame({c: frames[c][n] for c in codes}) for n in names})

    def attribute_history(
        self,
        security: str,
        count: int,
        unit: str = "1d",
        fields: Any = DEFAULT_FIELDS,
        skip_paused: bool = True,
        df: bool = True,
        fq: Optional[str] = "pre",
    ) -> Any:
        u = _unit(unit)
        names = _fields(fields, DAILY_FIELDS if u == "1d" else MINUTE_FIELDS, DEFAULT_FIELDS)
        frame = self._frame(security, u, names, None, int(count), None, skip_paused)
        if df:
            return frame
        return {n: frame[n].values for n in names}

    def history(
        self,
        count: int,
        unit: str = "1d",
        field: str = "avg",
        security_list: Any = None,
        df: bool = True,
        skip_paused: bool = False,
        fq: Optional[str] = "pre",
    ) -> Any:
        if security_list is None:
            raise not_emulated("history 不传 security_list（set_universe）")
        codes = [security_list] if isinstance(security_list, str) else list(security_list)
        u = _unit(unit)
        _fields(field, DAILY_FIELDS if u == "1d" else MINUTE_FIELDS, DEFAULT_FIELDS)
        if u == "1d" and not skip_paused and codes:
            block = self._daily_block(codes, field, None, int(count), None)
            if not df:
                return {c: block[c].values for c in codes}
            return block
        columns = {c: self._frame(c, u, [field], None, int(count), None, skip_paused)[field] for c in codes}
        if not df:
            return {c: s.values for c, s in columns.items()}
        if skip_paused:
            return pd.DataFrame({c: s.values for c, s in columns.items()}) if codes else pd.DataFrame()
        return pd.DataFrame(columns, columns=codes)

    def get_bars(
        self,
        security: Union[str, Sequence[str]],
        count: int,
        unit: str = "1d",
        fields: Any = ("date", "open", "high", "low", "close"),
        include_now: bool = False,
        end_dt: Any = None,
        fq_ref_date: Any = None,
        df: bool = False,
    ) -> Any:
        if not isinstance(security, str):
            out = {c: self.get_bars(c, count, unit, fields, include_now, end_dt, fq_ref_date, df) for c in security}
            if df:
                return pd.concat(out, names=["code", None]) if out else pd.DataFrame()
            return out
        u = _unit(unit)
        names = [fields] if isinstance(fields, str) else list(fields)
        price_fields = [n for n in names if n != "date"]
        _fields(price_fields, DAILY_FIELDS if u == "1d" else MINUTE_FIELDS, DEFAULT_FIELDS)
        end = to_datetime(end_dt, end_of_day=True) if end_dt is not None else None
        now_part = (
            include_now and u == "1d" and end is None and self.feed.now.time() < time(15, 0) and self.feed.slot >= 0
        )
        n = int(count) - (1 if now_part else 0)
        frame = self._frame(security, u, price_fields or ["close"], end, max(n, 0), None, False)
        dates: List[Any] = [t.date() if u == "1d" else t.to_pydatetime() for t in frame.index]
        cols: Dict[str, List[Any]] = {f: list(frame[f].values) for f in price_fields}
        if now_part and int(count) > 0:
            part = self.feed.partial_day(security)
            dates.append(self.feed.now.date())
            for f in price_fields:
                cols[f].append(
                    part.get(f, np.nan) if f in part else self._daily_values(security, np.array([self.feed.row]), f)[0]
                )
        if df:
            data = {("date" if n == "date" else n): (dates if n == "date" else cols[n]) for n in names}
            return pd.DataFrame(data, columns=names)
        dtype = [(n, "O") if n == "date" else (n, "<f8") for n in names]
        rows = [tuple(dates[i] if n == "date" else cols[n][i] for n in names) for i in range(len(dates))]
        return np.array(rows, dtype=dtype)

    # -- reference data -----------------------------------------------------------------------------------------
    def get_index_stocks(self, index_symbol: str, date: Any = None) -> List[str]:
        members = U.constituents().get(index_symbol)
        if members is None:
            raise not_emulated(f"指数 {index_symbol} 的成分股（只模拟 {', '.join(U.constituents())}）")
        return list(members)

    def get_all_securities(self, types: Any = "stock", date: Any = None) -> pd.DataFrame:
        wanted = {types} if isinstance(types, str) else set(types or ["stock"])
        kinds = set()
        for t in wanted:
            kinds |= {"stock": {"stock"}, "index": {"index"}, "etf": {"etf"}, "fund": {"etf"}}.get(t, set())
        rows = [s for s in U.securities() if s.type in kinds]
        frame = pd.DataFrame(
            {
                "display_name": [s.display_name for s in rows],
                "name": [s.name for s in rows],
                "start_date": pd.to_datetime([s.start_date for s in rows]),
                "end_date": pd.to_datetime([s.end_date for s in rows]),
                "type": [s.type for s in rows],
            },
            index=[s.code for s in rows],
        )
        return frame

    def get_security_info(self, code: str, date: Any = None) -> Optional[SecurityInfo]:
        sec = U.security(code)
        return SecurityInfo(sec) if sec else None

    def get_trade_days(self, start_date: Any = None, end_date: Any = None, count: Optional[int] = None) -> np.ndarray:
        if start_date is not None and count is not None:
            raise ValueError("get_trade_days 的 start_date 和 count 不能同时使用")
        end = to_date(end_date) or self.calendar[-1]
        days = [d for d in self.calendar if d <= end]
        if count is not None:
            days = days[-int(count) :] if int(count) > 0 else []
        elif start_date is not None:
            start = to_date(start_date) or self.calendar[0]
            days = [d for d in days if d >= start]
        return np.array(days, dtype=object)

    def get_all_trade_days(self) -> np.ndarray:
        return np.array(self.calendar, dtype=object)

    def normalize_code(self, code: Any) -> Any:
        if not isinstance(code, str):
            return [self.normalize_code(c) for c in code]
        digits = "".join(ch for ch in code if ch.isdigit())[:6]
        if len(digits) != 6:
            raise ValueError(f"无法识别的证券代码：{code!r}")
        upper = code.upper()
        if "XSHG" in upper or "SH" in upper:
            return digits + ".XSHG"
        if "XSHE" in upper or "SZ" in upper:
            return digits + ".XSHE"
        return digits + (".XSHG" if digits[0] in "65" else ".XSHE")

    def _static(self) -> Dict[str, Any]:
        if not hasattr(self, "_static_cache"):
            stocks = U.stocks()
            prof = U.profiles()
            shares = np.array([prof[s.code].shares for s in stocks])
            self._static_cache = {
                "codes": [s.code for s in stocks],
                "cols": np.array([self.feed.market.col[s.code] for s in stocks]),
                "shares": shares,
                "circ": shares * np.array([prof[s.code].circ for s in stocks]),
                "eps": np.array([prof[s.code].eps for s in stocks]),
                "bvps": np.array([prof[s.code].bvps for s in stocks]),
            }
        return self._static_cache

    def valuation_frame(self, day: date) -> pd.DataFrame:
        feed = self.feed
        row = feed.row_of(day)
        st = self._static()
        cols = st["cols"]
        bars = feed.market.bars
        close = bars["close"][row, cols] if row >= 0 else np.full(len(cols), np.nan)
        volume = bars["volume"][row, cols] if row >= 0 else np.full(len(cols), np.nan)
        shares, circ, eps, bvps = st["shares"], st["circ"], st["eps"], st["bvps"]
        return pd.DataFrame(
            {
                "code": st["codes"],
                "day": (feed.market.dates[row].isoformat() if row >= 0 else None),
                "capitalization": np.round(shares / 1e4, 2),
                "circulating_cap": np.round(circ / 1e4, 2),
                "market_cap": np.round(close * shares / 1e8, 4),
                "circulating_market_cap": np.round(close * circ / 1e8, 4),
                "pe_ratio": np.round(close / eps, 4),
                "pb_ratio": np.round(close / bvps, 4),
                "turnover_ratio": np.round(volume / circ * 100, 4),
            }
        )

    def get_fundamentals(self, query_object: Query, date: Any = None, statDate: Any = None) -> pd.DataFrame:  # noqa: N803
        if statDate is not None:
            raise not_emulated("get_fundamentals 的 statDate（季度/年度财务报表）")
        if not isinstance(query_object, Query):
            raise TypeError("get_fundamentals 的第一个参数必须是 query(...) 对象")
        latest = self.feed.market.dates[self.feed.last_daily_row()] if self.feed.last_daily_row() >= 0 else None
        day = to_date(date) if date is not None else latest
        if latest is not None and day is not None and day > latest:
            day = latest
        if day is None:
            return query_object.run(self.valuation_frame(self.feed.market.dates[0]).iloc[:0])
        return query_object.run(self.valuation_frame(day))


def minute_slot(moment: datetime) -> int:
    from jqcli.adapters.sandbox.site.engine.minute import slot_of

    return slot_of(moment.time())


class Panel:
    """What ``get_price([...], panel=True)`` returns: ``panel['close']`` is a DataFrame (dates × codes)."""

    def __init__(self, frames: Dict[str, pd.DataFrame]) -> None:
        self._frames = frames

    def __getitem__(self, field: str) -> pd.DataFrame:
        return self._frames[field]

    def __getattr__(self, field: str) -> pd.DataFrame:
        if field.startswith("_"):
            raise AttributeError(field)
        try:
            return self._frames[field]
        except KeyError:
            raise AttributeError(field) from None

    def keys(self) -> Iterable[str]:
        return self._frames.keys()

    def items(self) -> Iterable[Any]:
        return self._frames.items()

    @property
    def items_axis(self) -> List[str]:
        return list(self._frames)


class SecurityInfo:
    def __init__(self, sec: U.Security) -> None:
        self.code = sec.code
        self.display_name = sec.display_name
        self.name = sec.name
        self.start_date = datetime.strptime(sec.start_date, "%Y-%m-%d").date()
        self.end_date = datetime.strptime(sec.end_date, "%Y-%m-%d").date()
        self.type = sec.type
        self.subtype = None
        self.parent = None

    def __repr__(self) -> str:
        return f"{self.display_name}({self.code})"
