"""``JudgeRun`` (application/verdicts.py) against the fake gateway: what it reads, and the verdict it gives."""

from __future__ import annotations

import pytest

from jqcli.application.verdicts import JudgeRun, LocalSource
from jqcli.domain.errors import NetworkError
from jqcli.domain.verdict import judge
from tests.support.fakes_strategies import FakeBacktestGateway

ERROR_LOG = [
    "Traceback (most recent call last):",
    '  File "/tmp/strategy/user_code.py", line 3, in initialize',
    "    run_daily(step)",
    '  File "/tmp/strategy/user_code.py", line 7, in step',
    "    x = prices['000001.XSHE']",
    "KeyError: '000001.XSHE'",
]
USER_LOG = [
    "2024-01-02 09:30:00 - INFO  - 开始",
    "2024-01-03 09:30:00 - WARNING - 下单失败：平安银行(000001.XSHE) 开仓数量不能小于 100",
    "2024-01-04 09:30:00 - INFO  - 今日停牌的股票不买",  # an INFO line that mentions 停牌 is no warning
    "2024-01-05 09:30:00 - ERROR - Traceback (most recent call last):",
    '  File "/tmp/strategy/user_code.py", line 7, in step',
    "    x = prices['000001.XSHE']",
    "KeyError: '000001.XSHE'",
]
LOCAL = (
    "def initialize(context):\n    g.n = 0\n    run_daily(step)\n\n\n"
    "def step(context):\n    x = prices['000001.XSHE']\n"
)


def orders_page(offset: int, count: int, buys: list) -> dict:
    times = list(range(offset, offset + count))
    return {
        "offset": offset,
        "data": {
            "state": "2",
            "result": {"offset": offset, "count": count, "orders": {"buy": {"time": times, "value": buys},
                                                                    "sell": {"time": times, "value": [0] * count}}},
        },
    }  # fmt: skip


@pytest.fixture
def gateway() -> FakeBacktestGateway:
    fake = FakeBacktestGateway()
    fake.error_lines = list(ERROR_LOG)
    fake.log_lines = list(USER_LOG)
    return fake


def test_a_failed_run_names_the_local_file_line_and_takes_the_time_from_the_user_log(gateway) -> None:
    judged = JudgeRun(gateway).of_run(gateway.run_id, "failed", local=LocalSource("mine.py", LOCAL))
    assert judged.verdict.verdict == "runtime_error"
    (error,) = judged.verdict.errors
    assert (error.file, error.line, error.func, error.phase) == ("mine.py", 7, "step", "step")
    assert error.source_line == "    x = prices['000001.XSHE']"
    assert error.sim_time == "2024-01-05 09:30:00"  # the error log has no stamp; the user log's traceback has
    assert [(f.file, f.line, f.source_line) for f in error.frames] == [
        ("mine.py", 3, "    run_daily(step)"),
        ("mine.py", 7, "    x = prices['000001.XSHE']"),
    ]
    assert judged.verdict.warnings == 1 and "开仓数量不能小于 100" in judged.verdict.warning_lines[0]
    assert ("error", gateway.run_id) in gateway.calls  # error_lines=None: read


def test_given_error_lines_are_not_read_again_and_the_log_is_read_to_its_end(gateway) -> None:
    gateway.log_lines = [f"2024-01-02 09:30:00 - INFO  - 第 {i} 行" for i in range(250)] + USER_LOG
    judged = JudgeRun(gateway).of_run(gateway.run_id, "failed", error_lines=ERROR_LOG)
    assert ("error", gateway.run_id) not in gateway.calls
    assert [c[2] for c in gateway.calls if c[0] == "log"] == [0, 100, 200, 257]  # the empty page ends it
    assert judged.log_lines == 257 and judged.log_complete


def test_the_log_stops_at_the_page_cap_and_says_it_is_incomplete(gateway) -> None:
    gateway.log_lines = [f"2024-01-02 09:30:00 - INFO  - 第 {i} 行" for i in range(500)]
    judged = JudgeRun(gateway, log_pages=2).of_run(gateway.run_id, "failed", error_lines=ERROR_LOG)
    assert judged.log_lines == 200 and not judged.log_complete and judged.verdict.verdict == "runtime_error"


