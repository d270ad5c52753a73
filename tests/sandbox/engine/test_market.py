"""The synthetic market: deterministic, consistent, with limits, suspensions, indexes, ETFs and minute bars."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date

import numpy as np

from jqcli.adapters.sandbox.site.engine import minute
from jqcli.adapters.sandbox.site.engine import universe as U
from jqcli.adapters.sandbox.site.engine.market import tick_round
from jqcli.adapters.sandbox.site.engine.runner import market_for, weekdays_between

DAYS = weekdays_between(date(2022, 1, 3), date(2023, 12, 29))
DIGEST = """
import hashlib, sys
from datetime import date
from jqcli.adapters.sandbox.site.engine.runner import market_for, weekdays_between
m, _ = market_for(weekdays_between(date(2022, 1, 3), date(2023, 12, 29)))
h = hashlib.sha256()
for name in sorted(m.bars):
    h.update(m.bars[name].tobytes())
print(h.hexdigest())
"""


def digest(m) -> str:
    h = hashlib.sha256()
    for name in sorted(m.bars):
        h.update(m.bars[name].tobytes())
    return h.hexdigest()


def test_the_same_bars_in_every_process_whatever_the_hash_seed() -> None:
    here, _ = market_for(DAYS)
    outs = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-c", DIGEST], capture_output=True, text=True, env=env, check=True)
        outs.add(proc.stdout.strip())
    assert outs == {digest(here)}


def test_a_days_bars_do_not_depend_on_the_range_asked() -> None:
    long, _ = market_for(DAYS)
    short, _ = market_for(weekdays_between(date(2023, 6, 1), date(2023, 7, 31)))
    day = date(2023, 6, 15)
    for name in ("open", "high", "low", "close", "volume", "paused", "high_limit"):
        assert np.array_equal(long.bars[name][long.row[day]], short.bars[name][short.row[day]], equal_nan=True)


def test_the_universe_has_indexes_constituents_etfs_st_names_and_hundreds_of_stocks() -> None:
    stocks = U.stocks()
    assert 300 <= len(stocks) <= 500
    assert {"000001.XSHE", "600000.XSHG", "600519.XSHG"} <= {s.code for s in stocks}
    st = [s for s in stocks if s.is_st]
    assert st and all(s.display_name.startswith(("ST", "*ST")) for s in st)
    assert any(s.display_name.startswith("*ST") for s in st)
    members = U.constituents()
    assert {"000300.XSHG", "000905.XSHG", "000001.XSHG"} <= set(members)
    assert not set(members["000300.XSHG"]) & set(members["000905.XSHG"])
    assert all(c.endswith(".XSHG") for c in members["000001.XSHG"])
    assert {"510300.XSHG", "510500.XSHG", "518880.XSHG", "511010.XSHG", "159915.XSHE"} <= set(U.ETFS)
    assert len({s.display_name for s in stocks}) == len(stocks)


def test_bars_are_consistent_and_respect_the_daily_limits() -> None:
    m, row0 = market_for(DAYS)
    b = m.bars
    tradable = [i for i, s in enumerate(m.securities) if s.type != "index"]
    o, h, low, c = (b[f][:, tradable] for f in ("open", "high", "low", "close"))
    assert (h >= np.maximum(o, c) - 1e-9).all() and (low <= np.minimum(o, c) + 1e-9).all()
    assert (c <= b["high_limit"][:, tradable] + 1e-9).all() and (c >= b["low_limit"][:, tradable] - 1e-9).all()
    for i, sec in enumerate(m.securities):
        if sec.type == "index":
            continue
        pc = b["pre_close"][:, i]
        assert np.allclose(b["high_limit"][:, i], tick_round(pc * (1 + sec.limit), sec.decimals))
        assert np.array_equal(pc[1:], b["close"][:-1, i])
    ns = len(U.stocks())
    st_cols = [i for i, s in enumerate(m.securities[:ns]) if s.is_st]
    ratio = b["high_limit"][:, st_cols] / b["pre_close"][:, st_cols]
    assert np.abs(ratio - 1.05).max() < 0.01
    hits = (b["close"][:, :ns] >= b["high_limit"][:, :ns]).sum()
    assert hits > 100  # limit-up days exist


def test_suspended_days_have_no_volume_and_flat_prices() -> None:
    m, _ = market_for(DAYS)
    b = m.bars
    ns = len(U.stocks())
    paused = b["paused"][:, :ns]
    assert 0 < paused.mean() < 0.02
    for f in ("open", "high", "low", "close"):
        assert np.array_equal(b[f][:, :ns][paused], b["pre_close"][:, :ns][paused])
    assert (b["volume"][:, :ns][paused] == 0).all() and (b["volume"][:, :ns][~paused] > 0).all()
    assert not b["paused"][:, ns:].any()


def test_index_etfs_are_their_index_level_times_the_scale() -> None:
    m, _ = market_for(DAYS)
    b = m.bars
    for etf, (_, _, index) in U.ETFS.items():
        if index is None:
            continue
        etf_close = b["close"][:, m.col[etf]]
        level = b["close"][:, m.col[index]]
        assert np.abs(etf_close - level * U.ETF_SCALE).max() <= 0.0005 + 0.005 * U.ETF_SCALE + 1e-9


def test_an_index_moves_as_the_cap_weighted_average_of_its_constituents() -> None:
    m, _ = market_for(DAYS)
    b = m.bars
    prof = U.profiles()
    members = U.constituents()["000300.XSHG"]
    cols = [m.col[c] for c in members]
    shares = np.array([prof[c].shares for c in members])
    t = 100
    expected = ((b["close"][t, cols] - b["pre_close"][t, cols]) * shares).sum() / (
        b["pre_close"][t, cols] * shares
    ).sum()
    col = m.col["000300.XSHG"]
    got = b["close"][t, col] / b["pre_close"][t, col] - 1
    assert abs(got - expected) < 1e-5


def test_minute_bars_aggregate_to_the_daily_bar_and_are_deterministic() -> None:
    m, _ = market_for(DAYS)
    b = m.bars
    row = m.row[date(2023, 3, 15)]
    for code in ("600000.XSHG", "510300.XSHG", "000001.XSHE"):
        c = m.col[code]
        bar = tuple(float(b[f][row, c]) for f in ("open", "high", "low", "close", "volume", "money"))
        sec = U.security(code)
        mins = minute.build(code, m.dates[row], bar, bool(b["paused"][row, c]), sec.decimals)
        again = minute.build(code, m.dates[row], bar, bool(b["paused"][row, c]), sec.decimals)
        assert all(np.array_equal(mins[k], again[k]) for k in mins)
        assert len(mins["close"]) == 240
        assert mins["open"][0] == bar[0] and mins["close"][-1] == bar[3]
        assert mins["high"].max() == bar[1] and mins["low"].min() == bar[2]
        assert mins["volume"].sum() == bar[4]
        assert np.array_equal(mins["open"][1:], mins["close"][:-1])
    times = minute.bar_times(date(2023, 3, 15))
    assert [t.strftime("%H:%M") for t in (times[0], times[119], times[120], times[-1])] == [
        "09:31",
        "11:30",
        "13:01",
        "15:00",
    ]
