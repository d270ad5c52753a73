"""The --wait schedule: a run's end is noticed soon after it happens, whatever its length."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from jqcli.domain.polling import WaitPolicy, curve_fraction, predicted_end, weekdays_between


def simulate(length: float, queued: float, policy: WaitPolicy, *, visible: bool = True) -> tuple:
    """Rounds against a run that waits ``queued`` s, then fills its curve evenly for ``length`` s.

    Returns (seconds between the end and the round that saw it, rounds made).
    """
    end, now, samples = queued + length, 0.0, []
    for round_index in range(10_000):
        if now >= end:
            return now - end, round_index + 1
        fraction = min(1.0, max(0.0, (now - queued) / length))
        if visible:
            samples.append((now, fraction))
        now += policy.next_sleep(now, samples)
    raise AssertionError("never noticed")


@settings(max_examples=300, deadline=None)
@given(st.floats(1.0, 3600.0), st.floats(0.0, 5.0))
def test_the_end_of_a_run_that_shows_progress_is_noticed_within_two_seconds(length, queued) -> None:
    late, rounds = simulate(length, queued, WaitPolicy(timeout=10_000))
    assert late <= 2.0
    assert rounds <= 40 + (length + queued) / 30


@settings(max_examples=300, deadline=None)
@given(st.floats(0.5, 3600.0), st.floats(0.0, 3600.0))
def test_a_long_queue_delays_the_notice_by_at_most_a_fifth_of_the_time(length, queued) -> None:
    late, _ = simulate(length, queued, WaitPolicy(timeout=100_000))
    assert late <= max(2.0, 0.2 * (queued + length)) + 1e-9


def test_lateness_on_three_twenty_and_hundred_twenty_second_runs() -> None:
    for length in (3.0, 20.0, 120.0):
        late, _ = simulate(length, 0.5, WaitPolicy())
        assert late <= 2.0, (length, late)


def test_without_progress_the_sleep_is_a_fifth_of_the_time_waited() -> None:
    policy = WaitPolicy()
    assert [policy.next_sleep(t, []) for t in (0.0, 3.0, 10.0, 50.0, 1000.0)] == [1.0, 1.0, 2.0, 10.0, 30.0]
    assert WaitPolicy(poll_interval=60).next_sleep(1000.0, []) == 60.0
    assert WaitPolicy(poll_interval=1).next_sleep(1000.0, []) == 6.0


@settings(max_examples=300, deadline=None)
@given(st.floats(0.5, 3600.0), st.floats(0.0, 600.0))
def test_a_run_that_shows_no_progress_is_noticed_within_a_fifth_of_its_time(length, queued) -> None:
    late, rounds = simulate(length, queued, WaitPolicy(timeout=10_000), visible=False)
    assert late <= max(1.0, 0.2 * (queued + length)) + 1e-9
    assert rounds <= 40 + (queued + length) / 30


def test_the_sleep_never_passes_the_wait_timeout() -> None:
    policy = WaitPolicy(timeout=10.0)
    assert policy.next_sleep(9.5, []) == 0.5
    assert policy.next_sleep(12.0, [(1.0, 0.1), (2.0, 0.2)]) == 0.0


def test_predicted_end_uses_the_rate_between_the_first_and_last_progress() -> None:
    assert predicted_end([]) is None
    assert predicted_end([(0.0, 0.0), (1.0, 0.0)]) is None
    assert predicted_end([(1.0, 0.1)]) is None  # one sample gives no rate
    assert predicted_end([(2.0, 0.2), (4.0, 0.6)]) == 6.0
    assert predicted_end([(2.0, 0.5), (3.0, 1.0)]) == 3.0
    assert predicted_end([(2.0, 0.5), (3.0, 0.5)]) is None  # stalled


def test_the_curve_fraction_counts_trading_days_not_calendar_days() -> None:
    jan2 = 1704153600000  # 2024-01-02 00:00 UTC (Beijing 08:00), a Tuesday
    assert weekdays_between(datetime.date(2024, 1, 2), datetime.date(2024, 1, 31)) == 22
    assert curve_fraction(jan2, 11, "2024-01-31") == 0.5  # a weekend in between is no stall
    assert curve_fraction(jan2, 40, "2024-01-31") == 1.0
    assert curve_fraction(jan2, 1, "2024-01-02") == 1.0 and curve_fraction(jan2, 1, "bad") is None


@given(st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 1, 1)), st.integers(0, 400))
def test_weekdays_between_counts_like_a_walk(first, span) -> None:
    last = first + datetime.timedelta(days=span)
    walk = sum(1 for i in range(span + 1) if (first + datetime.timedelta(days=i)).weekday() < 5)
    assert weekdays_between(first, last) == walk
