"""The port of the local run ledger (issue 13 item 6): every submitted build, by its ids.

The adapter keeps the entries of one site and account (it is built for them); entries of other
sites (the sandbox, another api base) are never seen through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Protocol, Sequence

if TYPE_CHECKING:
    from jqcli.domain.ledger import LedgerEntry, RunSettings


class RunLedger(Protocol):
    """Durable, atomic storage of ``LedgerEntry`` records (each call is one committed transaction)."""

    def add(self, entry: LedgerEntry) -> LedgerEntry:
        """Store a new entry; the stored one, with its ``key`` assigned."""
        ...

    def save(self, entry: LedgerEntry) -> None:
        """Replace the entry with ``entry.key``."""
        ...

    def remove(self, key: int) -> None:
        """Forget an entry (a build the site refused: no run exists)."""
        ...

    def entries(
        self,
        *,
        strategy: str = "",
        status: str = "",
        since: Optional[float] = None,
        until: Optional[float] = None,
        limit: Optional[int] = None,
    ) -> List[LedgerEntry]:
        """Entries newest first; ``strategy`` matches the strategy's name or id, ``since``/``until``
        bound ``submitted_at`` (epoch seconds, ``until`` exclusive)."""
        ...

    def same_runs(self, code_hash: str, settings: RunSettings) -> List[LedgerEntry]:
        """Entries with this code hash and these settings, newest first (``--reuse``)."""
        ...


__all__: Sequence[str] = ("RunLedger",)
