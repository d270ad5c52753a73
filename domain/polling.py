"""The ``--wait`` rules as pure functions: backoff, when to stop, what the final status is."""

from __future__ import annotations

from typing import Sequence

import attrs

from jqcli.domain.backtest import CANCELLED, DONE, FAILED

DEFAULT_POLL_INTERVAL = 5.0
DEFAULT_WAIT_TIMEOUT = 30 * 60.0
BACKOFF_FACTOR = 1.5
BACKOFF_CAP = 30.0
# A finished formal run whose stats are still empty (the site fills them a little after the end) ends after
# this many "done" rounds; a compile run is only checked for errors, so it ends at its first "done" round.
DONE_WITHOUT_STATS_ROUNDS = {"backtest": 3, "compile": 1}


@attrs.frozen
class WaitPolicy:
    """How often to poll and for how long."""

    poll_interval: float = DEFAULT_POLL_INTERVAL
    timeout: float = DEFAULT_WAIT_TIMEOUT

    def delay(self, round_index: int) -> float:
        """Seconds to sleep after round ``round_index`` (0-based): from the interval, ×1.5, capped."""
        cap = max(self.poll_interval, BACKOFF_CAP)
        return min(cap, self.poll_interval * (BACKOFF_FACTOR ** max(0, round_index)))

    def sleep_for(self, round_index: int, elapsed: float) -> float:
        """The next sleep, never past the deadline (0 when the deadline has passed)."""
        return max(0.0, min(self.delay(round_index), self.timeout - elapsed))


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
