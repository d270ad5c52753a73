"""The deterministic SYNTHETIC market: daily bars of every security, made by numpy.

No real market data is used anywhere.  Bars are drawn from NumPy's PCG64 bit
generator seeded with SHA-256 digests of the security code (never Python's
``hash()``), so the same calendar gives the same bars on every machine, every
run and every Python version.  Past the draws, prices use only ``+ - * /``
and rounding (no ``exp``/``log``, whose last bit may differ between math
libraries), so no platform difference can flip a rounded tick.  The walk starts at ``universe.EPOCH`` whatever
the backtest's range, so the bars of a day do not depend on the range asked.

The model, per stock: the log price mean-reverts slowly towards a drifting
anchor; each day's move is a beta times a common market factor plus the
stock's own noise, now and then a jump to the daily limit; the close is
rounded to the tick and clipped to the ±10 % limits (±5 % for ST) around the
previous close; some stocks are suspended on some days (volume 0, prices equal
to the previous close).  Index levels are cap-weighted averages of their
constituents' moves; an index ETF is its index level times ``ETF_SCALE``
rounded to 0.001, so holding it tracks the index up to that rounding.  The
gold and bond ETFs have their own low-volatility walks.  There are no
dividends or splits: pre-adjusted (前复权) prices equal the raw prices.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Dict, List, Sequence, Tuple

import numpy as np

from jqcli.adapters.sandbox.site.engine import universe as U

CHUNK = 256  # rows drawn at a time from each stream (any size gives the same numbers)
REVERT = 0.003  # daily pull of the log price towards its anchor
MARKET_VOL = 0.012
JUMP = 0.004  # daily probability of a jump towards each limit
FIELDS = ("open", "high", "low", "close", "volume", "money", "pre_close", "high_limit", "low_limit", "paused")


def seed(*parts: str) -> int:
    return int.from_bytes(
        hashlib.sha256("\x1f".join(("jqcli-sandbox-market-v1", *parts)).encode()).digest()[:16], "big"
    )


def generator(*parts: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed(*parts)))


def _bounded(x: np.ndarray, limit: float = 6.0) -> np.ndarray:
    return np.clip(x, -limit, limit)


def tick_round(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round half up to ``decimals`` places (as exchanges round limit prices)."""
    scale = 10.0**decimals
    return np.floor(values * scale + 0.5 + 1e-9) / scale


