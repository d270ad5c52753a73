"""Domain rules: the status table (with its meta-test), build refusals, dates, polling."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jqcli.domain.backtest import CANCELLED, DONE, FAILED, RUNNING, STATUS_TABLE, TERMINAL, has_core_metrics, status_of
from jqcli.domain.backtest_build import build_refusal
from jqcli.domain.dates import default_end, previous_weekday
from jqcli.domain.errors import ApiError, UsageError
from jqcli.domain.polling import WaitPolicy, final_status, round_outcome


def test_status_table_is_exhaustive_and_follows_architecture() -> None:
    texts = [(key, status) for kind, key, status in STATUS_TABLE if kind == "text"]
    codes = {key: status for kind, key, status in STATUS_TABLE if kind == "code"}
    assert codes == {"0": RUNNING, "1": RUNNING, "2": DONE, "3": FAILED, "4": CANCELLED}
    assert {s for _, s in texts} == {DONE, FAILED, CANCELLED, RUNNING}
    for word in ("完成", "失败", "取消", "运行", "排队", "回测中", "进行中"):
        assert word in dict(texts)
    assert {kind for kind, _, _ in STATUS_TABLE} == {"text", "code"}
    assert set(codes.values()) | {RUNNING} >= TERMINAL


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        ("完成", "1", DONE),  # text wins over the code
        ("失败", "2", FAILED),
        ("已取消", "", CANCELLED),
        ("运行中", "", RUNNING),
        ("排队中", "0", RUNNING),
        ("", "0", RUNNING),
        ("", "1", RUNNING),  # the spec said failed; live evidence says running
        ("", 2, DONE),
        ("", "3", FAILED),
        ("", "4", CANCELLED),
        ("", "7", "7"),  # unknown codes pass through raw
        ("???", "9", "9"),
        ("", "2.0", DONE),
    ],
)
def test_status_of(text, code, expected) -> None:
    assert status_of(text, code) == expected


@given(st.text(max_size=8), st.one_of(st.none(), st.integers(-5, 20), st.text(max_size=3)))
def test_status_of_never_raises_and_is_known_or_raw(text, code) -> None:
    result = status_of(text, code)
    assert result in {DONE, FAILED, CANCELLED, RUNNING} or result == ("" if code is None else str(code).strip())


@pytest.mark.parametrize(
    ("msg", "kind", "reason"),
    [
        ("50000", ApiError, "free_time_exhausted"),
        ("50001", ApiError, "credits_insufficient"),
        ("当前可并行回测数已达2个", ApiError, "concurrency_cap"),
        ("当前并行编译或回测数量最多2个。", ApiError, "concurrency_cap"),
        ("结束时间不能大于前一个交易日", UsageError, "end_date"),
        ("系统繁忙，请稍后重试", ApiError, "busy"),
    ],
)
def test_build_refusals_are_clear(msg, kind, reason) -> None:
    error = build_refusal(msg, {"msg": msg})
    assert type(error) is kind and error.details["reason"] == reason
    if msg == "50000":
        assert "--use-credit" in error.details["hint"]


def test_unknown_refusal_keeps_the_message() -> None:
    error = build_refusal("奇怪", {})
    assert isinstance(error, ApiError) and "奇怪" in error.message


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2026-11-23", "2026-11-20"),
        ("2026-11-24", "2026-11-23"),
        ("2026-11-22", "2026-11-20"),
        ("2026-11-21", "2026-11-20"),
    ],
)
def test_default_end_is_previous_weekday(today, expected) -> None:
    assert default_end(datetime.date.fromisoformat(today)) == expected


@given(st.dates())
def test_previous_weekday_is_a_weekday_within_three_days(day) -> None:
    if day.toordinal() < 10:
        return
    prev = previous_weekday(day)
    assert prev < day and prev.weekday() < 5 and (day - prev).days <= 3


def test_wait_policy_never_sleeps_past_deadline() -> None:
    policy = WaitPolicy(poll_interval=5, timeout=60)
    assert policy.next_sleep(58, []) == 2 and policy.next_sleep(70, []) == 0
    assert WaitPolicy(poll_interval=60).longest_sleep() == 60 and policy.longest_sleep() == 30


def test_round_outcomes() -> None:
    assert round_outcome(RUNNING, False, 0) == "poll"
    assert round_outcome(DONE, True, 1) == "finish"
    assert round_outcome(DONE, False, 1) == "poll"
    assert round_outcome(DONE, False, 3) == "finish"
    assert round_outcome(DONE, False, 1, "compile") == "finish"  # compile runs: no waiting for stats
    assert round_outcome(FAILED, False, 0) == "errors"
    assert round_outcome(CANCELLED, False, 0) == "errors"
    assert round_outcome("7", False, 0) == "poll"
    assert round_outcome("7", True, 0) == "finish"
    assert final_status(CANCELLED, ["x"]) == FAILED and final_status(CANCELLED, []) == CANCELLED


def test_core_metrics() -> None:
    assert has_core_metrics({"annual_algo_return": 0.1, "sharpe": 1})
    assert not has_core_metrics([]) and not has_core_metrics({"report_done_seconds": 3})