def test_a_log_that_cannot_be_read_leaves_the_verdict_from_the_error_log(gateway) -> None:
    def broken(backtest_id, *, offset=0):
        raise NetworkError("连接被重置")

    gateway.log = broken
    judged = JudgeRun(gateway).of_run(gateway.run_id, "failed", error_lines=ERROR_LOG)
    assert judged.verdict.verdict == "runtime_error" and judged.log_error == "连接被重置"
    assert not judged.log_complete and judged.verdict.errors[0].sim_time == ""


def test_a_running_run_has_no_verdict_and_reads_no_log(gateway) -> None:
    gateway.error_lines = []
    judged = JudgeRun(gateway).of_run(gateway.run_id, "running")
    assert judged.verdict is None and not [c for c in gateway.calls if c[0] == "log"]


def test_a_cancelled_run_with_error_lines_is_a_failure(gateway) -> None:
    judged = JudgeRun(gateway).of_run(gateway.run_id, "cancelled", error_lines=ERROR_LOG)
    assert judged.status == "failed" and judged.verdict.verdict == "runtime_error"
    assert JudgeRun(gateway).of_run(gateway.run_id, "cancelled", error_lines=[]).verdict.verdict == "cancelled"


def test_execute_reads_detail_state_source_and_names_lines_in_the_runs_code(gateway) -> None:
    gateway.states = ["3"]
    judged = JudgeRun(gateway).execute("55544646")
    assert gateway.calls[0] == ("detail", "55544646") and ("source", gateway.run_id) in gateway.calls
    assert judged.run_id == gateway.run_id and judged.status == "failed"
    error = judged.verdict.errors[0]
    # the fake's source has two lines: line 7 is beyond it, so no text is invented
    assert error.file == "/tmp/strategy/user_code.py" and error.source_line is None
    assert judged.file_matches_run is None


def test_execute_compares_the_local_file_with_the_runs_code(gateway) -> None:
    gateway.states = ["3"]
    same = "\ufeffdef initialize(context):\r\n    pass\r\n"  # a BOM and CRLF: still the same code
    assert JudgeRun(gateway).execute("1", local=LocalSource("a.py", same)).file_matches_run is True
    assert JudgeRun(gateway).execute("1", local=LocalSource("a.py", LOCAL)).file_matches_run is False


def test_a_finished_run_without_orders_on_any_page_has_no_trades(gateway) -> None:
    gateway.error_lines, gateway.log_lines = [], []
    gateway.result_pages = [orders_page(0, 3, [0, 0, 0]), orders_page(3, 2, [0, 0])]
    judged = JudgeRun(gateway).execute("1")
    assert judged.verdict.verdict == "no_trades"
    assert [c[2] for c in gateway.calls if c[0] == "result"] == [0, 3, 5]  # every page, to the empty one


def test_a_finished_run_with_orders_stops_reading_pages_at_the_first_that_has_any(gateway) -> None:
    gateway.error_lines = []
    gateway.log_lines = ["2024-01-03 09:30:00 - INFO  - 开始"]
    gateway.result_pages = [orders_page(0, 3, [0, 2, 0]), orders_page(3, 2, [0, 0])]
    judged = JudgeRun(gateway).execute("1")
    assert judged.verdict.verdict == "ok"
    assert [c[2] for c in gateway.calls if c[0] == "result"] == [0]


def test_order_warnings_of_a_finished_run() -> None:
    fake = FakeBacktestGateway()
    fake.log_lines = USER_LOG[:3]
    fake.result_pages = [orders_page(0, 3, [1, 0, 0])]
    judged = JudgeRun(fake).execute("1")
    assert judged.verdict.verdict == "order_warnings" and judged.verdict.warnings == 1


def test_a_compile_error_has_no_simulated_time_even_from_a_stamped_log_line() -> None:
    log = [
        "2026-12-02 07:27:25 - ERROR - Traceback (most recent call last):",
        '  File "user_code.py", line 2',
        "    if True",
        "           ^",
        "SyntaxError: expected ':'",
    ]
    verdict = judge("failed", log_lines=log)
    assert verdict.verdict == "compile_error" and verdict.errors[0].sim_time == "" and verdict.errors[0].line == 2
