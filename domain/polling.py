"""The ``--wait`` rules as pure functions: backoff, when to stop, what the final status is."""

from __future__ import annotations

import datetime
from typing import Optional, Sequence, Tuple

import attrs

from jqcli.domain.backtest import CANCELLED, DONE, FAILED

DEFAULT_POLL_INTERVAL = 5.0
DEFAULT_WAIT_TIMEOUT = 30 * 60.0
BACKOFF_CAP = 30.0
# A finished formal run whose stats are still empty (the site fills them a little after the end) ends after
# this many "done" rounds; a compile run is only checked for errors, so it ends at its first "done" round.
DONE_WITHOUT_STATS_ROUNDS = {"backtest": 3, "compile": 1}
# Waiting: the shortest sleep between two rounds; while nothing predicts the end, the sleep is this share
# of the time waited so far (a short run is seen soon, a long one is not polled often); how long after
# the predicted end to look.
MIN_SLEEP = 0.5
WAITED_SHARE = 0.2
ETA_MARGIN = 0.25


@attrs.frozen
class WaitPolicy:
    """How often to poll and for how long."""

    poll_interval: float = DEFAULT_POLL_INTERVAL
    timeout: float = DEFAULT_WAIT_TIMEOUT

    def longest_sleep(self) -> float:
        """The cap of every sleep: the interval × 6, at most ``BACKOFF_CAP``, never below the interval."""
        return max(self.poll_interval, min(BACKOFF_CAP, self.poll_interval * 6))

    def next_sleep(self, elapsed: float, samples: Sequence[Tuple[float, float]]) -> float:
        """The sleep before the next round, using what the site told of the run's progress.

        ``samples`` are ``(elapsed seconds, fraction done)`` pairs, one per round that saw the run's
        curve (the site fills it day by day, protocol.md §2.13).  Once two rounds saw the run progress,
        the next round comes just after the end its rate predicts; while nothing predicts it, the sleep
        is a fifth of the time waited so far (at least a second).  Every sleep is capped by
        ``longest_sleep`` and ends at the wait's deadline.
        """
        eta = predicted_end(samples)
        if eta is None:
            base = max(min(1.0, self.poll_interval), elapsed * WAITED_SHARE)
        elif samples and samples[-1][1] >= 1.0:  # the curve is complete: the state turns done any moment
            base = 1.0
        elif eta + ETA_MARGIN > elapsed:
            # just after the predicted end, but never more than half the time waited so far in one sleep:
            # an estimate from few rounds can be far off, and a later round corrects it
            base = max(MIN_SLEEP, min(eta + ETA_MARGIN - elapsed, max(1.0, elapsed * 0.5)))
        else:  # later than predicted: look again soon, less often the later it gets
            base = max(1.0, (elapsed - eta) * WAITED_SHARE)
        return max(0.0, min(base, self.longest_sleep(), self.timeout - elapsed))


def curve_fraction(first_ms: int, points: int, end: str) -> Optional[float]:
    """How much of the run's range its curve covers: ``points`` days from the first point's day to ``end``.

    The curve has one point per trading day (protocol.md §2.13, §9.7); the range's trading days are counted
    as its weekdays (holidays are not known offline, so the share ends a little short of 1 in a range with
    holidays, which the schedule treats as "later than predicted").  Counting calendar days instead would
    make every weekend look like a stall.
    """
    try:
        end_day = datetime.date.fromisoformat(end[:10])
    except ValueError:
        return None
    first_day = datetime.datetime.fromtimestamp(first_ms / 1000, datetime.timezone(datetime.timedelta(hours=8))).date()
    total = weekdays_between(first_day, end_day)
    if total <= 0:
        return 1.0
    return max(0.0, min(1.0, points / total))


def weekdays_between(first: datetime.date, last: datetime.date) -> int:
    """Monday–Friday days from ``first`` to ``last``, both included."""
    if last < first:
        return 0
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    return weeks * 5 + sum(1 for i in range(rest) if (first.weekday() + i) % 7 < 5)


def predicted_end(samples: Sequence[Tuple[float, float]]) -> Optional[float]:
    """When the run should end (elapsed seconds), from the first and last rounds that saw it progress."""
    moving = [(t, f) for t, f in samples if f > 0]
    if not moving:
        return None
    last_t, last_f = moving[-1]
    if last_f >= 1.0:
        return last_t
    first_t, first_f = moving[0]
    if last_f <= first_f or last_t <= first_t:
        return None
    rate = (last_f - first_f) / (last_t - first_t)
    return last_t + (1.0 - last_f) / rate


def final_status(status: str, error_lines: Sequence[str]) -> str:
    """A run reported cancelled that left error lines really failed (protocol.md §4)."""
    if status == CANCELLED and any(line.strip() for line in error_lines):
        return str(FAILED)
    return str(status)


def round_outcome(status: str, stats_ready: bool, done_rounds: int, mode: str = "backtest") -> str:
    """What one polling round concludes: ``finish``, ``errors`` (read the error log, then finish) or ``poll``.

    ``status`` is the task state mapped by the status table; unknown raw codes keep polling
    unless the stats are complete.
    """
    if stats_ready:
        return "finish"
    if status == DONE:
        return "finish" if done_rounds >= DONE_WITHOUT_STATS_ROUNDS.get(mode, 3) else "poll"
    if status in (FAILED, CANCELLED):
        return "errors"
    return "poll"
