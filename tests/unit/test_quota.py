"""The account quota read from the statistics endpoint (protocol.md §9.3)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jqcli.domain.quota import cap_from_refusal, parse_statistics, seconds_of

SAMPLE = {
    "running": [{"id": "a1", "name": "策略A", "usedSec": "45分02秒", "time": "2026-12-01 09:00:00"}],
    "done": [{"id": "b"}, {"id": "c"}],
    "duration": {"used": "1.5", "free": 10},
}


def test_the_site_sample_reads_as_running_runs_and_minutes() -> None:
    quota = parse_statistics(SAMPLE)
    assert [(r.id, r.name, r.elapsed_seconds) for r in quota.running] == [("a1", "策略A", 2702)]
    assert (quota.done_today, quota.used_minutes, quota.free_minutes) == (2, 1.5, 10.0)
    assert quota.can_start() == (True, "")


def test_no_free_minutes_left_needs_credits_and_used_above_free_is_not_read_as_exhausted() -> None:
    exhausted = parse_statistics({**SAMPLE, "duration": {"used": "60", "free": 0}})
    allowed, why = exhausted.can_start()
    assert not allowed and "--use-credit" in why
    # `free` may be what remains (the sandbox's reading): 40 used and 20 free still leaves 20 minutes
    assert parse_statistics({**SAMPLE, "duration": {"used": "40", "free": 20}}).can_start() == (True, "")


def test_two_running_runs_reach_the_cap() -> None:
    quota = parse_statistics({**SAMPLE, "running": SAMPLE["running"] * 2})
    allowed, why = quota.can_start()
    assert not allowed and "并行上限 2" in why


def test_missing_parts_are_unknown_not_zero() -> None:
    quota = parse_statistics([])
    assert (quota.running, quota.done_today, quota.used_minutes, quota.free_minutes) == ((), None, None, None)
    assert quota.can_start() == (True, "")


def test_durations_and_caps() -> None:
    assert [seconds_of(t) for t in ("45分02秒", "1小时2分", "30秒", "90", 12, "", "abc", None)] == [
        2702, 3720, 30, 90, 12, None, None, None,
    ]  # fmt: skip
    assert cap_from_refusal("当前并行编译或回测数量最多2个") == 2
    assert cap_from_refusal("系统繁忙") is None


@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
def test_every_written_duration_reads_back(hours, minutes, seconds) -> None:
    text = (f"{hours}小时" if hours else "") + f"{minutes}分{seconds:02d}秒"
    assert seconds_of(text) == hours * 3600 + minutes * 60 + seconds


def test_the_builds_quota_refusals_point_at_account_quota() -> None:
    from jqcli.domain.backtest_build import build_refusal

    for msg in ("50000", "50001", "当前可并行回测数已达2个", "当前并行编译或回测数量最多2个。"):
        assert "jqcli account quota" in str(build_refusal(msg, {}).details["hint"]), msg