class Market:
    """Daily bars of all securities on ``calendar[keep_from:]`` (rows) × securities (columns)."""

    def __init__(self, calendar: Sequence[date], keep_from: int) -> None:
        self.securities = list(U.securities())
        self.codes = [s.code for s in self.securities]
        self.col: Dict[str, int] = {c: i for i, c in enumerate(self.codes)}
        self.dates: List[date] = list(calendar[keep_from:])
        self.row: Dict[date, int] = {d: i for i, d in enumerate(self.dates)}
        total = len(calendar)
        stocks = [s for s in self.securities if s.type == "stock"]
        ns = len(stocks)
        closes, normals, paused = self._walk(stocks, total, keep_from)
        keep = total - keep_from
        nsec = len(self.securities)
        self.bars: Dict[str, np.ndarray] = {f: np.full((keep, nsec), np.nan) for f in FIELDS}
        self._stock_bars(stocks, closes, normals, paused, keep_from)
        idx_close = self._indexes(stocks, closes, keep_from)
        self._etfs(idx_close, total, keep_from)
        self.bars["paused"][:, ns:] = 0.0
        self.bars["paused"] = self.bars["paused"].astype(bool)
        for arr in self.bars.values():  # shared by runs in one process: nobody may change them
            arr.flags.writeable = False

    # -- stocks -------------------------------------------------------------------------------------------------
    def _walk(self, stocks: List[U.Security], total: int, keep_from: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        prof = U.profiles()
        ns = len(stocks)
        price0 = tick_round(np.array([prof[s.code].price0 for s in stocks]), 2)
        beta = np.array([prof[s.code].beta for s in stocks])
        vol = np.array([prof[s.code].vol for s in stocks])
        trend = np.array([prof[s.code].trend for s in stocks])
        p_susp = np.array([prof[s.code].suspend for s in stocks])
        limit = np.array([s.limit for s in stocks])
        gens_n = [generator("normal", s.code) for s in stocks]
        gens_u = [generator("uniform", s.code) for s in stocks]
        gen_m = generator("market")
        keep = total - keep_from
        kept_n = np.empty((keep, ns, 5))
        shock = np.empty((total, ns))
        starts: np.ndarray = np.zeros((total, ns), dtype=bool)
        length: np.ndarray = np.zeros((total, ns), dtype=np.int8)
        for start in range(0, total, CHUNK):
            n = np.stack([g.standard_normal((CHUNK, 5)) for g in gens_n], axis=1)
            u = np.stack([g.random((CHUNK, 2)) for g in gens_u], axis=1)
            m = gen_m.standard_normal(CHUNK) * MARKET_VOL
            stop = min(total, start + CHUNK)
            rows = stop - start
            jump = np.where(u[:rows, :, 0] < JUMP, 0.12, np.where(u[:rows, :, 0] > 1 - JUMP, -0.12, 0.0))
            shock[start:stop] = beta * m[:rows, None] + vol * n[:rows, :, 0] + jump
            starts[start:stop] = u[:rows, :, 1] < p_susp
            length[start:stop] = 1 + np.minimum(np.floor(np.abs(n[:rows, :, 4]) * 2), 5)
            lo_row = max(start, keep_from)
            if stop > lo_row:
                kept_n[lo_row - keep_from : stop - keep_from] = n[lo_row - start : rows]
        paused = starts.copy()
        for lag in range(1, 6):  # a suspension that started ``lag`` days ago and lasts longer than that
            paused[lag:] |= starts[:-lag] & (length[:-lag] > lag)
        closes = np.empty((total, ns))
        pc = price0.copy()
        up, down = 1 + limit, 1 - limit
        anchor = price0[None, :] * np.cumprod(np.broadcast_to(1 + trend, (total, ns)), axis=0)
        for t in range(total):
            ratio = pc / anchor[t]
            r = shock[t] - REVERT * (ratio - 1 / ratio) / 2  # like a pull on log(ratio), both ways
            close = tick_round(np.clip(pc * (1 + r), pc * down, pc * up), 2)
            pc = np.where(paused[t], pc, close)
            closes[t] = pc
        self._price0 = price0
        return closes, kept_n, paused

    def _stock_bars(
        self, stocks: List[U.Security], closes: np.ndarray, n: np.ndarray, paused: np.ndarray, keep_from: int
    ) -> None:
        prof = U.profiles()
        ns = len(stocks)
        pre_all = np.vstack([self._price0[None, :], closes[:-1]])
        c = closes[keep_from:]
        pc = pre_all[keep_from:]
        off = paused[keep_from:]
        vol = np.array([prof[s.code].vol for s in stocks])
        limit = np.array([s.limit for s in stocks])
        hi_lim = tick_round(pc * (1 + limit), 2)
        lo_lim = tick_round(pc * (1 - limit), 2)
        o = np.clip(tick_round(pc * (1 + _bounded(n[:, :, 1]) * vol * 0.4), 2), lo_lim, hi_lim)
        sealed = np.abs(n[:, :, 1]) > 0.5  # a limit day that opens at the limit (一字板) about 60 % of the time
        o = np.where(sealed & (c >= hi_lim), hi_lim, np.where(sealed & (c <= lo_lim), lo_lim, o))
        top, bottom = np.maximum(o, c), np.minimum(o, c)
        h = np.clip(tick_round(top * (1 + np.abs(_bounded(n[:, :, 2])) * vol * 0.5), 2), top, hi_lim)
        low = np.clip(tick_round(bottom * (1 - np.abs(_bounded(n[:, :, 3])) * vol * 0.5), 2), lo_lim, bottom)
        o, h, low = (np.where(off, pc, x) for x in (o, h, low))
        circ = np.array([prof[s.code].shares * prof[s.code].circ for s in stocks])
        turnover = np.array([prof[s.code].turnover for s in stocks])
        move = np.abs(c / pc - 1) / vol
        volume = np.floor(circ * turnover * (1 + 0.3 * _bounded(n[:, :, 4], 2.5)) * (0.6 + 0.4 * move) / 100) * 100
        volume = np.where(off, 0.0, np.maximum(volume, 100.0))
        money = volume * (o + h + low + c) / 4
        b = self.bars
        for name, arr in (("open", o), ("high", h), ("low", low), ("close", c), ("volume", volume), ("money", money)):
            b[name][:, :ns] = arr
        b["pre_close"][:, :ns] = pc
        b["high_limit"][:, :ns] = hi_lim
        b["low_limit"][:, :ns] = lo_lim
        b["paused"][:, :ns] = off

    # -- indexes and ETFs ---------------------------------------------------------------------------------------
    def _indexes(self, stocks: List[U.Security], closes: np.ndarray, keep_from: int) -> Dict[str, np.ndarray]:
        prof = U.profiles()
        scol = {s.code: i for i, s in enumerate(stocks)}
        shares = np.array([prof[s.code].shares for s in stocks])
        pre_all = np.vstack([self._price0[None, :], closes[:-1]])
        ns = len(stocks)
        levels: Dict[str, np.ndarray] = {}
        b = self.bars
        weights = np.zeros((ns, len(U.INDEXES)))
        for j, code in enumerate(U.INDEXES):
            for member in U.constituents()[code]:
                weights[scol[member], j] = shares[scol[member]]
        dens = pre_all @ weights
        rets = (closes @ weights) / dens - 1
        for j, (code, (_, _, base)) in enumerate(U.INDEXES.items()):
            w = weights[:, j]
            den = dens[:, j]
            level = base * np.cumprod(1 + rets[:, j])
            pre_level = np.concatenate([[base], level[:-1]])[keep_from:]
            den_k = den[keep_from:]
            pc_k = pre_all[keep_from:]
            col = self.col[code]
            b["close"][:, col] = np.round(level[keep_from:], 2)
            b["pre_close"][:, col] = np.round(pre_level, 2)
            for name in ("open", "high", "low"):
                rel = (b[name][:, :ns] - pc_k) @ w / den_k
                b[name][:, col] = np.round(pre_level * (1 + rel), 2)
            vol = b["volume"][:, :ns] @ (w > 0)
            b["volume"][:, col] = vol
            b["money"][:, col] = b["money"][:, :ns] @ (w > 0).astype(float)
            levels[code] = level
        return levels

    def _etfs(self, levels: Dict[str, np.ndarray], total: int, keep_from: int) -> None:
        b = self.bars
        for code, (_, _, index) in U.ETFS.items():
            col = self.col[code]
            g = generator("etf", code)
            draws = g.standard_normal((total + (-total) % CHUNK, 4))[:total]
            if index is not None:
                icol = self.col[index]
                close = tick_round(levels[index] * U.ETF_SCALE, 3)
                pre = np.concatenate([[tick_round(np.array([U.INDEXES[index][2] * U.ETF_SCALE]), 3)[0]], close[:-1]])
                k = slice(keep_from, total)
                ipre = b["pre_close"][:, icol]
                rel = {name: b[name][:, icol] / ipre for name in ("open", "high", "low")}
                o = tick_round(pre[k] * rel["open"], 3)
                h = tick_round(pre[k] * rel["high"], 3)
                low = tick_round(pre[k] * rel["low"], 3)
            else:
                drift, vol, p0 = (0.0003, 0.009, 2.0) if code == "518880.XSHG" else (0.00012, 0.0008, 100.0)
                path = p0 * np.cumprod(1 + drift + vol * _bounded(draws[:, 0]))
                close = tick_round(path, 3)
                pre = np.concatenate([[tick_round(np.array([p0]), 3)[0]], close[:-1]])
                k = slice(keep_from, total)
                o = tick_round(pre[k] * (1 + vol * 0.3 * _bounded(draws[k, 1])), 3)
                h = tick_round(np.maximum(o, close[k]) * (1 + vol * 0.4 * np.abs(_bounded(draws[k, 2]))), 3)
                low = tick_round(np.minimum(o, close[k]) * (1 - vol * 0.4 * np.abs(_bounded(draws[k, 3]))), 3)
            c = close[k]
            hi_lim = tick_round(pre[k] * 1.1, 3)
            lo_lim = tick_round(pre[k] * 0.9, 3)
            top, bottom = np.maximum(o, c), np.minimum(o, c)
            b["open"][:, col] = np.clip(o, lo_lim, hi_lim)
            b["close"][:, col] = c
            b["high"][:, col] = np.clip(np.maximum(h, top), lo_lim, hi_lim)
            b["low"][:, col] = np.clip(np.minimum(low, bottom), lo_lim, hi_lim)
            b["pre_close"][:, col] = pre[k]
            b["high_limit"][:, col] = hi_lim
            b["low_limit"][:, col] = lo_lim
            volume = np.floor(2e8 * (1 + 0.3 * _bounded(draws[k, 1], 2.5)) / 100) * 100
            b["volume"][:, col] = volume
            b["money"][:, col] = volume * (b["open"][:, col] + b["high"][:, col] + b["low"][:, col] + c) / 4

    # -- access -------------------------------------------------------------------------------------------------
    def value(self, field: str, day_row: int, code: str) -> float:
        return float(self.bars[field][day_row, self.col[code]])
