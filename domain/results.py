"""Reading a finished backtest: trade and position rows, the ledger cursor, risk windows, curves.

Pure rules over what the site sends (protocol.md §3.1, §9.6, §9.7), so that the adapter only moves
bytes and the presenters only choose keys:

* rows are normalised leniently: numbers as numbers (``"1,234.5"``, ``"展示(1,234.5)"``, ``"12.5%"``),
  ``名称(000001.XSHE)`` split into name and code, the cash row (``<span class="label label-cash">Cash</span>``)
  marked;
* the ledger cursor: ``offset`` counts every raw row read (also the ``amount == 0`` rows the site's page
  hides), ``dateOffset`` is the last row's ``tradeDate`` (else ``date``); a short page is not the end; an
  empty page ends the ledger, or truncates it when ``max`` is true (the 1000-row display cap);
* risk windows with ``"N/A"`` become ``None``;
* curves in percent: excess return ``(a+100)/(b+100)*100-100``, drawdown, monthly returns.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, TypeVar

import attrs

LEDGER_CAP = 1000  # rows the site shows before answering an empty page with max:true (§9.6)
CASH_MARK = "label-cash"
CN = timezone(timedelta(hours=8))  # the site's curve timestamps are Beijing-time midnights

_NUMBER = re.compile(r"[-+]?(?:\d+(?:,\d{3})*|\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_PAREN = re.compile(r"\(([^()]*)\)\s*$")
_TAG = re.compile(r"<[^>]*>")
_STOCK = re.compile(r"^(.*?)[(（]\s*([^()（）]+?)\s*[)）]\s*$")

T = TypeVar("T")


def parse_number(value: object) -> Optional[float]:
    """A number from the site's many spellings; ``None`` for ``""``, ``"--"``, ``"N/A"``, junk.

    ``1234.5``, ``"1,234.5"``, ``"12.5%"`` (12.5), ``"展示(1,234.5)"`` (the value in the last brackets).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    text = _TAG.sub("", value).strip()
    inner = _PAREN.search(text)
    if inner and parse_number(inner.group(1)) is not None:
        text = inner.group(1).strip()
    text = text.rstrip("%").strip()
    if not text or not _NUMBER.fullmatch(text) or not any(ch.isdigit() for ch in text):
        return None
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _int_or_float(value: object) -> Optional[float]:
    number = parse_number(value)
    if number is None:
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def is_cash(stock: object) -> bool:
    text = str(stock or "")
    return CASH_MARK in text or _TAG.sub("", text).strip().lower() == "cash"


def split_stock(stock: object, security: object = "") -> Tuple[str, str]:
    """``名称(000001.XSHE)`` → ``("名称", "000001.XSHE")``; no brackets → (text, security)."""
    text = " ".join(_TAG.sub("", str(stock or "")).split())
    match = _STOCK.match(text)
    if match:
        return match.group(1).strip(), match.group(2).strip()
    return text, str(security or "")


def _text(row: Mapping[str, object], *keys: str) -> str:
    for key in keys:
        value = row.get(key)
        if value not in (None, ""):
            return " ".join(_TAG.sub("", str(value)).split())
    return ""


def _num(row: Mapping[str, object], *keys: str) -> Optional[float]:
    for key in keys:
        number = _int_or_float(row.get(key))
        if number is not None:
            return number
    return None


@attrs.frozen
class Trade:
    """One ``transactionInfo`` row (an order and its fill; §3.1, §9.6)."""

    date: str
    time: str
    security: str
    name: str
    side: str  # 买 / 卖 (or 开多/平空… for futures), as the site writes it
    order_type: str
    amount: Optional[float]
    price: Optional[float]
    total: Optional[float]
    gains: Optional[float]
    commission: Optional[float]
    status: str
    order_amount: Optional[float]
    limit_price: Optional[float]
    match_time: str
    fill_percent: Optional[float]


def trade_from_row(row: Mapping[str, object]) -> Trade:
    name, code = split_stock(row.get("stock"), row.get("security"))
    return Trade(
        date=_text(row, "tradeDate", "date")[:10],
        time=_text(row, "time"),
        security=_text(row, "security") or code,
        name=name,
        side=_text(row, "transaction"),
        order_type=_text(row, "type"),
        amount=_num(row, "amount", "trueAmount"),
        price=_num(row, "price", "truePrice"),
        total=_num(row, "total"),
        gains=_num(row, "gains"),
        commission=_num(row, "commission"),
        status=_text(row, "status"),
        order_amount=_num(row, "orderAmount", "trueOrderAmount"),
        limit_price=_num(row, "limitPrice", "trueLimitPrice"),
        match_time=_text(row, "matchTime"),
        fill_percent=_num(row, "transactionPersent"),
    )


@attrs.frozen
class Position:
    """One ``positionInfo`` row: a holding on a day, or that day's cash row (``cash`` true)."""

    date: str
    security: str
    name: str
    cash: bool
    side: str
    amount: Optional[float]
    closeable: Optional[float]
    price: Optional[float]
    value: Optional[float]
    gains: Optional[float]
    avg_cost: Optional[float]
    hold_cost: Optional[float]
    daily_gains: Optional[float]
    margin: Optional[float]
    percent: Optional[float]


