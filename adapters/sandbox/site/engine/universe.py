"""The synthetic securities: stocks, indexes and ETFs (pure Python, no numpy).

Everything here is SYNTHETIC: the codes look like A-share codes and a few
famous ones are included so that typed examples work (000001.XSHE, 600000.XSHG,
600519.XSHG, the index and ETF codes people use), but the names, sizes and
prices are made up by a fixed seed and have nothing to do with the real
companies.  The list is the same on every machine: it is derived from
``hashlib`` digests only.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

EPOCH = date(2005, 1, 4)  # first day with bars; nothing exists before it
LISTED_FROM = "2005-01-04"
DELISTED = "2200-01-01"

# Index code → (display name, abbreviation, base level, constituent rule)
INDEXES: Dict[str, Tuple[str, str, float]] = {
    "000300.XSHG": ("沪深300", "HS300", 1000.0),
    "000905.XSHG": ("中证500", "ZZ500", 1000.0),
    "000001.XSHG": ("上证指数", "SZZS", 1250.0),
    "000016.XSHG": ("上证50", "SZ50", 800.0),
    "399006.XSHE": ("创业板指", "CYBZ", 1000.0),
}
# ETF code → (display name, abbreviation, tracked index or None for a commodity/bond ETF)
ETFS: Dict[str, Tuple[str, str, Optional[str]]] = {
    "510300.XSHG": ("沪深300ETF", "HS300ETF", "000300.XSHG"),
    "510500.XSHG": ("中证500ETF", "ZZ500ETF", "000905.XSHG"),
    "510050.XSHG": ("上证50ETF", "SZ50ETF", "000016.XSHG"),
    "159915.XSHE": ("创业板ETF", "CYBETF", "399006.XSHE"),
    "518880.XSHG": ("黄金ETF", "HJETF", None),
    "511010.XSHG": ("国债ETF", "GZETF", None),
}
ETF_SCALE = 0.001  # an index ETF's price is its index level times this

_FIRST = "华中东海金长新国天恒宝龙安平兴盛通大信泰永鑫瑞光明远凯德鼎嘉"
_FIRST_PY = "HZDHJCXGTHBLAPXSTDXTYXRGMYKDDJ"
_SECOND = "泰源通科达联华成丰润宇晨弘信邦川阳普康德豪峰锦航"
_SECOND_PY = "TYTKDLHCFRYCHXBCYPKDHFJH"
_SECTOR = [
    "银行",
    "科技",
    "医药",
    "电子",
    "地产",
    "能源",
    "股份",
    "控股",
    "汽车",
    "化工",
    "材料",
    "食品",
    "电气",
    "传媒",
]
_SECTOR_PY = ["YH", "KJ", "YY", "DZ", "DC", "NY", "GF", "KG", "QC", "HG", "CL", "SP", "DQ", "CM"]

N_SH, N_SZ, N_CY = 160, 120, 80  # Shanghai main board, Shenzhen main/SME, ChiNext


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()[:8], "big")


def _pick(salt: str, low: int, high: int, count: int, must: Tuple[int, ...]) -> List[int]:
    """``count`` distinct numbers in [low, high], the ``must`` ones included, by hash order."""
    ranked = sorted(range(low, high + 1), key=lambda n: _digest(salt, str(n)))
    chosen = list(must) + [n for n in ranked if n not in must][: count - len(must)]
    return sorted(chosen)


class Security:
    __slots__ = ("code", "display_name", "name", "type", "start_date", "end_date", "is_st", "decimals", "limit")

    def __init__(self, code: str, display_name: str, name: str, kind: str, is_st: bool = False) -> None:
        self.code, self.display_name, self.name, self.type = code, display_name, name, kind
        self.start_date, self.end_date = LISTED_FROM, DELISTED
        self.is_st = is_st
        self.decimals = 3 if kind == "etf" else 2
        self.limit = 0.05 if is_st else 0.10  # ETFs also ±10 %; indexes have no limit (not tradable)


@lru_cache(maxsize=1)
def securities() -> Tuple[Security, ...]:
    """All securities in a fixed order: stocks, then ETFs, then indexes."""
    numbers = [f"{n:06d}.XSHG" for n in _pick("sh", 600000, 603999, N_SH, (600000, 600036, 600519))]
    numbers += [f"{n:06d}.XSHE" for n in _pick("sz", 1, 2999, N_SZ, (1, 2))]
    numbers += [f"{n:06d}.XSHE" for n in _pick("cy", 300001, 300999, N_CY, (300750,))]
    out: List[Security] = []
    used = set()
    for code in numbers:
        h = _digest("name", code)
        i, j, k = h % len(_FIRST), (h >> 8) % len(_SECOND), (h >> 16) % len(_SECTOR)
        base, abbr = _FIRST[i] + _SECOND[j] + _SECTOR[k], _FIRST_PY[i] + _SECOND_PY[j] + _SECTOR_PY[k]
        bump = 0
        while base in used:  # keep display names unique
            bump += 1
            j = (j + 1) % len(_SECOND)
            base, abbr = _FIRST[i] + _SECOND[j] + _SECTOR[k], _FIRST_PY[i] + _SECOND_PY[j] + _SECTOR_PY[k]
            if bump > len(_SECOND):
                i = (i + 1) % len(_FIRST)
        used.add(base)
        st = (h >> 24) % 100
        if st < 3:
            out.append(Security(code, "*ST" + base, "*ST" + abbr, "stock", is_st=True))
        elif st < 6:
            out.append(Security(code, "ST" + base, "ST" + abbr, "stock", is_st=True))
        else:
            out.append(Security(code, base, abbr, "stock"))
    for code, (name, abbr, _) in ETFS.items():
        out.append(Security(code, name, abbr, "etf"))
    for code, (name, abbr, _) in INDEXES.items():
        out.append(Security(code, name, abbr, "index"))
    return tuple(out)


@lru_cache(maxsize=1)
def by_code() -> Dict[str, Security]:
    return {s.code: s for s in securities()}


def stocks() -> List[Security]:
    return [s for s in securities() if s.type == "stock"]


def security(code: str) -> Optional[Security]:
    return by_code().get(code)


def _unit(*parts: str) -> float:
    return _digest(*parts) / 2.0**64


class Profile:
    """The fixed parameters a stock's synthetic bars are drawn with."""

    __slots__ = ("price0", "shares", "circ", "beta", "vol", "eps", "bvps", "turnover", "trend", "suspend")

    def __init__(self, code: str) -> None:
        u = [_unit("profile", code, str(k)) for k in range(10)]
        self.price0 = 3.0 * (20.0 ** u[0])  # 3 .. 60 yuan
        self.shares = 3e8 * ((2e10 / 3e8) ** u[1])  # 3亿 .. 200亿 shares
        self.circ = 0.5 + 0.5 * u[2]
        self.beta = 0.6 + 0.8 * u[3]
        self.vol = 0.012 + 0.018 * u[4] + (0.005 if code.startswith("300") else 0.0)
        pe0 = -(10 + 70 * u[5]) if u[6] < 0.12 else 8 + 52 * u[5]
        self.eps = self.price0 / pe0
        self.bvps = self.price0 / (0.6 + 7.4 * u[7])
        self.turnover = 0.003 * (10.0 ** u[8])
        self.trend = (-0.05 + 0.17 * u[9]) / 250.0
        self.suspend = 0.004 if _unit("suspend", code) < 0.15 else 0.0005


@lru_cache(maxsize=1)
def profiles() -> Dict[str, Profile]:
    return {s.code: Profile(s.code) for s in stocks()}


@lru_cache(maxsize=1)
def constituents() -> Dict[str, List[str]]:
    """Index code → its constituent stock codes (fixed membership, sorted)."""
    prof = profiles()
    plain = [s for s in stocks() if not s.is_st]
    by_cap = sorted(plain, key=lambda s: (-prof[s.code].shares * prof[s.code].price0, s.code))
    sh_cap = [s for s in by_cap if s.code.endswith(".XSHG")]
    members = {
        "000300.XSHG": [s.code for s in by_cap[:120]],
        "000905.XSHG": [s.code for s in by_cap[120:270]],
        "000016.XSHG": [s.code for s in sh_cap[:30]],
        "000001.XSHG": [s.code for s in stocks() if s.code.endswith(".XSHG")],
        "399006.XSHE": [s.code for s in stocks() if s.code.startswith("300")],
    }
    return {k: sorted(v) for k, v in members.items()}
