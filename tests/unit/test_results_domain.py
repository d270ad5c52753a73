"""Pure result rules: numbers, stock names, the cash row, the cursor, risk windows, curves (§3.1, §9.6, §9.7)."""

from __future__ import annotations

import pytest

from jqcli.domain.results import (
    LedgerCursor,
    LedgerFilter,
    LedgerPage,
    curve_from_series,
    excess_return,
    first_and_last,
    max_drawdown,
    monthly_returns,
    page_ends,
    parse_number,
    position_from_row,
    risk_ready,
    risk_table,
    split_stock,
    to_utf8,
    trade_from_row,
)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (12, 12.0), ("1,234.5", 1234.5), ("展示(1,234.5)", 1234.5), ("12.5%", 12.5), ("-3", -3.0),
        ("", None), ("--", None), ("N/A", None), (None, None), (True, None), ("abc", None), (float("nan"), None),
        ("<b>7.5</b>", 7.5), ("1e3", 1000.0),
    ],
)  # fmt: skip
def test_parse_number_reads_the_sites_spellings(raw, value) -> None:
    assert parse_number(raw) == value


def test_split_stock_takes_name_and_code_from_brackets() -> None:
    assert split_stock("平安银行(000001.XSHE)") == ("平安银行", "000001.XSHE")
    assert split_stock("沪深300ETF（510300.XSHG）") == ("沪深300ETF", "510300.XSHG")
    assert split_stock("无代码", "600000.XSHG") == ("无代码", "600000.XSHG")


def test_trade_row_normalised_with_numbers_as_numbers() -> None:
    trade = trade_from_row(
        {"date": "2024-01-02", "tradeDate": "2024-01-03", "time": "09:30:00", "security": "000001.XSHE",
         "stock": "平安银行(000001.XSHE)", "transaction": "买", "amount": "1,000", "price": "10.5",
         "total": "展示(10,500.0)", "gains": "", "commission": "5.25", "transactionPersent": "99.5%"}
    )  # fmt: skip
    assert (trade.date, trade.security, trade.name, trade.side) == ("2024-01-03", "000001.XSHE", "平安银行", "买")
    assert trade.amount == 1000 and isinstance(trade.amount, int)
    assert trade.total == 10500 and trade.gains is None and trade.commission == 5.25 and trade.fill_percent == 99.5


def test_cash_row_is_marked_with_empty_numbers() -> None:
    row = position_from_row(
        {"date": "2024-01-02", "stock": '<span class="label label-cash">Cash</span>', "amount": "", "totalValue": 0}
    )
    assert row.cash and row.security == "" and row.amount is None and row.value == 0
    stock = position_from_row({"date": "2024-01-02", "stock": "平安银行(000001.XSHE)", "amount": 100})
    assert not stock.cash and stock.security == "000001.XSHE"


def test_cursor_counts_every_raw_row_and_keeps_the_last_rows_date() -> None:
    rows = [{"date": "2024-01-02", "tradeDate": "2024-01-02", "amount": 0}, {"date": "2024-01-04"}]
    cursor = LedgerCursor().after(rows)
    assert cursor == LedgerCursor(2, "2024-01-04")
    assert cursor.after([]) == cursor


def test_a_short_page_is_not_the_end_an_empty_one_is_and_max_truncates() -> None:
    assert page_ends(LedgerPage(rows=({"a": 1},))) is None
    assert page_ends(LedgerPage(rows=(), max=False)) == "end"
    assert page_ends(LedgerPage(rows=(), max=True)) == "truncated"


def test_filter_by_day_month_and_security_part() -> None:
    assert LedgerFilter(date="2024-01").keeps("2024-01-05", "000001.XSHE", "平安银行")
    assert not LedgerFilter(date="2024-01-06").keeps("2024-01-05", "000001.XSHE", "平安银行")
    assert LedgerFilter(security="平安").keeps("2024-01-05", "000001.XSHE", "平安银行")
    assert not LedgerFilter(security="600000").keeps("2024-01-05", "000001.XSHE", "平安银行")


def test_risk_windows_turn_na_into_none_and_use_our_metric_names() -> None:
    assert not risk_ready(False) and not risk_ready(0) and not risk_ready(None) and not risk_ready({})
    table = risk_table(
        {"sharp": [{"date": "2024-03", "1month": 1.2, "3month": "0.5", "6month": "N/A", "12month": "N/A"}]}
    )
    window = table["sharpe"][0]
    assert window.month == "2024-03" and window.values == (1.2, 0.5, None, None)


def test_excess_return_is_the_sites_formula() -> None:
    assert excess_return(10.0, 10.0) == pytest.approx(0.0)
    assert excess_return(21.0, 10.0) == pytest.approx(10.0)
    assert excess_return(-50.0, 0.0) == pytest.approx(-50.0)


def test_curve_zips_series_by_day_carrying_the_benchmark() -> None:
    day = 86_400_000
    base = 1704124800000  # 2024-01-02 00:00 Beijing
    curve = curve_from_series(
        {"time": [base, base + day, base + 2 * day], "value": [1.0, "2.0", 3.0]},
        {"time": [base, base + 2 * day], "value": [0.5, 1.5]},
    )
    assert curve.dates == ("2024-01-02", "2024-01-03", "2024-01-04")
    assert curve.benchmark == (0.5, 0.5, 1.5)
    assert curve.excess[0] == pytest.approx(excess_return(1.0, 0.5))


def test_max_drawdown_finds_peak_trough_and_recovery() -> None:
    period = max_drawdown([0.0, 10.0, -1.0, 5.0, 12.0])
    assert (period.peak, period.trough, period.recovered) == (1, 2, 4)
    assert period.depth == pytest.approx((0.99 / 1.10 - 1) * 100)
    assert max_drawdown([0.0, 1.0, 2.0]) is None


def test_monthly_returns_chain_month_ends() -> None:
    months = monthly_returns(["2024-01-31", "2024-02-29", "2024-03-29"], [10.0, 21.0, 21.0])
    assert [m.month for m in months] == ["2024-01", "2024-02", "2024-03"]
    assert [round(m.percent, 6) for m in months] == [10.0, 10.0, 0.0]


def test_first_and_last_never_repeat_rows() -> None:
    assert first_and_last([1, 2, 3], 2) == ([1, 2], [3])
    assert first_and_last(list(range(10)), 3) == ([0, 1, 2], [7, 8, 9])


def test_to_utf8_converts_gb18030_and_keeps_utf8() -> None:
    assert to_utf8("时间,收益".encode("gb18030")) == "时间,收益".encode()
    assert to_utf8("\ufeff时间".encode()) == "时间".encode()
    assert to_utf8(b"a,b") == b"a,b"