def position_from_row(row: Mapping[str, object]) -> Position:
    cash = is_cash(row.get("stock"))
    name, code = ("现金", "") if cash else split_stock(row.get("stock"), row.get("security"))
    return Position(
        date=_text(row, "date")[:10],
        security="" if cash else (_text(row, "security") or code),
        name=name,
        cash=cash,
        side=_text(row, "side"),
        amount=_num(row, "amount", "totalAmount"),
        closeable=_num(row, "closeableAmount"),
        price=_num(row, "price"),
        value=_num(row, "value", "totalValue"),
        gains=_num(row, "gain", "gains"),
        avg_cost=_num(row, "avgCost"),
        hold_cost=_num(row, "holdCost"),
        daily_gains=_num(row, "dailyGains"),
        margin=_num(row, "margin"),
        percent=_num(row, "positionPersent"),
    )


# -- the ledger cursor (§9.6) --------------------------------------------------------------------


@attrs.frozen
class LedgerPage:
    """One page of ``transactionInfo``/``positionInfo``: the raw rows, the task state and ``max``."""

    rows: Tuple[Mapping[str, object], ...]
    status: object = None
    max: bool = False


@attrs.frozen
class LedgerCursor:
    """Where the next page starts: ``offset`` = raw rows read, ``date_offset`` = the last row's date."""

    offset: int = 0
    date_offset: str = ""

    def after(self, rows: Sequence[Mapping[str, object]]) -> LedgerCursor:
        if not rows:
            return self
        last = rows[-1]
        date = str(last.get("tradeDate") or last.get("date") or "")[:10]
        return LedgerCursor(self.offset + len(rows), date or self.date_offset)


def page_ends(page: LedgerPage) -> Optional[str]:
    """``None`` while rows keep coming (a short page too); ``"end"`` or ``"truncated"`` on an empty page."""
    if page.rows:
        return None
    return "truncated" if page.max else "end"


@attrs.frozen
class LedgerFilter:
    """``--date`` (a day ``YYYY-MM-DD``, or a month/year prefix) and ``--security`` (code or name part)."""

    date: str = ""
    security: str = ""

    def keeps(self, date: str, security: str, name: str) -> bool:
        if self.date and not date.startswith(self.date):
            return False
        if self.security:
            wanted = self.security.lower()
            return wanted in security.lower() or wanted in name.lower()
        return True

    @property
    def active(self) -> bool:
        return bool(self.date or self.security)


# -- risk windows (§9.7) ---------------------------------------------------------------------------

RISK_METRICS: Tuple[Tuple[str, str], ...] = (
    ("algorithmPeriodReturn", "algorithm_return"),
    ("benchmarkPeriodReturn", "benchmark_return"),
    ("alpha", "alpha"),
    ("beta", "beta"),
    ("sharp", "sharpe"),
    ("sortino", "sortino"),
    ("information", "information"),
    ("algovolatility", "algorithm_volatility"),
    ("benchmarkvolatility", "benchmark_volatility"),
    ("maxdrawdown", "max_drawdown"),
)
RISK_WINDOWS: Tuple[str, ...] = ("1month", "3month", "6month", "12month")


@attrs.frozen
class RiskWindow:
    """One month's trailing windows of one metric; ``None`` where the site says ``"N/A"``."""

    month: str
    values: Tuple[Optional[float], Optional[float], Optional[float], Optional[float]]  # 1, 3, 6, 12 months


def risk_ready(risk: object) -> bool:
    """``risk:false``/``0``/``null``/``{}`` while the windows are being computed (§9.7)."""
    return isinstance(risk, Mapping) and any(isinstance(v, list) for v in risk.values())


def risk_table(risk: Mapping[str, object]) -> Dict[str, Tuple[RiskWindow, ...]]:
    """Metric name (ours, see ``RISK_METRICS``; unknown wire names kept as they are) → windows by month."""
    names = dict(RISK_METRICS)
    out: Dict[str, Tuple[RiskWindow, ...]] = {}
    for wire, rows in risk.items():
        if not isinstance(rows, list):
            continue
        windows = []
        for row in rows:
            if isinstance(row, Mapping):
                one, three, six, twelve = (parse_number(row.get(key)) for key in RISK_WINDOWS)
                windows.append(RiskWindow(str(row.get("date") or "")[:7], (one, three, six, twelve)))
        out[names.get(str(wire), str(wire))] = tuple(windows)
    return out


# -- curves (§2.13, §9.7) --------------------------------------------------------------------------


def excess_return(strategy: float, benchmark: float) -> float:
    """The site's excess return of two cumulative percent returns: ``(a+100)/(b+100)*100-100``."""
    if benchmark <= -100:
        return 0.0
    return (strategy + 100.0) / (benchmark + 100.0) * 100.0 - 100.0


