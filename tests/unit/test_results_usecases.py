"""Result use cases on fakes: ledger paging to the end or the cap, risk retries, the export flow (§9.6, §9.7)."""

from __future__ import annotations

import pytest

from jqcli.application.results import (
    BuildReport,
    ExportBacktest,
    ExportRequest,
    ListLedger,
    ReadRiskWindows,
)
from jqcli.domain.errors import ApiError, UsageError, WaitTimeout
from jqcli.domain.results import LedgerFilter
from tests.fakes import RUN_ID, FakeBacktestGateway, FakeBacktestResults, FakeClock, trade_rows


def test_trades_read_every_page_past_short_pages_to_the_empty_one() -> None:
    fake = FakeBacktestResults()
    out = ListLedger(fake, "transaction").execute("given")
    assert out.run_id == RUN_ID and out.count == 322 and out.end == "end" and not out.truncated
    offsets = [c[3] for c in fake.kinds_called("ledger")]
    assert offsets == [0, 99, 199, 298, 322]  # 99 + 100 + 99 + 24 + 0, as the live sample


def test_the_cap_is_reported_as_truncated_never_as_the_end() -> None:
    fake = FakeBacktestResults()
    fake.ledgers["transaction"] = trade_rows(1500)
    out = ListLedger(fake, "transaction").execute("given")
    assert out.count == 1000 and out.end == "truncated" and out.truncated


def test_rows_with_zero_amount_still_move_the_offset_and_filters_apply_after() -> None:
    fake = FakeBacktestResults()
    out = ListLedger(fake, "transaction").execute("given", where=LedgerFilter(date="2024-01-03"))
    assert out.raw_rows == 322 and all(row.date == "2024-01-03" for row in out.rows) and out.count > 0


def test_limit_stops_paging_early() -> None:
    fake = FakeBacktestResults()
    out = ListLedger(fake, "transaction").execute("given", limit=120)
    assert out.count == 120 and out.end == "limit" and len(fake.kinds_called("ledger")) == 2


def test_streamed_rows_are_not_kept() -> None:
    seen = []
    out = ListLedger(FakeBacktestResults(), "transaction").execute("given", on_row=seen.append)
    assert len(seen) == 322 and out.rows == ()


def test_risk_is_asked_again_while_not_ready() -> None:
    fake, clock = FakeBacktestResults(), FakeClock()
    fake.risk_answers = [False, 0, {"beta": [{"date": "2024-01", "1month": "N/A"}]}]
    out = ReadRiskWindows(fake, clock).execute("given")
    assert out.ready and out.tries == 3 and clock.sleeps == [2.2, 2.2]
    assert out.metrics["beta"][0].values == (None, None, None, None)


def test_risk_gives_up_after_five_tries() -> None:
    fake, clock = FakeBacktestResults(), FakeClock()
    fake.risk_answers = [False]
    out = ReadRiskWindows(fake, clock).execute("given")
    assert not out.ready and out.tries == 5 and len(clock.sleeps) == 4


def test_export_creates_one_task_with_the_buttons_id_polls_and_converts() -> None:
    fake, clock, kept = FakeBacktestResults(), FakeClock(), []
    out = ExportBacktest(fake, clock).execute(
        ExportRequest("given", "transaction"), on_task=lambda task, eid: kept.append((task, eid))
    )
    assert fake.kinds_called("add") == [("add", "btn-t", "transaction", False)]
    assert kept == [("task1", "btn-t")] and out.created and out.polls == 2 and clock.sleeps == [2.0]
    assert out.member == "transaction.csv" and out.data.decode("utf-8").startswith("日期,时间") and out.converted


def test_export_with_a_known_task_creates_nothing() -> None:
    fake = FakeBacktestResults()
    out = ExportBacktest(fake, FakeClock()).execute(ExportRequest("given", "transaction", task="old", raw=True))
    assert fake.tasks_created == 0 and out.task == "old" and not out.created
    assert out.data == "日期,时间\n2024-01-02,09:30\n".encode("gb18030") and not out.converted


def test_export_times_out_naming_the_task_to_resume() -> None:
    fake = FakeBacktestResults()
    fake.statuses = ["packing"]
    with pytest.raises(WaitTimeout) as info:
        ExportBacktest(fake, FakeClock()).execute(ExportRequest("given", "log", wait_timeout=5, poll_interval=2))
    assert info.value.details["task"] == "task1" and "--task task1" in info.value.details["hint"]
    assert fake.tasks_created == 1


def test_export_of_nothing_and_unknown_kinds() -> None:
    fake = FakeBacktestResults()
    fake.statuses = ["empty"]
    with pytest.raises(ApiError):
        ExportBacktest(fake, FakeClock()).execute(ExportRequest("given", "position"))
    with pytest.raises(UsageError):
        ExportBacktest(fake, FakeClock()).execute(ExportRequest("given", "orders"))


def test_credits_refusal_passes_through_without_a_second_task() -> None:
    fake = FakeBacktestResults()
    fake.credits_needed = True
    with pytest.raises(ApiError):
        ExportBacktest(fake, FakeClock()).execute(ExportRequest("given", "log"))
    assert fake.tasks_created == 0 and len(fake.kinds_called("add")) == 1


def test_result_csv_is_read_with_the_run_id_and_made_utf8() -> None:
    fake = FakeBacktestResults()
    out = ExportBacktest(fake, FakeClock()).execute(ExportRequest("given", "result"))
    assert fake.kinds_called("csv") == [("csv", RUN_ID)] and out.data.decode("utf-8").startswith("时间,基准收益")


def test_report_collects_curve_months_trades_and_end_positions() -> None:
    backtests, results = FakeBacktestGateway(), FakeBacktestResults()
    backtests.run_id = RUN_ID
    day, base = 86_400_000, 1704124800000
    backtests.result_pages = [
        {"offset": 0, "data": {"state": "2", "result": {"offset": 0, "count": 3,
         "overallReturn": {"time": [base, base + day, base + 40 * day], "value": [1.0, -2.0, 5.0]},
         "benchmark": {"time": [base, base + day, base + 40 * day], "value": [0.0, 1.0, 2.0]}}}},
    ]  # fmt: skip
    results.ledgers["position"] = [
        {"date": "2024-01-02", "stock": '<span class="label label-cash">Cash</span>'},
        {"date": "2024-01-03", "stock": "平安银行(000001.XSHE)", "amount": 100},
        {"date": "2024-01-03", "stock": '<span class="label label-cash">Cash</span>'},
    ]
    report = BuildReport(backtests, results).execute("given")
    main = report.main
    assert main.curve.strategy == (1.0, -2.0, 5.0) and [m.month for m in main.months] == ["2024-01", "2024-02"]
    assert main.trade_count == 322 and len(main.first_trades) == 10 and len(main.last_trades) == 10
    assert [p.date for p in main.positions] == ["2024-01-03", "2024-01-03"] and main.positions[1].cash
    assert main.code.startswith("def initialize")
