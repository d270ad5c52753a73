"""The local run ledger's rules: what a run is, when two runs are the same, reconciling a lost build.

A build is recorded when it is submitted, before any waiting, so that no crash, signal or lost response
loses a run.  Builds are not idempotent (protocol.md §9.4): after an unknown outcome the client never
re-sends; it looks for history rows with the same name, range, capital and frequency submitted after the
attempt, and confirms a candidate by its source code's hash.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Iterable, List, Optional, Tuple

import attrs

from jqcli.domain.backtest import BacktestRow

# A ledger entry's outcome: what is known about its build request.
SENDING = "sending"  # recorded, the build request is (or was, when the process died) on its way
SUBMITTED = "submitted"  # the site answered with the run's ids
UNKNOWN = "unknown"  # no answer (network error, interrupt): the run may or may not exist
RECONCILED = "reconciled"  # no answer, but the history list showed the run (confirmed by its code)
NOT_FOUND = "not_found"  # no answer, and the history list showed no such run
OUTCOMES = (SENDING, SUBMITTED, UNKNOWN, RECONCILED, NOT_FOUND)

# The frequency as the history list shows it (protocol.md §2.9) and as the request names it.
FREQUENCY_TEXT = {"day": "每天", "minute": "分钟", "tick": "Tick"}
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
# How far a row's submit time may sit before the attempt's local clock (clock skew, the site's rounding).
CLOCK_SKEW = datetime.timedelta(minutes=2)


def code_hash(code: str) -> str:
    """The code's identity: sha256 of its UTF-8 bytes, as hex."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


@attrs.frozen
class RunSettings:
    """What decides whether two runs are the same run."""

    mode: str
    start: str
    end: str
    capital: Optional[float]
    frequency: str

    def matches_row(self, row: BacktestRow) -> bool:
        """Whether a history row shows these settings (dates, capital, frequency as the list prints them)."""
        same_capital = self.capital is None or row.capital is None or abs(row.capital - self.capital) < 0.005
        frequency = row.frequency.strip()
        same_frequency = not frequency or frequency in (self.frequency, FREQUENCY_TEXT.get(self.frequency, ""))
        return row.start_date == self.start and row.end_date == self.end and same_capital and same_frequency


@attrs.frozen
class LedgerEntry:
    """One submitted run as the ledger keeps it."""

    key: int  # the ledger's own row number
    submitted_at: float  # epoch seconds, the local clock just before the build was sent
    strategy_id: str
    strategy_name: str
    settings: RunSettings
    code_hash: str
    outcome: str  # SENDING, SUBMITTED, UNKNOWN, RECONCILED or NOT_FOUND (below)
    backtest_id: str = ""
    list_id: str = ""
    run_id: str = ""
    status: str = ""
    metrics: Tuple[Tuple[str, object], ...] = ()
    file: str = ""

    def reuse_key(self) -> Tuple[str, str, str, str, Optional[float], str]:
        s = self.settings
        return (self.code_hash, s.mode, s.start, s.end, s.capital, s.frequency)


def beijing_time(epoch: float) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in the site's time zone (the history list's submit times)."""
    return datetime.datetime.fromtimestamp(epoch, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def reconcile_candidates(entry: LedgerEntry, rows: Iterable[BacktestRow]) -> List[BacktestRow]:
    """History rows that could be the run ``entry`` submitted: same settings, submitted at or after it.

    A row without a readable submit time is kept (the source hash decides).  The caller confirms each
    candidate by the hash of its ``/source`` code and never re-sends the build.
    """
    earliest = beijing_time(entry.submitted_at - CLOCK_SKEW.total_seconds())
    found = []
    for row in rows:
        if not entry.settings.matches_row(row):
            continue
        submitted = row.submitted_at.strip()
        if len(submitted) >= 16 and submitted[:19] < earliest[: len(submitted[:19])]:
            continue
        if entry.strategy_name and row.name and row.name.strip() != entry.strategy_name.strip():
            continue
        found.append(row)
    return found


def reusable(entries: Iterable[LedgerEntry], wanted: LedgerEntry) -> Optional[LedgerEntry]:
    """The newest finished (or still running) run with the same code and settings, if any.

    The strategy id is not compared: the site re-mints strategy ids on every response (protocol.md
    §1.6), and the same code with the same settings gives the same result in any strategy.
    """
    best: Optional[LedgerEntry] = None
    for entry in entries:
        if entry.reuse_key() != wanted.reuse_key():
            continue
        if entry.status not in ("done", "running") or not entry.backtest_id:
            continue
        if best is None or entry.submitted_at > best.submitted_at:
            best = entry
    return best