@attrs.frozen
class Curve:
    """Cumulative returns in percent per day (``dates`` as ``YYYY-MM-DD``, Beijing time)."""

    dates: Tuple[str, ...]
    strategy: Tuple[float, ...]
    benchmark: Tuple[float, ...]

    @property
    def excess(self) -> Tuple[float, ...]:
        return tuple(excess_return(a, b) for a, b in zip(self.strategy, self.benchmark))

    def __len__(self) -> int:
        return len(self.dates)


def day_of(ms: object) -> str:
    number = parse_number(ms)
    if number is None:
        return ""
    return datetime.fromtimestamp(number / 1000.0, CN).strftime("%Y-%m-%d")


def curve_from_series(strategy: Mapping[str, object], benchmark: Mapping[str, object]) -> Curve:
    """Zip ``overallReturn`` and ``benchmark`` ``{time: [ms], value: [percent]}`` by time (benchmark carried)."""
    bench: Dict[str, float] = {}
    for ms, value in zip(_list(benchmark.get("time")), _list(benchmark.get("value"))):
        number = parse_number(value)
        if number is not None:
            bench[day_of(ms)] = number
    dates: List[str] = []
    ours: List[float] = []
    theirs: List[float] = []
    last = 0.0
    for ms, value in zip(_list(strategy.get("time")), _list(strategy.get("value"))):
        number, day = parse_number(value), day_of(ms)
        if number is None or not day:
            continue
        last = bench.get(day, last)
        dates.append(day)
        ours.append(number)
        theirs.append(last)
    return Curve(tuple(dates), tuple(ours), tuple(theirs))


def _list(value: object) -> List[object]:
    return list(value) if isinstance(value, (list, tuple)) else []


def drawdowns(returns: Sequence[float]) -> Tuple[float, ...]:
    """Per day, the percent below the highest equity so far (``<= 0``), from cumulative percent returns."""
    out: List[float] = []
    peak = 1.0
    for value in returns:
        equity = 1.0 + value / 100.0
        peak = max(peak, equity)
        out.append((equity / peak - 1.0) * 100.0 if peak > 0 else 0.0)
    return tuple(out)


@attrs.frozen
class DrawdownPeriod:
    """The deepest fall: from the peak day to the trough day, and the day it was made up (if it was)."""

    peak: int
    trough: int
    recovered: Optional[int]
    depth: float  # percent, negative


def max_drawdown(returns: Sequence[float]) -> Optional[DrawdownPeriod]:
    series = drawdowns(returns)
    if not series or min(series) >= 0:
        return None
    trough = min(range(len(series)), key=lambda i: (series[i], i))
    peak = trough
    while peak > 0 and series[peak] < 0:
        peak -= 1
    recovered = next((i for i in range(trough + 1, len(series)) if series[i] >= 0), None)
    return DrawdownPeriod(peak, trough, recovered, series[trough])


@attrs.frozen
class MonthReturn:
    month: str  # YYYY-MM
    percent: float


def monthly_returns(dates: Sequence[str], returns: Sequence[float]) -> Tuple[MonthReturn, ...]:
    """Each calendar month's return from the cumulative curve: month-end equity over the previous month-end."""
    ends: Dict[str, float] = {}
    for day, value in zip(dates, returns):
        ends[day[:7]] = 1.0 + value / 100.0
    out: List[MonthReturn] = []
    previous = 1.0
    for month, equity in ends.items():
        out.append(MonthReturn(month, (equity / previous - 1.0) * 100.0 if previous > 0 else 0.0))
        previous = equity
    return tuple(out)


def first_and_last(items: Sequence[T], count: int) -> Tuple[List[T], List[T]]:
    """The first ``count`` and the last ``count`` items, without repeating any when they overlap."""
    head = list(items[:count])
    tail = list(items[max(count, len(items) - count) :])
    return head, tail


def last_day(rows: Iterable[Position]) -> List[Position]:
    """The positions of the last day that has any (its cash row included)."""
    rows = list(rows)
    if not rows:
        return []
    day = max(row.date for row in rows)
    return [row for row in rows if row.date == day]


def curve_from_result(data: Mapping[str, object]) -> Curve:
    """The curve of a (merged) ``/backtest/result`` ``data``: ``result.overallReturn`` against ``result.benchmark``."""
    result = data.get("result")
    if not isinstance(result, Mapping):
        return Curve((), (), ())
    strategy, benchmark = result.get("overallReturn"), result.get("benchmark")
    return curve_from_series(
        strategy if isinstance(strategy, Mapping) else {}, benchmark if isinstance(benchmark, Mapping) else {}
    )


def to_utf8(data: bytes) -> bytes:
    """An export file as UTF-8: kept when it already is (a BOM dropped), else read as GB18030 (§3.1)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace").encode("utf-8")


# -- exports (§3.1, §9.7) --------------------------------------------------------------------------

EXPORT_KINDS: Tuple[str, ...] = ("result", "transaction", "position", "log")
EXPORT_MEMBERS: Dict[str, str] = {"transaction": "transaction.csv", "position": "position.csv", "log": "log.txt"}
