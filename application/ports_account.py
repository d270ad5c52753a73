"""Ports of the account's run control: quota, cancel, run times (protocol.md §3.1, §9.2, §9.3).

Every read is an idempotent GET; ``cancel`` is a POST sent once and never retried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Optional, Protocol, Sequence, Tuple

import attrs

if TYPE_CHECKING:
    from jqcli.domain.quota import Quota

NEVER = "0000-00-00 00:00:00"  # runTimeInfo's cancelTime of a run never cancelled


@attrs.frozen
class CancelTarget:
    """What the detail page gives a cancel: the run id (``#backtestId``) and the page token."""

    given: str  # the id the user gave (the detail page was opened with it; the Referer names it)
    run_id: str
    token: str = ""
    name: str = ""


@attrs.frozen
class RunTimes:
    """``/algorithm/backtest/runTimeInfo`` → ``data``: the run's clock and state."""

    status: object = None  # the task state (0 queued, 1 running, 2 done, 3 failed, 4 cancelled)
    added_at: str = ""  # ``addTime``: the submit time ``statistics.running[].time`` shows
    cancel_time: str = ""  # ``cancelTime``; NEVER (or empty) when not cancelled
    until_now_seconds: Optional[int] = None
    response: Mapping[str, object] = attrs.field(factory=dict)

    @property
    def cancelled(self) -> bool:
        return bool(self.cancel_time.strip()) and self.cancel_time.strip() != NEVER


class AccountGateway(Protocol):
    """The account's running runs and minutes, and stopping a run."""

    def statistics(self) -> Tuple[Quota, Mapping[str, object]]:
        """``/algorithm/index/statistics``: running runs, today's finished ones, minutes used and free,
        and the raw envelope."""
        ...

    def vip_type(self) -> Optional[str]:
        """The account tier from ``/user/index/isLogin`` (``vipType``); None when the site does not say."""
        ...

    def cancel_target(self, backtest_id: str) -> CancelTarget:
        """Open the detail page of any id of the run: its run id and a fresh token."""
        ...

    def cancel(self, target: CancelTarget) -> Mapping[str, object]:
        """POST ``/algorithm/index/cancel`` once (never retried); the success envelope, else raises ApiError."""
        ...

    def run_times(self, run_id: str) -> RunTimes:
        """``/algorithm/backtest/runTimeInfo`` of the run id."""
        ...


__all__: Sequence[str] = ("NEVER", "AccountGateway", "CancelTarget", "RunTimes")
